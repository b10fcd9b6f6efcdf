using Hangfire;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Faces;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Protocols;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Jobs;

/// <summary>
/// Scores a study's recordings again under a protocol version, from the frames stored at analysis
/// (features, pose, quality flags): no video is decoded. Recordings whose stored frames predate this
/// build's features are analysed again instead. Progress is kept on the protocol version and pushed
/// to open pages recording by recording. Idempotent: a recording already scored under the version
/// is left alone, and a job for a superseded version stops (the newer version's job does the work).
/// </summary>
public sealed class RescoreStudyJob(PainReviewDbContext db, FacePipelinePool pipelines, RecordingProgress progress, AuditLog audit,
    Features.Scheduling.IJobScheduler jobs, ILogger<RescoreStudyJob> logger)
{
    public const string Queue = "default";

    [Queue(Queue)]
    [AutomaticRetry(Attempts = 2, DelaysInSeconds = [5, 30])]
    public async Task RunAsync(Guid studyId, int version, CancellationToken cancellationToken)
    {
        var row = await db.StudyProtocols.SingleOrDefaultAsync(p => p.StudyId == studyId && p.Version == version, cancellationToken);
        if (row is null) return;
        var protocol = ProtocolService.Of(row);
        var ids = await db.Recordings.AsNoTracking()
            .Where(r => r.StudyId == studyId && (r.Status == RecordingStatus.Completed || r.Status == RecordingStatus.Waiting))
            .OrderBy(r => r.UploadedUtc).Select(r => new { r.Id, r.Timepoint }).ToListAsync(cancellationToken);
        // Neutral recordings first: the others are measured against them.
        var neutralTimepoint = protocol.Config.Baseline.Mode == BaselineMode.Recording ? protocol.Config.Baseline.Recording?.Trim() : null;
        var order = ids.OrderBy(r => string.Equals(r.Timepoint?.Trim(), neutralTimepoint, StringComparison.OrdinalIgnoreCase) ? 0 : 1).Select(r => r.Id).ToList();
        row.RescoreTotal = order.Count;
        row.RescoreDone = 0;
        row.RescoreReanalysed = 0;
        row.RescoreStartedUtc ??= DateTime.UtcNow;
        row.RescoreFinishedUtc = null;
        await db.SaveChangesAsync(cancellationToken);

        foreach (var id in order)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if ((await ProtocolService.CurrentAsync(db, studyId, cancellationToken)).Version != version)
            {
                logger.LogInformation("Study {Study}: protocol version {Version} was superseded while re-scoring; the newer version's job takes over.", studyId, version);
                break;
            }
            var reanalysed = await RescoreAsync(id, protocol, cancellationToken) == Result.Reanalysing;
            await db.StudyProtocols.Where(p => p.Id == row.Id).ExecuteUpdateAsync(s => s
                .SetProperty(p => p.RescoreDone, p => p.RescoreDone + 1)
                .SetProperty(p => p.RescoreReanalysed, p => p.RescoreReanalysed + (reanalysed ? 1 : 0)), cancellationToken);
        }
        await db.StudyProtocols.Where(p => p.Id == row.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.RescoreFinishedUtc, DateTime.UtcNow), cancellationToken);
        progress.Publish(new RecordingUpdate(Guid.Empty, studyId, RecordingStatus.Completed, 1, "rescored"));
    }

    /// <summary>The participant's recordings that wait (for their neutral recording): scored now under the protocol in force.</summary>
    [Queue(Queue)]
    [AutomaticRetry(Attempts = 2, DelaysInSeconds = [5, 30])]
    public async Task ScoreWaitingAsync(Guid participantId, CancellationToken cancellationToken)
    {
        var waiting = await db.Recordings.AsNoTracking().Where(r => r.ParticipantId == participantId && r.Status == RecordingStatus.Waiting)
            .Select(r => new { r.Id, r.StudyId }).ToListAsync(cancellationToken);
        foreach (var r in waiting)
            await RescoreAsync(r.Id, await ProtocolService.CurrentAsync(db, r.StudyId, cancellationToken), cancellationToken, force: true);
    }

    /// <summary>Every scored or waiting recording of the participant again, under the protocol in force (neutral recordings first).</summary>
    [Queue(Queue)]
    [AutomaticRetry(Attempts = 2, DelaysInSeconds = [5, 30])]
    public async Task RescoreParticipantAsync(Guid participantId, CancellationToken cancellationToken)
    {
        var recordings = await db.Recordings.AsNoTracking()
            .Where(r => r.ParticipantId == participantId && (r.Status == RecordingStatus.Completed || r.Status == RecordingStatus.Waiting))
            .Select(r => new { r.Id, r.StudyId, r.Timepoint }).ToListAsync(cancellationToken);
        if (recordings.Count == 0) return;
        var protocol = await ProtocolService.CurrentAsync(db, recordings[0].StudyId, cancellationToken);
        var neutral = protocol.Config.Baseline.Recording?.Trim();
        foreach (var r in recordings.OrderBy(r => string.Equals(r.Timepoint?.Trim(), neutral, StringComparison.OrdinalIgnoreCase) ? 0 : 1))
            await RescoreAsync(r.Id, protocol, cancellationToken, force: true);
    }

    /// <summary>One recording, under the protocol in force.</summary>
    [Queue(Queue)]
    [AutomaticRetry(Attempts = 2, DelaysInSeconds = [5, 30])]
    public async Task RescoreRecordingAsync(Guid recordingId, CancellationToken cancellationToken)
    {
        var studyId = await db.Recordings.AsNoTracking().Where(r => r.Id == recordingId).Select(r => (Guid?)r.StudyId).SingleOrDefaultAsync(cancellationToken);
        if (studyId is { } id) await RescoreAsync(recordingId, await ProtocolService.CurrentAsync(db, id, cancellationToken), cancellationToken);
    }

    public enum Result { Skipped, Scored, Waiting, Reanalysing }

    /// <summary>Scores one recording again from its stored frames, in one transaction.</summary>
    public async Task<Result> RescoreAsync(Guid recordingId, ProtocolVersion protocol, CancellationToken ct, bool force = false)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var recording = await db.Recordings.SingleOrDefaultAsync(r => r.Id == recordingId, ct);
        if (recording is null || recording.Status is not (RecordingStatus.Completed or RecordingStatus.Waiting)) return Result.Skipped;
        if (!force && recording.ProtocolVersion == protocol.Version && recording.Status == RecordingStatus.Completed) return Result.Skipped;
        var rows = await db.FrameResults.Where(f => f.RecordingId == recordingId).OrderBy(f => f.FrameIndex).ToListAsync(ct);
        if (rows.Any(f => !f.Scorable) || recording.SummaryJson is not { } analysed)
        {
            // Stored before this build's features (or with another number of them), or with no analysis
            // document to say what produced them: only decoding again can help.
            recording.Status = RecordingStatus.Queued;
            recording.Progress = 0;
            recording.Error = $"Analysed again: its stored frames predate this version's features (protocol version {protocol.Version}).";
            await audit.AddAsync("analysis.requeued", nameof(Recording), recordingId.ToString(), after: new { protocolVersion = protocol.Version, reason = "stored frames predate this build's features" },
                studyId: recording.StudyId, recordingId: recordingId, user: "system");
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            await jobs.QueueAnalysisAsync(recordingId, CancellationToken.None);
            Publish(recording);
            return Result.Reanalysing;
        }
        var frames = rows.Select(f => f.ToUnscoredRecord(protocol.Config.Quality)).ToList();
        var outcome = await ProtocolScoring.ScoreAsync(db, pipelines, recording, frames, protocol, ct);
        if (!outcome.Scored) ProtocolScoring.ClearScores(frames);
        for (var i = 0; i < rows.Count; i++) rows[i].ApplyScores(frames[i]);
        var before = new { recording.ProtocolVersion, status = recording.Status.ToString(), recording.HpiiMeanAll, recording.HpiiMeanApex, recording.ApexFrames };
        ProtocolScoring.Apply(recording, outcome, ProtocolScoring.SummaryJson(analysed, outcome, recording.StudyId));
        // A reviewer's page open on the old scores must reload before deciding (their decisions stay on their frames).
        recording.ReviewVersion++;
        await audit.AddAsync("analysis.rescored", nameof(Recording), recordingId.ToString(), before: before,
            after: new { recording.ProtocolVersion, status = recording.Status.ToString(), recording.HpiiMeanAll, recording.HpiiMeanApex, recording.ApexFrames, waitingFor = outcome.WaitingFor },
            studyId: recording.StudyId, recordingId: recordingId, user: "system");
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // A reviewer changed the recording meanwhile: score it again with their change in place.
            await transaction.RollbackAsync(ct);
            return await RescoreAsync(recordingId, protocol, ct, force);
        }
        await transaction.CommitAsync(ct);
        Publish(recording);
        return outcome.Scored ? Result.Scored : Result.Waiting;
    }

    private void Publish(Recording r) => progress.Publish(new RecordingUpdate(r.Id, r.StudyId, r.Status, r.Progress, r.Error));
}
