using MathNet.Numerics.Statistics;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Faces;

namespace PainReview.Pipeline.ActionUnits;

/// <summary>The neutral value of each feature, in both orientations.</summary>
/// <param name="Rising">Neutral for terms where the AU increases the feature (a low percentile in Auto mode).</param>
/// <param name="Falling">Neutral for terms where the AU decreases the feature (a high percentile in Auto mode).</param>
public sealed record NeutralBaseline(double[] Rising, double[] Falling, string Source)
{
    public static NeutralBaseline Single(double[] values, string source) => new(values, values, source);

    /// <summary>The canonical face's own features: the population neutral.</summary>
    public static NeutralBaseline Population(CanonicalFace canonical)
    {
        var features = new float[FaceFeatures.Count];
        FaceFeatures.Compute(canonical.Vertices, features);
        return Single(features.Select(f => (double)f).ToArray(), "population (canonical face)");
    }

    /// <summary>Median of each feature over usable frames (a neutral segment or a neutral recording).</summary>
    public static NeutralBaseline Median(IEnumerable<FrameRecord> frames, string source)
    {
        var usable = frames.Where(f => f.Usable).ToList();
        if (usable.Count == 0) throw new InvalidDataException($"The neutral {source} has no usable face frame.");
        var medians = Enumerable.Range(0, FaceFeatures.Count)
            .Select(j => usable.Select(f => (double)(f.Smoothed ?? f.Features)![j]).Median()).ToArray();
        return Single(medians, $"{source} (median of {usable.Count} frames)");
    }

    /// <summary>Auto: a low percentile of each AU-oriented feature over the recording's usable frames.</summary>
    public static NeutralBaseline Percentile(IEnumerable<FrameRecord> frames, double percentile)
    {
        var usable = frames.Where(f => f.Usable).ToList();
        var rising = new double[FaceFeatures.Count];
        var falling = new double[FaceFeatures.Count];
        for (var j = 0; j < FaceFeatures.Count; j++)
        {
            var values = usable.Select(f => (double)(f.Smoothed ?? f.Features)![j]).ToArray();
            rising[j] = values.QuantileCustom(percentile / 100, QuantileDefinition.R7);
            falling[j] = values.QuantileCustom(1 - percentile / 100, QuantileDefinition.R7);
        }
        return new NeutralBaseline(rising, falling, $"auto ({percentile:0.#}th percentile of {usable.Count} usable frames)");
    }
}

/// <summary>Turns per-frame geometric features into AU intensities on the FACS 0-5 scale.</summary>
public static class ActionUnitEstimator
{
    /// <summary>Temporal denoising of every feature, once, within runs of usable frames.</summary>
    public static void Smooth(IReadOnlyList<FrameRecord> frames, SmoothingConfig config)
    {
        var smoothed = new double[FaceFeatures.Count][];
        for (var j = 0; j < FaceFeatures.Count; j++)
        {
            var series = frames.Select(f => f.Usable ? f.Features![j] : double.NaN).ToArray();
            smoothed[j] = TemporalFilter.Apply(series, config);
        }
        for (var i = 0; i < frames.Count; i++)
            frames[i].Smoothed = frames[i].Usable
                ? Enumerable.Range(0, FaceFeatures.Count).Select(j => (float)smoothed[j][i]).ToArray()
                : null;
    }

    /// <summary>Sets <see cref="FrameRecord.ActionUnits"/> on every usable frame.</summary>
    public static void Estimate(IReadOnlyList<FrameRecord> frames, NeutralBaseline baseline)
    {
        foreach (var frame in frames)
        {
            if (!frame.Usable)
            {
                frame.ActionUnits = null;
                continue;
            }
            var features = frame.Smoothed ?? frame.Features!;
            frame.ActionUnits = Intensities(features, baseline);
        }
    }

    public static float[] Intensities(IReadOnlyList<float> features, NeutralBaseline baseline)
    {
        var result = new float[ActionUnitDefinitions.Count];
        foreach (var definition in ActionUnitDefinitions.All)
        {
            double evidence = 0;
            foreach (var term in definition.Terms)
            {
                var j = (int)term.Feature;
                var neutral = term.Direction > 0 ? baseline.Rising[j] : baseline.Falling[j];
                var displacement = term.Direction * (features[j] - neutral);
                if (term.Relative) displacement /= Math.Max(1e-6, Math.Abs(neutral));
                // Each term counts only in its own direction: raised brows never cancel gathered ones.
                evidence += term.Weight * Math.Max(0, displacement) / term.FullScale;
            }
            result[(int)definition.Unit] = (float)Math.Clamp(5 * evidence, 0, 5);
        }
        return result;
    }
}
