using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Faces;
using PainReview.Pipeline.Scoring;
using PainReview.Web.Jobs;

namespace PainReview.Web.Features.Protocols;

/// <summary>How a recording came out of scoring under a protocol version.</summary>
/// <param name="WaitingFor">Why it could not be scored (no neutral recording yet, a neutral range without a face); null when scored.</param>
public sealed record ScoringOutcome(int Version, AnalysisConfig Config, RecordingSummary? Summary, string? Baseline, string? WaitingFor)
{
    public bool Scored => Summary is not null;
}

/// <summary>
/// Scores a recording's frames (fresh from the decoder, or rebuilt from the stored rows) under the
/// study's protocol, with the neutral baseline it asks for. The scoring itself is the pipeline's
/// <see cref="RecordingAnalyzer.Score"/>: the portal only finds the neutral frames.
/// </summary>
public static class ProtocolScoring
{
    public static async Task<ScoringOutcome> ScoreAsync(PainReviewDbContext db, FacePipelinePool pipelines, Recording recording,
        IReadOnlyList<FrameRecord> frames, ProtocolVersion protocol, CancellationToken ct = default)
    {
        var config = protocol.Config;
        if (!frames.Any(f => f.Usable))
        {
            // No usable face at all: nothing to measure against any baseline; the recording says so.
            var none = RecordingAnalyzer.Score(frames, config with { Baseline = new BaselineConfig { Mode = BaselineMode.Population } },
                pipelines.Canonical, recording.IsStillImage);
            return new ScoringOutcome(protocol.Version, config, RecordingSummary.Of(frames, none), none, null);
        }
        NeutralBaseline? neutral = null;
        if (config.Baseline.Mode == BaselineMode.Recording && !recording.IsStillImage)
        {
            var timepoint = config.Baseline.Recording!.Trim();
            if (string.Equals(recording.Timepoint?.Trim(), timepoint, StringComparison.OrdinalIgnoreCase))
            {
                // The neutral recording itself: measured against its own median.
                try { neutral = RecordingAnalyzer.NeutralFrom(frames, config, $"this recording (timepoint {timepoint})"); }
                catch (InvalidDataException e) { return Waiting(protocol, $"This neutral recording cannot give a baseline: {e.Message}"); }
            }
            else
            {
                var (found, why) = await NeutralOfAsync(db, recording, timepoint, config, ct);
                if (found is null) return Waiting(protocol, why!);
                neutral = found;
            }
        }
        try
        {
            var baseline = RecordingAnalyzer.Score(frames, config, pipelines.Canonical, recording.IsStillImage, neutral);
            return new ScoringOutcome(protocol.Version, config, RecordingSummary.Of(frames, baseline), baseline, null);
        }
        catch (InvalidDataException e)
        {
            return Waiting(protocol, $"Cannot be scored under protocol version {protocol.Version}: {e.Message}");
        }
    }

    /// <summary>Frames that could not be scored carry no AU or score (never zeros).</summary>
    public static void ClearScores(IEnumerable<FrameRecord> frames)
    {
        foreach (var f in frames)
        {
            f.ActionUnits = null;
            f.Hpii = f.Pspi = null;
            f.Apex = false;
            f.Smile = false;
        }
    }

    private static ScoringOutcome Waiting(ProtocolVersion protocol, string why) => new(protocol.Version, protocol.Config, null, null, why);

    /// <summary>The participant's neutral recording (the latest at that timepoint) as a baseline, or why there is none yet.</summary>
    private static async Task<(NeutralBaseline? Neutral, string? Why)> NeutralOfAsync(PainReviewDbContext db, Recording recording, string timepoint,
        AnalysisConfig config, CancellationToken ct)
    {
        var candidates = (await db.Recordings.AsNoTracking()
                .Where(r => r.ParticipantId == recording.ParticipantId && r.Id != recording.Id && r.Timepoint != null)
                .Select(r => new { r.Id, r.Timepoint, r.Status, r.UploadedUtc, r.RecordedOn })
                .ToListAsync(ct))
            .Where(r => string.Equals(r.Timepoint!.Trim(), timepoint, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(r => r.RecordedOn).ThenByDescending(r => r.UploadedUtc).ToList();
        var ready = candidates.FirstOrDefault(r => r.Status is RecordingStatus.Completed or RecordingStatus.Waiting);
        if (ready is null)
            return (null, candidates.Count == 0
                ? $"Waiting for this participant's neutral recording (timepoint '{timepoint}'): upload it and this recording is scored against it."
                : $"Waiting for this participant's neutral recording (timepoint '{timepoint}') to be analysed ({candidates[0].Status.ToString().ToLowerInvariant()}).");
        var rows = await db.FrameResults.AsNoTracking().Where(f => f.RecordingId == ready.Id).OrderBy(f => f.FrameIndex).ToListAsync(ct);
        if (rows.Any(f => !f.Scorable))
            return (null, $"Waiting for this participant's neutral recording (timepoint '{timepoint}') to be analysed again by this version of PainReview.");
        try
        {
            return (RecordingAnalyzer.NeutralFrom(rows.Select(f => f.ToUnscoredRecord(config.Quality)).ToList(), config,
                $"neutral recording {ready.Id} (timepoint {timepoint})"), null);
        }
        catch (InvalidDataException)
        {
            return (null, $"This participant's neutral recording (timepoint '{timepoint}') has no usable face frame: upload another one.");
        }
    }

    /// <summary>
    /// Writes the outcome onto the recording (the frames' rows are written by the caller): scores,
    /// protocol version and the summary document (configuration, baseline and protocol recorded).
    /// </summary>
    public static void Apply(Recording recording, ScoringOutcome outcome, string? summaryJson)
    {
        recording.ProtocolVersion = outcome.Version;
        if (outcome.Summary is not { } s)
        {
            recording.Status = RecordingStatus.Waiting;
            recording.Error = outcome.WaitingFor;
            recording.ApexFrames = null;
            recording.HpiiMeanAll = recording.HpiiMeanApex = recording.HpiiPeak = recording.PspiMeanAll = null;
        }
        else
        {
            recording.Status = RecordingStatus.Completed;
            recording.Error = s.UsableFrames == 0 ? $"No face found in any of the {s.Frames} frames." : null;
            recording.Frames = s.Frames;
            recording.UsableFrames = s.UsableFrames;
            recording.ApexFrames = s.ApexFrames;
            recording.HpiiMeanAll = s.Hpii.MeanAll;
            recording.HpiiMeanApex = s.Hpii.MeanApex;
            recording.HpiiPeak = s.Hpii.Peak;
            recording.PspiMeanAll = s.Pspi.MeanAll;
        }
        recording.SummaryJson = summaryJson;
    }

    /// <summary>The summary document with this outcome's configuration, scores and protocol version (the rest, video and models, as analysed).</summary>
    public static string SummaryJson(string analysedJson, ScoringOutcome outcome, Guid studyId) =>
        (AnalysisDocument.Read(analysedJson) with
        {
            Config = outcome.Config,
            Summary = outcome.Summary,
            Protocol = new ProtocolStamp(studyId.ToString(), outcome.Version, outcome.Baseline, outcome.WaitingFor, DateTime.UtcNow),
        }).ToJson();
}
