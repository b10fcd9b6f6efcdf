using System.Net;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Process;

/// <summary>
/// Host (real processes, a real PostgreSQL server started by ./test.sh): one web and two worker
/// processes share the database, the job storage and a video folder. Every recording is analysed
/// exactly once, also when a worker is killed with SIGKILL in the middle of a job.
/// </summary>
public sealed class ScaleOutTests : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    /// <summary>The server from ./test.sh; skipped without it, except under CI.</summary>
    private static string Server
    {
        get
        {
            var connection = Environment.GetEnvironmentVariable("PAINREVIEW_TEST_POSTGRES");
            if (string.IsNullOrWhiteSpace(connection))
            {
                const string message = "No PostgreSQL server: ./test.sh starts one and sets PAINREVIEW_TEST_POSTGRES.";
                if (TestEnvironment.IsCi) Assert.Fail(message + " Under CI this is a failure.");
                Assert.Skip(message);
            }
            return connection!;
        }
    }

    /// <summary>A fresh, empty database on the test server.</summary>
    private static async Task<string> NewDatabaseAsync()
    {
        var name = "painreview_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(Server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(Server) { Database = name }.ConnectionString;
    }

    private static PainReviewDbContext Open(string provider, string connection)
    {
        var options = new DbContextOptionsBuilder<PainReviewDbContext>();
        options.Use(provider, connection);
        return new PainReviewDbContext(options.Options);
    }

    [Fact]
    public async Task Migrations_apply_cleanly_to_an_empty_postgresql_and_an_empty_sqlite()
    {
        await using (var pg = Open(DatabaseProviders.PostgreSql, await NewDatabaseAsync()))
        {
            Assert.NotEmpty(await pg.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken));
            await pg.Database.MigrateAsync(TestContext.Current.CancellationToken);
            Assert.Empty(await pg.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken));
            pg.Studies.Add(new Study { Name = "migrated", CreatedBy = "t" });
            await pg.SaveChangesAsync(TestContext.Current.CancellationToken);
            Assert.Equal(1, await pg.Studies.CountAsync(TestContext.Current.CancellationToken));
        }
        await using var sqlite = Open(DatabaseProviders.Sqlite, $"Data Source={_temp.File("fresh.db")}");
        await sqlite.Database.MigrateAsync(TestContext.Current.CancellationToken);
        Assert.Empty(await sqlite.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, await sqlite.Recordings.CountAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Two_workers_analyse_every_recording_exactly_once_even_when_one_is_killed()
    {
        var database = await NewDatabaseAsync();
        var videos = Directory.CreateDirectory(_temp.File("shared-videos")).FullName;
        Dictionary<string, string> Environment(string role) => new()
        {
            ["PainReview__Role"] = role,
            ["PainReview__DatabaseProvider"] = "PostgreSql",
            ["PainReview__JobStorage"] = "PostgreSql",
            ["PainReview__Database"] = database,
            ["PainReview__VideoStore"] = videos,
            ["PainReview__LeaseSeconds"] = "5",
        };

        using var web = await PortalProcess.StartAsync(_temp.File("web"), PortalProcess.FreePort(), Environment("web"));
        using var workerA = await PortalProcess.StartAsync(_temp.File("worker-a"), PortalProcess.FreePort(), Environment("worker"));
        using var workerB = await PortalProcess.StartAsync(_temp.File("worker-b"), PortalProcess.FreePort(), Environment("worker"));
        // A worker serves no pages.
        using (var http = new HttpClient())
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(workerA.BaseAddress, "/Account/Login"), TestContext.Current.CancellationToken)).StatusCode);

        var studyId = await WithDbAsync(database, async db =>
        {
            var study = new Study { Name = "Scale-out", CreatedBy = "test" };
            study.Participants.Add(new Participant { Code = PortalFixture.ParticipantCode });
            db.Studies.Add(study);
            await db.SaveChangesAsync();
            return study.Id;
        });
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = web.BaseAddress };
        await PortalFactory.SignInAsync(client, PortalProcess.AdminEmail, PortalProcess.AdminPassword);

        // Twenty short recordings through the web process; the workers share them out.
        var ids = new List<Guid>();
        for (var i = 0; i < 20; i++)
            ids.Add((await Uploads.UploadFileAsync(client, studyId, Clip($"short-{i}", 1))).Id);
        await WaitAllCompletedAsync(database, ids, TimeSpan.FromMinutes(3));
        await AssertExactlyOnceAsync(database, ids);
        var workers = await WithDbAsync(database, db => db.Recordings.Where(r => ids.Contains(r.Id)).Select(r => r.Worker).Distinct().CountAsync());
        Assert.Equal(2, workers);

        // Longer recordings; kill whichever worker is in the middle of one with SIGKILL (30 s each: the
        // pipeline analyses an 8 s clip in well under a second, faster than the test can see and kill it).
        // Which worker takes which job is up to the job storage's polling: the test does not bet on one.
        var longer = new List<Guid>();
        for (var i = 0; i < 4; i++)
            longer.Add((await Uploads.UploadFileAsync(client, studyId, Clip($"long-{i}", 30))).Id);
        var names = new Dictionary<string, PortalProcess> { [WorkerName(workerA)] = workerA, [WorkerName(workerB)] = workerB };
        (Guid Id, string Worker) victim = default;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (victim.Id == Guid.Empty)
        {
            if (DateTime.UtcNow > deadline)
            {
                var seen = await WithDbAsync(database, db => db.Recordings.Where(r => longer.Contains(r.Id))
                    .Select(r => $"{r.Status} {r.Worker} {r.Progress:0.00}").ToListAsync());
                Assert.Fail($"no worker was seen in the middle of a long recording: {string.Join("; ", seen)}");
            }
            victim = await WithDbAsync(database, async db => await db.Recordings
                .Where(r => longer.Contains(r.Id) && r.Status == RecordingStatus.Running && r.Worker != null && r.Progress > 0.1 && r.Progress < 0.8)
                .Select(r => new { r.Id, r.Worker }).FirstOrDefaultAsync() is { } found ? (found.Id, found.Worker!) : default);
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        var killed = names[victim.Worker!];
        var survivor = killed == workerA ? workerB : workerA;
        killed.KillHard();

        await WaitAllCompletedAsync(database, longer, TimeSpan.FromMinutes(3));
        await AssertExactlyOnceAsync(database, longer);
        var finished = await WithDbAsync(database, db => db.Recordings.SingleAsync(r => r.Id == victim.Id));
        Assert.Equal(WorkerName(survivor), finished.Worker);
        Assert.True(finished.Attempts >= 2, "the killed run counts as an attempt");
    }

    private static string WorkerName(PortalProcess worker) => $"painreview-{System.Environment.MachineName}-{worker.ProcessId}";

    private string Clip(string name, int seconds)
    {
        var path = _temp.File(name + ".mp4");
        Ffmpeg.Run("-stream_loop", "-1", "-i", TestEnvironment.Clip("single_face.mp4"), "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-an", "-c:v", "libx264", "-preset", "ultrafast", "-metadata", $"comment={Guid.NewGuid()}", path);
        return path;
    }

    private static async Task WaitAllCompletedAsync(string database, List<Guid> ids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var states = await WithDbAsync(database, db => db.Recordings.Where(r => ids.Contains(r.Id)).Select(r => r.Status).ToListAsync());
            Assert.DoesNotContain(RecordingStatus.Failed, states);
            if (states.Count == ids.Count && states.All(s => s == RecordingStatus.Completed)) return;
            Assert.True(DateTime.UtcNow < deadline, $"not all completed: {string.Join(", ", states.GroupBy(s => s).Select(g => $"{g.Key} {g.Count()}"))}");
            await Task.Delay(250);
        }
    }

    private static async Task AssertExactlyOnceAsync(string database, List<Guid> ids)
    {
        foreach (var id in ids)
        {
            var (frames, rows, distinct, completions) = await WithDbAsync(database, async db => (
                (await db.Recordings.SingleAsync(r => r.Id == id)).Frames,
                await db.FrameResults.CountAsync(f => f.RecordingId == id),
                await db.FrameResults.Where(f => f.RecordingId == id).Select(f => f.FrameIndex).Distinct().CountAsync(),
                await db.AuditEvents.CountAsync(a => a.RecordingId == id && a.Action == "analysis.completed")));
            Assert.True(frames > 0);
            Assert.Equal(frames, rows);
            Assert.Equal(rows, distinct);
            Assert.Equal(1, completions);
        }
    }

    private static async Task<T> WithDbAsync<T>(string database, Func<PainReviewDbContext, Task<T>> query)
    {
        await using var db = Open(DatabaseProviders.PostgreSql, database);
        return await query(db);
    }
}
