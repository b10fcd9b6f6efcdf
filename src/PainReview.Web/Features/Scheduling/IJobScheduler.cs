namespace PainReview.Web.Features.Scheduling;

/// <summary>
/// The one way features put work on the background queue and take it off: analyses (the job's id is
/// recorded on the recording, so the periodic sweep never queues it a second time) and re-scoring
/// under a study protocol. Implemented over Hangfire by <see cref="Jobs.HangfireJobScheduler"/>.
/// </summary>
public interface IJobScheduler
{
    /// <summary>Queues the analysis of a recording and records the job's id on it.</summary>
    Task<string> QueueAnalysisAsync(Guid recordingId, CancellationToken cancellationToken = default);

    /// <summary>Queues an analysis again without recording the id (recovery: the claim makes a second job harmless).</summary>
    string RequeueAnalysis(Guid recordingId);

    /// <summary>Takes a recording's queued job off the queue and stops its run in this process, if any.</summary>
    void CancelAnalysis(Guid recordingId, string? jobId);

    /// <summary>Re-scores a study's recordings under a protocol version, from their stored frames.</summary>
    string QueueStudyRescore(Guid studyId, int version);

    /// <summary>Re-scores one participant's recordings (their neutral recording changed).</summary>
    string QueueParticipantRescore(Guid participantId);

    /// <summary>Re-scores one recording under its study's protocol in force.</summary>
    string QueueRecordingRescore(Guid recordingId);

    /// <summary>Scores a participant's recordings that were waiting for their neutral recording.</summary>
    string QueueWaitingScores(Guid participantId);
}
