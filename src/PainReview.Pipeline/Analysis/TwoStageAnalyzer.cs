using System.Diagnostics;
using System.Threading.Channels;
using MathNet.Numerics.Statistics;
using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Decoding;
using PainReview.Pipeline.Faces;
using PainReview.Pipeline.Scoring;

namespace PainReview.Pipeline.Analysis;

/// <summary>What the two-stage mode found and what it cost.</summary>
/// <param name="CheapPass">Wall time of the single decode, with every k-th frame measured and the windows measured beside it.</param>
/// <param name="FullPass">Wall time after the decode ended, until the last window frame was measured.</param>
public sealed record TwoStageResult(
    IReadOnlyList<int> ApexFrames, IReadOnlyList<(int First, int Last)> Windows, int TotalFrames, int AnalysedFrames,
    TimeSpan CheapPass, TimeSpan FullPass)
{
    public TimeSpan Total => CheapPass + FullPass;

    /// <summary>Face-mesh passes over frames, samples and window frames together (a sample in a window counts once when its measurement is reused).</summary>
    public int MeasuredFrames { get; init; }
}

/// <summary>
/// Two-stage APEX search in one decode. Every k-th frame is measured (the cheap sample); a sampled frame
/// whose provisional HPII (against the baseline of the samples so far) reaches the samples' running
/// candidate quantile opens a window of +/- k frames, whose frames are measured too, on a second thread:
/// the k frames before it are still held in a small ring of decoded frames, the k after it are passed
/// on as they arrive.
/// A candidate sample is not measured again in its window: its measurement stands for it there and the
/// window's tracker follows on from it (<c>reuseSamples</c> false measures it again, tracked from the frame before).
/// Frames outside every window are decoded once and passed over. At the end the neutral baseline and
/// the APEX threshold come from the whole sample, as in the full analysis, and the window frames are
/// scored against them. Memory: at most 2k + 1 decoded frames are held.
/// </summary>
public sealed class TwoStageAnalyzer(FacePipeline pipeline)
{
    /// <summary>Samples needed before the running baseline and candidate threshold are trusted (every usable sample is a candidate before).</summary>
    public const int WarmUpSamples = 16;

    /// <summary>The running baseline and threshold are refreshed every this many samples.</summary>
    public const int RefreshEvery = 16;

    /// <summary>The share of samples below which a sample opens no window (APEX takes the top quarter).</summary>
    public const double DefaultCandidateQuantile = 0.5;

    public async Task<TwoStageResult> FindApexAsync(string path, AnalysisConfig? config = null, int step = 4,
        double candidateQuantile = DefaultCandidateQuantile, CancellationToken cancellationToken = default, bool reuseSamples = true)
    {
        if (step < 2) throw new ArgumentOutOfRangeException(nameof(step), "The cheap pass needs a step of 2 or more.");
        var info = await VideoProbe.ProbeAsync(path, cancellationToken: cancellationToken);
        return await FindApexAsync(info, config, step, candidateQuantile, cancellationToken, reuseSamples);
    }

