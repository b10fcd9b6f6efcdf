using System.Diagnostics;
using MathNet.Numerics.Statistics;
using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Decoding;
using PainReview.Pipeline.Faces;
using PainReview.Pipeline.Scoring;

namespace PainReview.Pipeline.Analysis;

/// <summary>What the two-stage mode found and what it cost.</summary>
public sealed record TwoStageResult(
    IReadOnlyList<int> ApexFrames, IReadOnlyList<(int First, int Last)> Windows, int TotalFrames, int AnalysedFrames,
    TimeSpan CheapPass, TimeSpan FullPass)
{
    public TimeSpan Total => CheapPass + FullPass;
}

/// <summary>
/// Two-stage APEX search: a cheap pass measures every k-th frame, fixes the neutral baseline and the
/// APEX threshold from that sample, and marks candidate windows (sampled frames with HPII at or
/// above a lower quantile, widened by k frames); the full pass measures only the frames inside the
/// windows. Every frame is still decoded; only the face models are spared.
/// </summary>
public sealed class TwoStageAnalyzer(FacePipeline pipeline)
{
    public async Task<TwoStageResult> FindApexAsync(string path, AnalysisConfig? config = null, int step = 4,
        double candidateQuantile = 0.5, CancellationToken cancellationToken = default)
    {
        config ??= new AnalysisConfig();
        if (step < 2) throw new ArgumentOutOfRangeException(nameof(step), "The cheap pass needs a step of 2 or more.");
        var info = await VideoProbe.ProbeAsync(path, cancellationToken: cancellationToken);

        // 1. Every k-th frame: baseline, HPII distribution, APEX threshold, candidate windows.
        var cheap = Stopwatch.StartNew();
        var sampled = new List<FrameRecord>();
        await pipeline.RunAsync(info, g => sampled.Add(FrameRecord.From(g)), new DecodeOptions { FrameStep = step }, config.Quality,
            cancellationToken: cancellationToken);
        ActionUnitEstimator.Smooth(sampled, config.Smoothing);
        var baseline = NeutralBaseline.Percentile(sampled, config.Baseline.Percentile);
        ActionUnitEstimator.Estimate(sampled, baseline);
        PainScores.Score(sampled, config);
        var hpii = sampled.Where(f => f.Hpii.HasValue).Select(f => f.Hpii!.Value).ToArray();
        if (hpii.Length == 0) return new TwoStageResult([], [], (int)info.EstimatedFrameCount, sampled.Count, cheap.Elapsed, TimeSpan.Zero);
        var threshold = hpii.QuantileCustom(config.Apex.Quantile, QuantileDefinition.R7);
        var candidate = hpii.QuantileCustom(candidateQuantile, QuantileDefinition.R7);
        var windows = Merge(sampled.Where(f => f.Hpii >= candidate).Select(f => (Math.Max(0, f.Index - step), f.Index + step)));
        cheap.Stop();

        // 2. Every frame inside the windows, scored against the cheap pass's baseline and threshold.
        var full = Stopwatch.StartNew();
        bool Inside(int index) => windows.Any(w => index >= w.First && index <= w.Last);
        var measured = new Dictionary<int, FrameRecord>();
        var run = await pipeline.RunAsync(info, g => measured[g.Index] = FrameRecord.From(g), decode: null, config.Quality,
            cancellationToken: cancellationToken, analyze: Inside);
        // Frames outside the windows stand as gaps, so denoising never bridges two windows.
        var frames = Enumerable.Range(0, run.Frames).Select(i => measured.TryGetValue(i, out var f) ? f
            : new FrameRecord { Index = i, TimeSeconds = 0, Face = false, Confidence = 0, PoseOk = false, Usable = false }).ToList();
        ActionUnitEstimator.Smooth(frames, config.Smoothing);
        ActionUnitEstimator.Estimate(frames, baseline);
        var apex = new List<int>();
        foreach (var f in frames.Where(f => f.ActionUnits is not null))
        {
            var score = PainScores.Hpii(f.ActionUnits!, config.Hpii);
            if (score >= threshold && score > 0) apex.Add(f.Index);
        }
        full.Stop();
        return new TwoStageResult(apex, windows, run.Frames, measured.Count, cheap.Elapsed, full.Elapsed);
    }

    internal static List<(int First, int Last)> Merge(IEnumerable<(int First, int Last)> spans)
    {
        var merged = new List<(int First, int Last)>();
        foreach (var (first, last) in spans.OrderBy(s => s.First))
        {
            if (merged.Count > 0 && first <= merged[^1].Last + 1) merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, last));
            else merged.Add((first, last));
        }
        return merged;
    }
}
