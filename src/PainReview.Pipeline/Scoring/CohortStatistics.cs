using PainReview.Pipeline.ActionUnits;

namespace PainReview.Pipeline.Scoring;

/// <summary>One recording of a cohort: its pain label and its summary scores.</summary>
public sealed record CohortRecording(string Id, string? Participant, double Vas, RecordingSummary Summary);

/// <summary>Pearson and Spearman for one score against VAS.</summary>
public sealed record CorrelationPair(CorrelationResult? Pearson, CorrelationResult? Spearman)
{
    public static CorrelationPair Of(IReadOnlyList<(double Score, double Vas)> pairs) =>
        new(Correlation.Compute(pairs.Select(p => p.Score).ToArray(), pairs.Select(p => p.Vas).ToArray(), CorrelationMethod.Pearson),
            Correlation.Compute(pairs.Select(p => p.Score).ToArray(), pairs.Select(p => p.Vas).ToArray(), CorrelationMethod.Spearman));
}

/// <summary>A score summarised over all usable frames and over APEX frames, each against VAS.</summary>
public sealed record FramesVsApex(CorrelationPair AllFrames, CorrelationPair Apex);

/// <summary>How HPII (and PSPI and each AU) relate to VAS across a cohort, at recording level.</summary>
public sealed record CohortCorrelations
{
    public required int Recordings { get; init; }
    public required FramesVsApex Hpii { get; init; }
    public required FramesVsApex Pspi { get; init; }
    /// <summary>Only recordings with VAS &gt;= 3, where the paper found facial scores most informative.</summary>
    public required FramesVsApex HpiiVasAtLeast3 { get; init; }
    /// <summary>Recordings whose all-frames HPII is at or above the cohort's first quartile.</summary>
    public required FramesVsApex HpiiAboveFirstQuartile { get; init; }
    public required IReadOnlyDictionary<string, FramesVsApex> ActionUnits { get; init; }

    public static CohortCorrelations Compute(IReadOnlyList<CohortRecording> recordings)
    {
        var scored = recordings.Where(r => r.Summary.Hpii.MeanAll.HasValue).ToList();

        static FramesVsApex For(IReadOnlyList<CohortRecording> set, Func<RecordingSummary, ScoreSummary> score) => new(
            CorrelationPair.Of(set.Where(r => score(r.Summary).MeanAll.HasValue).Select(r => (score(r.Summary).MeanAll!.Value, r.Vas)).ToList()),
            CorrelationPair.Of(set.Where(r => score(r.Summary).MeanApex.HasValue).Select(r => (score(r.Summary).MeanApex!.Value, r.Vas)).ToList()));

        var q1 = scored.Count > 0 ? ApexSelector.FirstQuartile(scored.Select(r => r.Summary.Hpii.MeanAll!.Value)) : 0;
        return new CohortCorrelations
        {
            Recordings = scored.Count,
            Hpii = For(scored, s => s.Hpii),
            Pspi = For(scored, s => s.Pspi),
            HpiiVasAtLeast3 = For(scored.Where(r => r.Vas >= 3).ToList(), s => s.Hpii),
            HpiiAboveFirstQuartile = For(scored.Where(r => r.Summary.Hpii.MeanAll >= q1).ToList(), s => s.Hpii),
            ActionUnits = ActionUnitDefinitions.All.ToDictionary(d => d.Unit.ToString(), d => For(scored, s => s.ActionUnits[d.Unit.ToString()])),
        };
    }
}
