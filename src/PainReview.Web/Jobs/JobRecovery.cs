using Hangfire;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;

namespace PainReview.Web.Jobs;

/// <summary>
/// The embedded job storage lives in memory, so the app database is the record of work to do:
/// at start, every recording that was queued or running when the process died is queued again.
/// The job's claim and its run token make sure only one set of results is ever written.
/// </summary>
public sealed class JobRecovery(IServiceScopeFactory scopes, ILogger<JobRecovery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PainReviewDbContext>();
        var jobs = scope.ServiceProvider.GetRequiredService<IBackgroundJobClient>();

        var interrupted = await db.Recordings.Where(r => r.Status == RecordingStatus.Running).ToListAsync(stoppingToken);
        foreach (var r in interrupted)
        {
            r.Status = RecordingStatus.Queued;
            r.RunToken = null;
            r.Progress = 0;
        }
        await db.SaveChangesAsync(stoppingToken);

        var queued = await db.Recordings.Where(r => r.Status == RecordingStatus.Queued).OrderBy(r => r.UploadedUtc)
            .Select(r => r.Id).ToListAsync(stoppingToken);
        foreach (var id in queued) Enqueue(jobs, id);
        if (queued.Count > 0)
            logger.LogInformation("Re-queued {Count} recordings ({Interrupted} interrupted while running).", queued.Count, interrupted.Count);

        // Recordings queued from outside this process (the 'painreview demo' command) are picked up
        // too. A second job for a recording is harmless: only one can claim it.
        var seen = new HashSet<Guid>(queued);
        using var timer = new PeriodicTimer(SweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await using var sweepScope = scopes.CreateAsyncScope();
            var sweepDb = sweepScope.ServiceProvider.GetRequiredService<PainReviewDbContext>();
            var waiting = await sweepDb.Recordings.Where(r => r.Status == RecordingStatus.Queued && r.JobId == null)
                .Select(r => r.Id).ToListAsync(stoppingToken);
            foreach (var id in waiting.Where(seen.Add))
            {
                var jobId = Enqueue(jobs, id);
                await sweepDb.Recordings.Where(r => r.Id == id).ExecuteUpdateAsync(x => x.SetProperty(r => r.JobId, jobId), stoppingToken);
            }
        }
    }

    public static TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(10);

    public static string Enqueue(IBackgroundJobClient jobs, Guid recordingId) =>
        jobs.Enqueue<AnalyzeRecordingJob>(AnalyzeRecordingJob.Queue, j => j.RunAsync(recordingId, CancellationToken.None));
}
