using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;

namespace PainReview.Testing;

/// <summary>
/// A portal database on a temporary SQLite file for the audit-trail tests, and the real
/// <c>sqlite3</c> command-line tool to tamper with it the way a person with the file would.
/// </summary>
public sealed class AuditDatabase
{
    public string Folder { get; }
    public string Path { get; }

    private AuditDatabase(string folder)
    {
        Folder = folder;
        Path = System.IO.Path.Combine(folder, "painreview.db");
    }

    /// <summary>An empty, migrated portal database (data/painreview.db layout) in the folder.</summary>
    public static AuditDatabase Create(string folder)
    {
        Directory.CreateDirectory(folder);
        var database = new AuditDatabase(folder);
        using var db = database.Open();
        db.Database.Migrate();
        return database;
    }

    public PainReviewDbContext Open() =>
        new(new DbContextOptionsBuilder<PainReviewDbContext>().UseSqlite($"Data Source={Path}").Options);

    public static AuditEvent Event(string action, object? after = null, string user = "tester@example.org") => new()
    {
        User = user, Action = action, EntityType = "Test", EntityId = action, After = Data.Audit.AuditJson.Serialize(after),
    };

    /// <summary>Saves <paramref name="count"/> events, one SaveChanges each; returns their ids.</summary>
    public async Task<List<long>> AddEventsAsync(int count, string prefix = "test.event")
    {
        await using var db = Open();
        var ids = new List<long>();
        for (var i = 0; i < count; i++)
        {
            var e = Event($"{prefix}.{i}", new { n = i, text = "a \"quoted\" value" });
            db.AuditEvents.Add(e);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            ids.Add(e.Id);
        }
        return ids;
    }

    /// <summary>Runs SQL with the sqlite3 command-line tool; returns what it printed.</summary>
    public string Sqlite3(string sql)
    {
        if (!Sqlite3Available())
        {
            const string message = "The sqlite3 command-line tool is not installed (scripts/setup.sh installs it).";
            if (TestEnvironment.IsCi) Assert.Fail(message + " Under CI this is a failure.");
            Assert.Skip(message);
        }
        var psi = new ProcessStartInfo("sqlite3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-batch");
        psi.ArgumentList.Add(Path);
        psi.ArgumentList.Add(".timeout 10000");
        psi.ArgumentList.Add(sql);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"sqlite3 failed on {sql}: {stderr}");
        return stdout.Result.Trim();
    }

    private static bool Sqlite3Available() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator)
            .Any(dir => dir.Length > 0 && File.Exists(System.IO.Path.Combine(dir, "sqlite3")));
}
