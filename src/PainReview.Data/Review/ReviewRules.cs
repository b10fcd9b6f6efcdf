using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PainReview.Data.Entities;

namespace PainReview.Data.Review;

/// <summary>What a frame is after review, for the frames review is about (the machine's APEX frames and the added ones).</summary>
public enum FrameVerdict
{
    /// <summary>A machine APEX frame nobody has decided on yet: it counts as neither accepted nor rejected.</summary>
    Pending,
    Accepted,
    Rejected,
    /// <summary>A frame the machine did not pick that a reviewer added.</summary>
    Added,
}

/// <summary>A rater's verdict on a whole APEX span (the unit of inter-rater agreement).</summary>
public enum SpanVerdict
{
    Accepted,
    Rejected,
    /// <summary>Some frames of the span accepted, others rejected.</summary>
    Mixed,
}

/// <summary>How many APEX frames stand where. The figures "over accepted APEX frames" use <see cref="InForce"/>.</summary>
public sealed record ApexTally(int Machine, int Pending, int Accepted, int Rejected, int Added)
{
    /// <summary>Accepted machine frames plus added ones: the set a validated figure uses.</summary>
    public int InForce => Accepted + Added;
}

/// <summary>
/// The review rules, in one place for the review page, the review service, the export and the
/// cohort statistics: a frame's verdict, which frames count as accepted, the VAS in force, and
/// the content a signature is bound to.
/// </summary>
public static class ReviewRules
{
    /// <summary>The frame's verdict; null for a frame review is not about (not APEX, not added).</summary>
    public static FrameVerdict? VerdictOf(bool machineApex, ReviewDecision? decision) => decision switch
    {
        null => machineApex ? FrameVerdict.Pending : null,
        { AddedByReviewer: true } => FrameVerdict.Added,
        { Decision: DecisionKind.Accepted } => FrameVerdict.Accepted,
        _ => FrameVerdict.Rejected,
    };

    /// <summary>Only a person's acceptance (or addition) makes a frame count as accepted; pending never does.</summary>
    public static bool CountsAsAccepted(FrameVerdict? verdict) => verdict is FrameVerdict.Accepted or FrameVerdict.Added;

    public static string? Label(FrameVerdict? verdict) => verdict?.ToString().ToLowerInvariant();

    public static ApexTally Tally(IEnumerable<(int Frame, bool Apex)> frames, IReadOnlyDictionary<int, ReviewDecision> decisions)
    {
        int machine = 0, pending = 0, accepted = 0, rejected = 0, added = 0;
        foreach (var (frame, apex) in frames)
        {
            if (apex) machine++;
            switch (VerdictOf(apex, decisions.GetValueOrDefault(frame)))
            {
                case FrameVerdict.Pending: pending++; break;
                case FrameVerdict.Accepted: accepted++; break;
                case FrameVerdict.Rejected: rejected++; break;
                case FrameVerdict.Added: added++; break;
            }
        }
        return new ApexTally(machine, pending, accepted, rejected, added);
    }

    /// <summary>The latest clinician correction in force (corrections are kept, never overwritten).</summary>
    public static VasCorrection? LatestCorrection(IEnumerable<VasCorrection> corrections) =>
        corrections.OrderByDescending(c => c.AtUtc).ThenByDescending(c => c.Id).FirstOrDefault();

    /// <summary>The VAS label in force: the latest clinician correction, else the (possibly corrected) self-report.</summary>
    public static double? VasInForce(double? selfReport, IEnumerable<VasCorrection> corrections) => LatestCorrection(corrections)?.Value ?? selfReport;

    /// <summary>
    /// Two independent reviews: the decision in force on a frame. The adjudicator's decision wins;
    /// otherwise the raters' decision where both made the same one; otherwise none (pending: the
    /// frame waits for the adjudicator, or for a rater).
    /// </summary>
    public static T? InForce<T>(T? first, T? second, T? adjudicated) where T : struct, Enum =>
        adjudicated ?? (first is { } a && second is { } b && EqualityComparer<T>.Default.Equals(a, b) ? a : null);