    /// <summary>As <see cref="FindApexAsync(string, AnalysisConfig?, int, double, CancellationToken, bool)"/> on a video already
    /// probed: saves a second ffprobe start (about 0.1 s of CPU, mostly its dynamic linking).</summary>
    public async Task<TwoStageResult> FindApexAsync(VideoInfo info, AnalysisConfig? config = null, int step = 4,
        double candidateQuantile = DefaultCandidateQuantile, CancellationToken cancellationToken = default, bool reuseSamples = true)
    {
        config ??= new AnalysisConfig();
        if (step < 2) throw new ArgumentOutOfRangeException(nameof(step), "The cheap pass needs a step of 2 or more.");
        var quality = config.Quality;

        var wall = Stopwatch.StartNew();
        var sampleTracker = pipeline.CreateTracker();
        var sampled = new List<FrameRecord>();
        var held = new Queue<VideoFrame>();
        var provisional = new List<double>();
        NeutralBaseline? running = null;
        var candidateThreshold = 0.0;
        var measureUntil = -1;
        var total = 0;
        var meshRuns = 0;

        // Window frames are measured on a second thread with the second lane's sessions while this one
        // decodes and samples; the queue is bounded, so memory stays at a few frames.
        var measured = new SortedDictionary<int, FrameRecord>();
        var queue = Channel.CreateBounded<(VideoFrame Frame, FrameGeometry? Sample)>(new BoundedChannelOptions(2 * step + 2) { SingleReader = true, SingleWriter = true });
        var worker = Task.Run(async () =>
        {
            var windowTracker = pipeline.CreateSecondLaneTracker();
            var last = int.MinValue;
            await foreach (var (frame, sample) in queue.Reader.ReadAllAsync(cancellationToken))
                using (frame)
                {
                    if (frame.Index != last + 1) windowTracker.Reset(); // tracking starts afresh after a gap
                    if (sample is not null)
                    {
                        // The sample's own measurement (a record of its own: scoring writes into records); the window tracks on from it.
                        measured[frame.Index] = FrameRecord.From(sample);
                        windowTracker.Follow(sample.Face);
                    }
                    else
                    {
                        measured[frame.Index] = FrameRecord.From(pipeline.Measure(windowTracker, frame, quality));
                        Interlocked.Increment(ref meshRuns);
                    }
                    last = frame.Index;
                }
        }, cancellationToken);

        TimeSpan cheap;
        try
        {
            await foreach (var frame in FrameDecoder.DecodeAsync(info, cancellationToken: cancellationToken))
            {
                total++;
                var hold = true;
                if (frame.Index % step == 0)
                {
                    var geometry = pipeline.Measure(sampleTracker, frame, quality);
                    Interlocked.Increment(ref meshRuns);
                    var record = FrameRecord.From(geometry);
                    sampled.Add(record);
                    if (IsCandidate(record))
                    {
                        // Every held frame lies within the k before it: they join the window, in order, then the sample.
                        while (held.Count > 0) await queue.Writer.WriteAsync((held.Dequeue(), null), cancellationToken);
                        await queue.Writer.WriteAsync((frame, reuseSamples ? geometry : null), cancellationToken);
                        measureUntil = frame.Index + step;
                        hold = false;
                    }
                }
                else if (frame.Index <= measureUntil)
                {
                    await queue.Writer.WriteAsync((frame, null), cancellationToken);
                    hold = false;
                }
                if (hold) held.Enqueue(frame);
                // Only the last k frames can still join a window opened by the next sample.
                while (held.Count > 0 && held.Peek().Index < frame.Index - step + 1)
                    held.Dequeue().Dispose();
            }
            queue.Writer.TryComplete();
            cheap = wall.Elapsed;
            await worker;
        }
        catch
        {
            queue.Writer.TryComplete();
            try { await worker; } catch (Exception) { /* the first failure is the one reported */ }
            while (queue.Reader.TryRead(out var left)) left.Frame.Dispose();
            throw;
        }
        finally
        {
            while (held.Count > 0) held.Dequeue().Dispose();
        }
        var windowTime = wall.Elapsed - cheap;

        // Final scoring, as the full analysis would: baseline and threshold from the whole sample.
        ActionUnitEstimator.Smooth(sampled, config.Smoothing);
        var usable = sampled.Count(f => f.Usable);
        var baseline = usable >= RecordingAnalyzer.MinimumFramesForOwnBaseline
            ? NeutralBaseline.Percentile(sampled, config.Baseline.Percentile)
            : NeutralBaseline.Population(pipeline.Canonical);
        ActionUnitEstimator.Estimate(sampled, baseline);
        PainScores.Score(sampled, config);
        var hpii = sampled.Where(f => f.Hpii.HasValue && !(config.Apex.SkipSmiles && f.Smile)).Select(f => f.Hpii!.Value).ToArray();
        var windows = Runs(measured.Keys);
        if (hpii.Length == 0)
            return new TwoStageResult([], windows, total, measured.Count, cheap, windowTime) { MeasuredFrames = meshRuns };
        var threshold = hpii.QuantileCustom(config.Apex.Quantile, QuantileDefinition.R7);

        // Frames outside the windows stand as gaps, so denoising never bridges two windows.
        var frames = Enumerable.Range(0, total).Select(i => measured.TryGetValue(i, out var f) ? f
            : new FrameRecord { Index = i, TimeSeconds = 0, Face = false, Confidence = 0, PoseOk = false, Usable = false }).ToList();
        ActionUnitEstimator.Smooth(frames, config.Smoothing);
        ActionUnitEstimator.Estimate(frames, baseline);
        var apex = new List<int>();
        foreach (var f in frames.Where(f => f.ActionUnits is not null))
        {
            var score = PainScores.Hpii(f.ActionUnits!, config.Hpii);
            if (config.Apex.SkipSmiles && PainScores.IsSmile(f.ActionUnits!)) continue;
            if (score >= threshold && score > 0) apex.Add(f.Index);
        }
        return new TwoStageResult(apex, windows, total, measured.Count, cheap, windowTime) { MeasuredFrames = meshRuns };

        bool IsCandidate(FrameRecord sample)
        {
            if (!sample.Usable) return false;
            var usableSamples = sampled.Count(s => s.Usable);
            if (running is null || usableSamples % RefreshEvery == 0)
            {
                if (usableSamples >= WarmUpSamples)
                {
                    running = NeutralBaseline.Percentile(sampled, config.Baseline.Percentile);
                    provisional.Clear();
                    foreach (var s in sampled.Where(s => s.Usable))
                        provisional.Add(PainScores.Hpii(ActionUnitEstimator.Intensities(s.Features!, running), config.Hpii));
                    candidateThreshold = provisional.ToArray().QuantileCustom(candidateQuantile, QuantileDefinition.R7);
                }
            }
            if (running is null) return true;
            return PainScores.Hpii(ActionUnitEstimator.Intensities(sample.Features!, running), config.Hpii) >= candidateThreshold;
        }
    }

    /// <summary>Contiguous runs of frame numbers, as (first, last) windows.</summary>
    internal static List<(int First, int Last)> Runs(IEnumerable<int> ordered) =>
        Merge(ordered.Select(i => (i, i)));

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
