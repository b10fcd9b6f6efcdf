using Hangfire;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Decoding;
using PainReview.Pipeline.Faces;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Jobs;

/// <summary>
/// Analyses one recording. Idempotent and safe to retry: it claims the recording (Queued to
/// Running, with a fresh run token), and writes per-frame results and the summary in one
/// transaction that replaces any earlier results, only while its token is still the current one.
/// No Hangfire distributed lock: a killed worker would hold it for minutes, while the claim and
/// its lease already keep two runs from both writing.
/// </summary>
public sealed class AnalyzeRecordingJob(
    PainReviewDbContext db, FacePipelinePool pipelines, VideoStore store, RecordingProgress progress,
    JobCancellations cancellations, AuditLog audit, Microsoft.Extensions.Options.IOptions<Infrastructure.PortalOptions> options,
    Features.Scheduling.IJobScheduler jobs, Features.Review.ReviewMediaQueue mediaQueue, ILogger<AnalyzeRecordingJob> logger)
{
    public const string Queue = "analysis";
    public const int MaxAttempts = 3;

    [Queue(Queue)]
    [AutomaticRetry(Attempts = MaxAttempts - 1, DelaysInSeconds = [5, 30])]
    public async Task RunAsync(Guid recordingId, CancellationToken cancellationToken)
    {
        // Claim atomically: of two runs for one recording, only one moves it to Running. A run
        // whose worker died (its lease ran out) can be taken over.
        var token = Guid.NewGuid();
        var now = DateTime.UtcNow;
        var leaseTime = TimeSpan.FromSeconds(options.Value.LeaseSeconds);
        var worker = Infrastructure.ServiceRegistration.WorkerName;
        var claimed = await db.Recordings
            .Where(r => r.Id == recordingId && (r.Status == RecordingStatus.Queued
                || (r.Status == RecordingStatus.Running && r.LeaseUntilUtc != null && r.LeaseUntilUtc < now)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RecordingStatus.Running)
                .SetProperty(r => r.RunToken, token)
                .SetProperty(r => r.Worker, worker)
                .SetProperty(r => r.LeaseUntilUtc, now + leaseTime)
                .SetProperty(r => r.Attempts, r => r.Attempts + 1)
                .SetProperty(r => r.Progress, 0)
                .SetProperty(r => r.Error, (string?)null)
                .SetProperty(r => r.StartedUtc, now), cancellationToken);
        var recording = await db.Recordings.AsNoTracking().FirstOrDefaultAsync(r => r.Id == recordingId, cancellationToken);
        if (claimed == 0 || recording is null)
        {
            logger.LogInformation("Recording {Id} is {Status}: nothing to do.", recordingId, recording?.Status.ToString() ?? "gone");
            return;
        }
        Publish(recording);

        var cancellation = cancellations.Register(recordingId, cancellationToken);
        try
        {
            RecordingAnalysis analysis;
            // Decoded with the study's protocol (its pose limits); scored against the right
            // neutral baseline when the results are saved, under the protocol in force then.
            var protocol = await Features.Protocols.ProtocolService.CurrentAsync(db, recording.StudyId, cancellation.Token);
            // (The pipeline's own scoring here uses the population baseline: it never needs another recording
            // or a neutral range with a face, and its scores are replaced at saving.)
            var decodeConfig = protocol.Config with { Baseline = new BaselineConfig { Mode = BaselineMode.Population } };
            using (var lease = pipelines.Rent())
            {
                var lastSaved = DateTime.MinValue;
                var reporter = new Progress<PainReview.Pipeline.Faces.AnalysisProgress>(p =>
                    progress.Publish(new RecordingUpdate(recordingId, recording.StudyId, RecordingStatus.Running, p.Fraction, null)));
                analysis = await new RecordingAnalyzer(lease.Pipeline).AnalyzeAsync(store.PathOf(recording.StoredFileName),
                    decodeConfig, new DecodeOptions { Decoder = DecoderFor(recording.Attempts) }, progress: new ThrottledProgress(reporter, async fraction =>
                    {
                        if (DateTime.UtcNow - lastSaved < TimeSpan.FromSeconds(1)) return;
                        lastSaved = DateTime.UtcNow;
                        // Progress for the pages, and the lease renewed: this worker is alive.
                        var until = DateTime.UtcNow + leaseTime;
                        await db.Recordings.Where(r => r.Id == recordingId && r.RunToken == token)
                            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Progress, fraction).SetProperty(r => r.LeaseUntilUtc, until), CancellationToken.None);
                    }), cancellationToken: cancellation.Token);
            }
            await SaveResultsAsync(recordingId, token, analysis);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Cancelled by a user: stop here. Stopped because the server is shutting down: queue again.
            var byUser = !cancellationToken.IsCancellationRequested;
            await FinishAsync(recordingId, token, byUser ? RecordingStatus.Cancelled : RecordingStatus.Queued,
                byUser ? "Cancelled by a user." : null);
            if (!byUser) throw;
        }
        catch (VideoInputException e)
        {
            // The file itself is the problem: retrying cannot help.
            logger.LogWarning("Recording {Id} cannot be analysed: {Message}", recordingId, e.Message);
            await FinishAsync(recordingId, token, RecordingStatus.Failed, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var attempts = recording.Attempts;
            logger.LogError(e, "Analysis of recording {Id} failed (attempt {Attempt} of {Max}).", recordingId, attempts, MaxAttempts);
            var final = attempts >= MaxAttempts;
            await FinishAsync(recordingId, token, final ? RecordingStatus.Failed : RecordingStatus.Queued,
                final ? $"Analysis failed after {attempts} attempts: {e.Message}" : $"Attempt {attempts} failed ({e.Message}); retrying.");
            if (!final) throw; // Hangfire retries
        }
        finally
        {
            cancellations.Unregister(recordingId, cancellation);
        }
    }

    /// <summary>
    /// The first attempt decodes in this process where it can (FFmpeg's libraries: no ffmpeg start, no pipe); a later
    /// attempt, after a failure or a worker that died mid-run, runs the ffmpeg process, whose crash on a damaged or
    /// hostile file is a failed decode rather than the portal's: such a file cannot take the portal down twice.
    /// </summary>
    public static DecoderChoice DecoderFor(int attempt) => attempt > 1 ? DecoderChoice.FfmpegProcess : DecoderChoice.Auto;

    private async Task SaveResultsAsync(Guid recordingId, Guid token, RecordingAnalysis analysis)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        var recording = await db.Recordings.SingleAsync(r => r.Id == recordingId);
        if (recording.RunToken != token || recording.Status != RecordingStatus.Running)
        {
            logger.LogInformation("Recording {Id} changed while it was analysed; these results are discarded.", recordingId);
            return;
        }
        // Scored under the protocol in force now (read in this transaction), against its neutral baseline.
        var protocol = await Features.Protocols.ProtocolService.CurrentAsync(db, recording.StudyId);
        var outcome = await Features.Protocols.ProtocolScoring.ScoreAsync(db, pipelines, recording, analysis.Frames, protocol);
        if (!outcome.Scored) Features.Protocols.ProtocolScoring.ClearScores(analysis.Frames);
        await db.FrameResults.Where(f => f.RecordingId == recordingId).ExecuteDeleteAsync();
        db.FrameResults.AddRange(analysis.Frames.Select(f => FrameResult.From(recordingId, f)));

        recording.Frames = analysis.Summary.Frames;
        recording.UsableFrames = analysis.Summary.UsableFrames;
        Features.Protocols.ProtocolScoring.Apply(recording, outcome,
            Features.Protocols.ProtocolScoring.SummaryJson(analysis.SummaryJson(), outcome, recording.StudyId));
        recording.Progress = 1;
        recording.CompletedUtc = DateTime.UtcNow;
        recording.LeaseUntilUtc = null;
        var s = outcome.Summary;
        await audit.AddAsync("analysis.completed", nameof(Recording), recordingId.ToString(), after: new
        {
            frames = analysis.Summary.Frames, usableFrames = analysis.Summary.UsableFrames, apexFrames = s?.ApexFrames, hpiiMeanAll = s?.Hpii.MeanAll,
            hpiiMeanApex = s?.Hpii.MeanApex, protocolVersion = protocol.Version, waitingFor = outcome.WaitingFor,
        }, studyId: recording.StudyId, recordingId: recordingId, user: "system");
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another worker took the recording over while this one was finishing: its results win.
            logger.LogWarning("Recording {Id} was taken over by another run; these results are discarded.", recordingId);
            await transaction.RollbackAsync();
            db.ChangeTracker.Clear();
            return;
        }
        await transaction.CommitAsync();
        Publish(recording);
        // The playable copy and the APEX thumbnails are made now, in the background, not by the first viewer.
        mediaQueue.Enqueue(recordingId);
        // A neutral recording that arrives lets its participant's waiting recordings be scored.
        if (outcome.Scored && protocol.Config.Baseline.Mode == BaselineMode.Recording
            && string.Equals(recording.Timepoint?.Trim(), protocol.Config.Baseline.Recording?.Trim(), StringComparison.OrdinalIgnoreCase))
            jobs.QueueWaitingScores(recording.ParticipantId);
        // The protocol changed while this recording was being analysed: its re-scoring job skipped it, so score it now.
        if ((await Features.Protocols.ProtocolService.CurrentAsync(db, recording.StudyId)).Version != protocol.Version)
            jobs.QueueRecordingRescore(recordingId);
    }

    private async Task FinishAsync(Guid recordingId, Guid token, RecordingStatus status, string? error)
    {
        db.ChangeTracker.Clear();
        var recording = await db.Recordings.SingleOrDefaultAsync(r => r.Id == recordingId);
        if (recording is null || recording.RunToken != token) return;
        recording.Status = status;
        recording.Error = error;
        recording.LeaseUntilUtc = null;
        if (status != RecordingStatus.Queued) recording.CompletedUtc = DateTime.UtcNow;
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateConcurrencyException)
        {
            return; // superseded by another run
        }
        Publish(recording);
    }

    private void Publish(Recording r) => progress.Publish(new RecordingUpdate(r.Id, r.StudyId, r.Status, r.Progress, r.Error));

    /// <summary>Forwards every report to the page and, at most once a second, to the database.</summary>
    private sealed class ThrottledProgress(IProgress<PainReview.Pipeline.Faces.AnalysisProgress> inner, Func<double, Task> save)
        : IProgress<PainReview.Pipeline.Faces.AnalysisProgress>
    {
        public void Report(PainReview.Pipeline.Faces.AnalysisProgress value)
        {
            inner.Report(value);
            save(value.Fraction).GetAwaiter().GetResult();
        }
    }
}
