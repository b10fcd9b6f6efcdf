using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Web.Features;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Process;

/// <summary>
/// Host (real processes): a recording being analysed when the process is killed with SIGKILL
/// finishes after a restart, with exactly one set of results.
/// </summary>
public sealed class RestartRecoveryTests : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_job_killed_mid_run_completes_after_restart_exactly_once()
    {
        var data = Path.Combine(_temp.Path, "data");
        var clip = _temp.File("long.mp4");
        Ffmpeg.Run("-stream_loop", "-1", "-i", TestEnvironment.Clip("2015-10-15-15-14.avi"), "-t", "30", "-an",
            "-c:v", "libx264", "-preset", "ultrafast", clip);
        var port = PortalProcess.FreePort();

        Guid recordingId;
        using (var first = await PortalProcess.StartAsync(data, port))
        {
            var studyId = await SeedStudyAsync(data);
            using var client = await SignedInClientAsync(first.BaseAddress);
            var upload = await Uploads.UploadFileAsync(client, studyId, clip);
            Assert.True(upload.Status == HttpStatusCode.OK, upload.Body.ToString());
            recordingId = upload.Id;

            // Wait until the analysis is well under way, then kill the process outright.
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (true)
            {
                var state = await StatusAsync(client, recordingId);
                if (state.Status == "Running" && state.Progress >= 0.15) break;
                Assert.True(DateTime.UtcNow < deadline, $"never got under way: {state}\n{first.Log}");
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
            first.KillHard();
        }

        var stranded = await WithDbAsync(data, db => db.Recordings.AsNoTracking().SingleAsync(r => r.Id == recordingId));
        Assert.Equal(RecordingStatus.Running, stranded.Status);
        Assert.Equal(0, await WithDbAsync(data, db => db.FrameResults.CountAsync(f => f.RecordingId == recordingId)));

        using (var second = await PortalProcess.StartAsync(data, port))
        {
            using var client = await SignedInClientAsync(second.BaseAddress);
            var deadline = DateTime.UtcNow.AddSeconds(120);
            (string Status, double Progress) state;
            while ((state = await StatusAsync(client, recordingId)).Status != "Completed")
            {
                Assert.True(state.Status is "Queued" or "Running", $"unexpected state {state}\n{second.Log}");
                Assert.True(DateTime.UtcNow < deadline, "did not complete after the restart");
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
            Assert.Contains("Re-queued 1 recordings (1 interrupted while running)", second.Log);
        }

        var (recording, frames, distinctFrames, completions) = await WithDbAsync(data, async db => (
            await db.Recordings.AsNoTracking().SingleAsync(r => r.Id == recordingId),
            await db.FrameResults.CountAsync(f => f.RecordingId == recordingId),
            await db.FrameResults.Where(f => f.RecordingId == recordingId).Select(f => f.FrameIndex).Distinct().CountAsync(),
            await db.AuditEvents.CountAsync(a => a.RecordingId == recordingId && a.Action == "analysis.completed")));
        Assert.Equal(900, recording.Frames);
        Assert.Equal(900, frames);
        Assert.Equal(900, distinctFrames);
        Assert.Equal(1, completions);
        Assert.Equal(2, recording.Attempts);
    }

    private static async Task<HttpClient> SignedInClientAsync(Uri baseAddress)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = baseAddress };
        await PortalFactory.SignInAsync(client, "admin@example.org", PortalFactory.Password);
        return client;
    }

    private static async Task<(string Status, double Progress)> StatusAsync(HttpClient client, Guid id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/recordings/{id}");
        request.Headers.Add(PortalEndpoints.ApiHeader, "1");
        var response = await client.SendAsync(request);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (doc.RootElement.GetProperty("status").GetString()!, doc.RootElement.GetProperty("progress").GetDouble());
    }

    private static async Task<Guid> SeedStudyAsync(string data) => await WithDbAsync(data, async db =>
    {
        var study = new Study { Name = "Recovery study", CreatedBy = "test" };
        study.Participants.Add(new Participant { Code = PortalFixture.ParticipantCode });
        db.Studies.Add(study);
        await db.SaveChangesAsync();
        return study.Id;
    });

    private static async Task<T> WithDbAsync<T>(string data, Func<PainReviewDbContext, Task<T>> query)
    {
        var options = new DbContextOptionsBuilder<PainReviewDbContext>().UseSqlite($"Data Source={Path.Combine(data, "painreview.db")}").Options;
        await using var db = new PainReviewDbContext(options);
        return await query(db);
    }
}
