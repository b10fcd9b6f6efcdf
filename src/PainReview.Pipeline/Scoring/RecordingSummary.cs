using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Analysis;

namespace PainReview.Pipeline.Scoring;

/// <summary>Summary of one score over a recording.</summary>
/// <param name="MeanAll">Mean over all usable frames.</param>
/// <param name="MeanApex">Mean over APEX frames (null when there is none).</param>
/// <param name="MeanAboveQ1">Mean over usable frames at or above the recording's first quartile.</param>
public sealed record ScoreSummary(double? MeanAll, double? MeanApex, double? MeanAboveQ1, double? Peak, double? PeakTimeSeconds)
{
    public static ScoreSummary Of(IReadOnlyList<FrameRecord> frames, Func<FrameRecord, double?> score)
    {
        var usable = frames.Where(f => f.Usable && score(f).HasValue).ToList();
        if (usable.Count == 0) return new ScoreSummary(null, null, null, null, null);
        var values = usable.Select(f => score(f)!.Value).ToArray();
        var apex = usable.Where(f => f.Apex).Select(f => score(f)!.Value).ToArray();
        var q1 = ApexSelector.FirstQuartile(values);
        var peak = usable.MaxBy(f => score(f)!.Value)!;
        return new ScoreSummary(values.Average(), apex.Length > 0 ? apex.Average() : null,
            values.Where(v => v >= q1).Average(), score(peak), peak.TimeSeconds);
    }
}

/// <summary>Per-recording results: what every export and the cohort statistics start from.</summary>
public sealed record RecordingSummary
{
    public required int Frames { get; init; }
    public required int UsableFrames { get; init; }
    public required double UsableShare { get; init; }
    public required int NoFaceFrames { get; init; }
    public required int PoseOutOfRangeFrames { get; init; }
    public required int ApexFrames { get; init; }
    public required double ApexShare { get; init; }
    public required string Baseline { get; init; }
    public required ScoreSummary Hpii { get; init; }
    public required ScoreSummary Pspi { get; init; }
    public required IReadOnlyDictionary<string, ScoreSummary> ActionUnits { get; init; }

    public static RecordingSummary Of(IReadOnlyList<FrameRecord> frames, string baseline)
    {
        var usable = frames.Count(f => f.Usable);
        var apex = frames.Count(f => f.Apex);
        return new RecordingSummary
        {
            Frames = frames.Count,
            UsableFrames = usable,
            UsableShare = frames.Count == 0 ? 0 : usable / (double)frames.Count,
            NoFaceFrames = frames.Count(f => !f.Face),
            PoseOutOfRangeFrames = frames.Count(f => f.Face && !f.PoseOk),
            ApexFrames = apex,
            ApexShare = usable == 0 ? 0 : apex / (double)usable,
            Baseline = baseline,
            Hpii = ScoreSummary.Of(frames, f => f.Hpii),
            Pspi = ScoreSummary.Of(frames, f => f.Pspi),
            ActionUnits = ActionUnitDefinitions.All.ToDictionary(d => d.Unit.ToString(),
                d => ScoreSummary.Of(frames, f => f.Au(d.Unit))),
        };
    }
}
