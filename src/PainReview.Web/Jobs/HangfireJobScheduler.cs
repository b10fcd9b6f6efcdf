using Hangfire;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Web.Features.Scheduling;

namespace PainReview.Web.Jobs;

/// <summary>The job scheduler on Hangfire: every enqueue and cancel of the portal goes through here.</summary>
public sealed class HangfireJobScheduler(IBackgroundJobClient jobs, JobCancellations cancellations, IServiceScopeFactory scopes) : IJobScheduler
{
    public async Task<string> QueueAnalysisAsync(Guid recordingId, CancellationToken cancellationToken = default)
    {
        var jobId = RequeueAnalysis(recordingId);
        // Only the job's id is written: the job may already have claimed the recording (a new run
        // token), which a tracked save would take for a conflict.
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<PainReviewDbContext>().Recordings.Where(r => r.Id == recordingId)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.JobId, jobId), cancellationToken);
        return jobId;
    }

    public string RequeueAnalysis(Guid recordingId) =>
        jobs.Enqueue<AnalyzeRecordingJob>(AnalyzeRecordingJob.Queue, j => j.RunAsync(recordingId, CancellationToken.None));

    public void CancelAnalysis(Guid recordingId, string? jobId)
    {
        if (jobId is not null) jobs.Delete(jobId);
        cancellations.Cancel(recordingId);
    }

    public string QueueStudyRescore(Guid studyId, int version) =>
        jobs.Enqueue<RescoreStudyJob>(RescoreStudyJob.Queue, j => j.RunAsync(studyId, version, CancellationToken.None));

    public string QueueParticipantRescore(Guid participantId) =>
        jobs.Enqueue<RescoreStudyJob>(RescoreStudyJob.Queue, j => j.RescoreParticipantAsync(participantId, CancellationToken.None));

    public string QueueRecordingRescore(Guid recordingId) =>
        jobs.Enqueue<RescoreStudyJob>(RescoreStudyJob.Queue, j => j.RescoreRecordingAsync(recordingId, CancellationToken.None));

    public string QueueWaitingScores(Guid participantId) =>
        jobs.Enqueue<RescoreStudyJob>(RescoreStudyJob.Queue, j => j.ScoreWaitingAsync(participantId, CancellationToken.None));
}
