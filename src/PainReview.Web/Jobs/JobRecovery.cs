using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;

namespace PainReview.Web.Jobs;

/// <summary>
/// The embedded job storage lives in memory, so the app database is the record of work to do:
/// at start, every recording that was queued or running when the process died is queued again.
/// The job's claim and its run token make sure only one set of results is ever written.
/// </summary>
public sealed class JobRecovery(IServiceScopeFactory scopes, Microsoft.Extensions.Options.IOptions<Infrastructure.PortalOptions> options,
    ILogger<JobRecovery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PainReviewDbContext>();
        var jobs = scope.ServiceProvider.GetRequiredService<Features.Scheduling.IJobScheduler>();

        // Alone (embedded job storage), every Running recording was this process's and is dead. With
        // shared workers, only those whose worker stopped renewing its lease.
        var now = DateTime.UtcNow;
        var alone = !options.Value.SharedJobStorage;
        var interrupted = await db.Recordings.Where(r => r.Status == RecordingStatus.Running
            && (alone || r.LeaseUntilUtc == null || r.LeaseUntilUtc < now)).ToListAsync(stoppingToken);
        foreach (var r in interrupted)
        {
            r.Status = RecordingStatus.Queued;
            r.RunToken = null;
            r.Progress = 0;
        }
        await db.SaveChangesAsync(stoppingToken);

        var queued = await db.Recordings.Where(r => r.Status == RecordingStatus.Queued).OrderBy(r => r.UploadedUtc)
            .Select(r => r.Id).ToListAsync(stoppingToken);
        if (alone || interrupted.Count > 0)
            foreach (var id in alone ? queued : interrupted.Select(r => r.Id).ToList()) await jobs.QueueAnalysisAsync(id, stoppingToken);
        if (queued.Count > 0)
            logger.LogInformation("Re-queued {Count} recordings ({Interrupted} interrupted while running).", queued.Count, interrupted.Count);

        // Re-scoring under a protocol version that had not finished when the process stopped: queued again
        // (it skips the recordings already scored under that version).
        if (alone)
        {
            var unfinished = await db.StudyProtocols.AsNoTracking().Where(p => p.RescoreStartedUtc != null && p.RescoreFinishedUtc == null)
                .Select(p => new { p.StudyId, p.Version }).ToListAsync(stoppingToken);
            foreach (var p in unfinished) jobs.QueueStudyRescore(p.StudyId, p.Version);
        }

        // Recordings queued from outside this process (the 'painreview demo' command) are picked up
        // too. A second job for a recording is harmless: only one can claim it.
        // Then, periodically: recordings queued from outside (the 'painreview demo' command), and
        // recordings whose worker died mid-run (lease expired) are queued again.
        using var timer = new PeriodicTimer(SweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await using var sweepScope = scopes.CreateAsyncScope();
            var sweepDb = sweepScope.ServiceProvider.GetRequiredService<PainReviewDbContext>();
            var expiredBefore = DateTime.UtcNow;
            var stale = await sweepDb.Recordings.Where(r => r.Status == RecordingStatus.Running && r.LeaseUntilUtc != null && r.LeaseUntilUtc < expiredBefore)
                .Select(r => r.Id).ToListAsync(stoppingToken);
            foreach (var id in stale)
            {
                // The claim in the job takes it over atomically; a second sweeper's job finds nothing to do.
                logger.LogWarning("Recording {Id}: its worker stopped renewing the lease; queueing it again.", id);
                jobs.RequeueAnalysis(id);
            }
            var waiting = await sweepDb.Recordings.Where(r => r.Status == RecordingStatus.Queued && r.JobId == null)
                .Select(r => r.Id).ToListAsync(stoppingToken);
            foreach (var id in waiting) await jobs.QueueAnalysisAsync(id, stoppingToken);
        }
    }

    public static TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(10);

}
