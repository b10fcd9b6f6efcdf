using PainReview.Cli.Tests.Support;

namespace PainReview.Cli.Tests;

/// <summary>CLI (real process): 'painreview audit verify' on a portal database, intact and tampered with by sqlite3.</summary>
public sealed class AuditCliTests : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Verify_exits_0_on_an_intact_trail_and_5_naming_the_event_after_a_sqlite3_update()
    {
        var database = AuditDatabase.Create(_temp.File("data"));
        var ids = await database.AddEventsAsync(10);

        var intact = CliRunner.Run("audit", "verify", "--data", database.Folder);
        Assert.True(intact.ExitCode == 0, intact.StdErr);
        Assert.Matches(@"^audit trail intact: 10 events, head [0-9a-f]{64}$", intact.StdOut.Trim());
        var head = intact.StdOut.Trim().Split(' ')[^1];
        Assert.True(CliRunner.Run("audit", "verify", "--data", database.Folder, "--anchor", head).ExitCode == 0);

        database.Sqlite3($"UPDATE AuditEvents SET After = '{{\"n\":-1}}' WHERE Id = {ids[4]};");
        var broken = CliRunner.Run("audit", "verify", "--data", database.Folder);
        Assert.Equal(5, broken.ExitCode);
        Assert.Equal($"error: event {ids[4]} was altered (its content does not match its hash)", broken.StdErr.Trim());
        Assert.Equal("", broken.StdOut.Trim());
    }

    [Fact]
    public async Task Verify_names_a_removed_event_and_a_shortened_end_against_the_recorded_head()
    {
        var database = AuditDatabase.Create(_temp.File("data"));
        var ids = await database.AddEventsAsync(6);
        var head = CliRunner.Run("audit", "verify", "--data", database.Folder).StdOut.Trim().Split(' ')[^1];

        database.Sqlite3($"DELETE FROM AuditEvents WHERE Id = {ids[5]};");
        Assert.Equal(0, CliRunner.Run("audit", "verify", "--data", database.Folder).ExitCode);
        var cut = CliRunner.Run("audit", "verify", "--data", database.Folder, "--anchor", head);
        Assert.Equal(5, cut.ExitCode);
        Assert.StartsWith($"error: the recorded head {head} is not in the trail", cut.StdErr);

        database.Sqlite3($"DELETE FROM AuditEvents WHERE Id = {ids[2]};");
        var removed = CliRunner.Run("audit", "verify", "--data", database.Folder);
        Assert.Equal(5, removed.ExitCode);
        Assert.Equal($"error: event {ids[3]} does not follow event {ids[1]}: event {ids[2]} was removed or reordered", removed.StdErr.Trim());
    }

    [Fact]
    public void A_database_from_before_the_chain_is_sealed_when_the_command_opens_it()
    {
        var database = AuditDatabase.Create(_temp.File("data"));
        for (var i = 0; i < 4; i++)
            database.Sqlite3($"INSERT INTO AuditEvents (AtUtc, User, Action, EntityType, EntityId) VALUES ('2026-11-0{i + 1} 09:30:00', 'old', 'legacy.{i}', 'T', '{i}');");
        var result = CliRunner.Run("audit", "verify", "--data", database.Folder);
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.StartsWith("audit trail intact: 4 events, head ", result.StdOut);
        Assert.Equal("0", database.Sqlite3("SELECT COUNT(*) FROM AuditEvents WHERE Hash IS NULL;"));
    }

    [Fact]
    public async Task Commands_writing_at_once_from_several_processes_keep_one_chain()
    {
        var database = AuditDatabase.Create(_temp.File("data"));
        await database.AddEventsAsync(2);
        // The first creates the role; then each 'users add' is its own process writing user.created at once.
        var first = CliRunner.Run("users", "add", "--data", database.Folder, "--email", "first@example.org", "--role", "Clinician", "--password", "Audit-Chain-Password-1");
        Assert.True(first.ExitCode == 0, first.StdErr);
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => CliRunner.Run(
            "users", "add", "--data", database.Folder, "--email", $"user{i}@example.org", "--role", "Clinician", "--password", "Audit-Chain-Password-1"),
            TestContext.Current.CancellationToken)));
        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.StdErr));
        var result = CliRunner.Run("audit", "verify", "--data", database.Folder);
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.StartsWith("audit trail intact: 7 events, head ", result.StdOut);
    }

    [Fact]
    public void Verify_without_a_database_is_bad_input()
    {
        var result = CliRunner.Run("audit", "verify", "--data", _temp.File("nothing-here"));
        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("error: No portal database at ", result.StdErr);
    }
}
