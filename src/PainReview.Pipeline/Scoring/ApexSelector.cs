using MathNet.Numerics.Statistics;
using PainReview.Pipeline.Analysis;

namespace PainReview.Pipeline.Scoring;

/// <summary>
/// Picks the APEX (peak-expression) frames from per-frame HPII; unusable frames (null) are never
/// APEX, and neither is a frame with HPII 0 (no pain expression at all).
/// </summary>
public static class ApexSelector
{
    public static bool[] Select(IReadOnlyList<double?> hpii, ApexConfig config)
    {
        var apex = new bool[hpii.Count];
        var pool = Enumerable.Range(0, hpii.Count).Where(i => hpii[i].HasValue).ToList();
        if (pool.Count == 0) return apex;

        if (config.FirstQuartileFilter)
        {
            var q1 = FirstQuartile(pool.Select(i => hpii[i]!.Value));
            pool = pool.Where(i => hpii[i]!.Value >= q1).ToList();
        }

        switch (config.Strategy)
        {
            case ApexStrategy.TopQuantile:
                var threshold = pool.Select(i => hpii[i]!.Value).ToArray().QuantileCustom(config.Quantile, QuantileDefinition.R7);
                foreach (var i in pool)
                    apex[i] = hpii[i]!.Value >= threshold && hpii[i]!.Value > 0;
                break;
            case ApexStrategy.Single:
                var best = pool.MaxBy(i => hpii[i]!.Value);
                apex[best] = hpii[best]!.Value > 0;
                break;
            case ApexStrategy.Peaks:
                var allowed = new HashSet<int>(pool);
                foreach (var peak in Peaks(hpii, config.Prominence))
                    for (var i = Math.Max(0, peak - config.Window); i <= Math.Min(hpii.Count - 1, peak + config.Window); i++)
                        if (allowed.Contains(i) && hpii[i]!.Value > 0) apex[i] = true;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(config), config.Strategy, null);
        }
        return apex;
    }

    /// <summary>The 75th-percentile threshold TopQuantile uses, for plots (null when no usable frame).</summary>
    public static double? Threshold(IReadOnlyList<double?> hpii, ApexConfig config)
    {
        var values = hpii.Where(h => h.HasValue).Select(h => h!.Value).ToArray();
        if (values.Length == 0) return null;
        if (config.FirstQuartileFilter)
        {
            var q1 = FirstQuartile(values);
            values = values.Where(v => v >= q1).ToArray();
        }
        return config.Strategy == ApexStrategy.TopQuantile ? values.QuantileCustom(config.Quantile, QuantileDefinition.R7) : null;
    }

    public static double FirstQuartile(IEnumerable<double> values) =>
        values.ToArray().QuantileCustom(0.25, QuantileDefinition.R7);

    /// <summary>
    /// Local maxima whose prominence (height above the higher of the lowest points separating them
    /// from higher ground on each side, as in scipy's find_peaks) is at least <paramref name="minProminence"/>.
    /// Unusable frames break the series like its ends do. A plateau counts once, at its first frame.
    /// </summary>
    public static IReadOnlyList<int> Peaks(IReadOnlyList<double?> series, double minProminence)
    {
        var peaks = new List<int>();
        for (var i = 0; i < series.Count; i++)
        {
            if (series[i] is not { } h) continue;
            var left = i > 0 ? series[i - 1] : null;
            if (left is { } l && l >= h) continue;
            var j = i;
            while (j + 1 < series.Count && series[j + 1] is { } same && same == h) j++;
            var right = j + 1 < series.Count ? series[j + 1] : null;
            if (right is { } r && r > h) continue;

            double leftBase = h, rightBase = h;
            for (var k = i - 1; k >= 0 && series[k] is { } v && v <= h; k--) leftBase = Math.Min(leftBase, v);
            for (var k = j + 1; k < series.Count && series[k] is { } v && v <= h; k++) rightBase = Math.Min(rightBase, v);
            if (h - Math.Max(leftBase, rightBase) >= minProminence) peaks.Add(i);
            i = j;
        }
        return peaks;
    }
}