    /// <summary>
    /// A rater's verdict on a whole APEX span, the unit agreement is measured on: accepted or
    /// rejected when every frame of the span has that decision, mixed when both occur, null
    /// (pending) while any frame is undecided.
    /// </summary>
    public static SpanVerdict? SpanVerdictOf(IEnumerable<DecisionKind?> frameDecisions)
    {
        bool accepted = false, rejected = false, any = false;
        foreach (var d in frameDecisions)
        {
            any = true;
            switch (d)
            {
                case null: return null;
                case DecisionKind.Accepted: accepted = true; break;
                default: rejected = true; break;
            }
        }
        if (!any) return null;
        return accepted && rejected ? SpanVerdict.Mixed : accepted ? SpanVerdict.Accepted : SpanVerdict.Rejected;
    }

    /// <summary>Whether a rater sees the other rater's decisions: never while the recording is under two independent reviews.</summary>
    public static bool SeesOtherRater(RaterSlot? slot) => slot is not (RaterSlot.First or RaterSlot.Second);

    /// <summary>Whether a rater is kept from the VAS and HPII: only the two raters of a study that blinds them.</summary>
    public static bool BlindedToLabels(Study study, RaterSlot? slot) => BlindedToLabels(study.TwoRaters, study.BlindRaters, slot);

    public static bool BlindedToLabels(bool twoRaters, bool blindRaters, RaterSlot? slot) => twoRaters && blindRaters && slot is RaterSlot.First or RaterSlot.Second;

    /// <summary>
    /// Whether a name (a corrected field, an audit detail's key) names a label a blinded rater may not see:
    /// the VAS (self-reported or corrected), HPII or PSPI.
    /// </summary>
    public static bool IsLabelName(string name) =>
        name.Contains("vas", StringComparison.OrdinalIgnoreCase) || name.Contains("selfreport", StringComparison.OrdinalIgnoreCase)
        || name.Contains("hpii", StringComparison.OrdinalIgnoreCase) || name.Contains("pspi", StringComparison.OrdinalIgnoreCase);

    /// <summary>Leaves out of a recording read for a blinded rater (not tracked, never saved) its VAS and its HPII and PSPI figures.</summary>
    public static void WithholdLabels(Recording recording)
    {
        recording.VasSelfReport = null;
        recording.HpiiMeanAll = recording.HpiiMeanApex = recording.HpiiPeak = recording.PspiMeanAll = null;
    }

    public static readonly string[] SignatureMeanings = ["Reviewed", "Approved"];

    /// <summary>
    /// SHA-256 over what a signature vouches for: the recording, its analysis version, every
    /// decision, every VAS correction, the VAS in force and the participant, timepoint and date in force.
    /// Any later change to these gives another hash, so a signature names exactly what was signed.
    /// </summary>
    public static string RecordHash(Recording recording, IEnumerable<ReviewDecision> decisions, IEnumerable<VasCorrection> corrections, string participantCode)
    {
        var list = corrections.OrderBy(c => c.AtUtc).ThenBy(c => c.Id).ToList();
        var content = new
        {
            recording = recording.Id,
            analysis = AnalysisVersionOf(recording),
            summarySha256 = recording.SummaryJson is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(recording.SummaryJson))),
            participant = participantCode,
            recording.Timepoint,
            recordedOn = recording.RecordedOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            vasSelfReport = recording.VasSelfReport,
            vasInForce = VasInForce(recording.VasSelfReport, list),
            decisions = decisions.OrderBy(d => d.FrameIndex).Select(d => new { d.FrameIndex, decision = d.Decision.ToString(), d.AddedByReviewer, d.Reason, d.Reviewer }),
            corrections = list.Select(c => new { c.Value, c.Reason, c.CorrectedBy, at = c.AtUtc.ToString("O", CultureInfo.InvariantCulture) }),
        };
        return Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(content)));
    }

    /// <summary>The analysis the scores come from: app version and completion time, from the summary document.</summary>
    public static string? AnalysisVersionOf(Recording recording) =>
        recording.SummaryJson is null ? null
            : $"{AnalysisProvenance.Of(recording.SummaryJson)?.Tool.Version ?? "unknown"} @ {recording.CompletedUtc?.ToString("O", CultureInfo.InvariantCulture)}";
}
