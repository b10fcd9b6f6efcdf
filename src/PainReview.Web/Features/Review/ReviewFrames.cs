using System.Collections.Concurrent;
using PainReview.Data.Entities;

namespace PainReview.Web.Features.Review;

/// <summary>
/// A recording's analysed frames as review shows them, with what follows from them alone: the
/// APEX spans, which spans are mostly smiles, frame lookup by index and the timeline's overview.
/// Immutable: decisions never change it, so one copy serves every page and every refresh until
/// the recording is analysed or scored again.
/// </summary>
public sealed class ReviewFrames
{
    public ReviewFrames(IReadOnlyList<ReviewFrame> frames)
    {
        Frames = frames;
        _positions = new Dictionary<int, int>(frames.Count);
        for (var i = 0; i < frames.Count; i++) _positions[frames[i].Index] = i;
        Spans = ReviewModel.FindSpans(frames);
        _smileSpans = Spans.Where(s =>
        {
            int all = 0, smiles = 0;
            for (var i = s.First; i <= s.Last; i++)
                if (ByIndex(i) is { } f) { all++; if (f.Smile) smiles++; }
            return all > 0 && smiles * 2 > all;
        }).Select(s => s.First).ToHashSet();
        ApexIndexes = frames.Where(f => f.Apex).Select(f => f.Index).ToHashSet();
        ApexThreshold = frames.Where(f => f.Apex && f.Hpii.HasValue).Select(f => f.Hpii!.Value).DefaultIfEmpty(double.NaN).Min();
        FrameStep = frames.Count > 1 ? (frames[^1].TimeSeconds - frames[0].TimeSeconds) / (frames.Count - 1) : 0.04;
    }

    /// <summary>The lowest HPII among APEX frames (NaN when none has one): the timeline's threshold line.</summary>
    public double ApexThreshold { get; }
    /// <summary>The mean time from one frame to the next.</summary>
    public double FrameStep { get; }

    public IReadOnlyList<ReviewFrame> Frames { get; }
    public IReadOnlyList<ApexSpan> Spans { get; }
    public IReadOnlySet<int> ApexIndexes { get; }
    private readonly Dictionary<int, int> _positions;
    private readonly HashSet<int> _smileSpans;

    public ReviewFrame? ByIndex(int index) => _positions.TryGetValue(index, out var i) ? Frames[i] : null;

    /// <summary>A span most of whose frames the analysis flagged as a smile.</summary>
    public bool IsSmileSpan(ApexSpan span) => _smileSpans.Contains(span.First);

    public int SmileSpanCount => _smileSpans.Count;

    /// <summary>The whole recording, decimated (computed once).</summary>
    public TimelineSeries Overview => _overview ??= TimelineSeries.Of(Frames, Traces.Select(t => t.Value).ToList(), buckets: TimelineSeries.OverviewBuckets);
    private TimelineSeries? _overview;

    /// <summary>The timeline's traces, in the order the chart draws them.</summary>
    public static readonly IReadOnlyList<(string Name, Func<ReviewFrame, double?> Value)> Traces =
    [
        ("HPII", f => f.Hpii), ("AU4", f => f.Au04), ("AU6", f => f.Au06), ("AU7", f => f.Au07), ("AU9", f => f.Au09),
    ];

    public TimelineSeries Series(double? from = null, double? to = null) =>
        TimelineSeries.Of(Frames, Traces.Select(t => t.Value).ToList(), from, to);
}

/// <summary>
/// The last few recordings' <see cref="ReviewFrames"/>, each under a stamp of its analysis and
/// scoring: analysing or scoring again changes the stamp, and the next load reads the frames again.
/// </summary>
public sealed class ReviewFrameCache
{
    private const int Capacity = 4;
    private readonly ConcurrentDictionary<(Guid Id, bool Blinded), (string Stamp, ReviewFrames Frames, long Used)> _entries = new();
    private long _clock;

    public static string StampOf(Recording r) => string.Join('|', r.Status, r.CompletedUtc?.Ticks, r.ProtocolVersion, r.Frames, r.UsableFrames, r.ApexFrames,
        r.HpiiMeanAll, r.HpiiMeanApex, r.HpiiPeak, r.SummaryJson?.Length);

    public async Task<ReviewFrames> GetAsync(Guid recordingId, bool blinded, string stamp, Func<Task<IReadOnlyList<ReviewFrame>>> load)
    {
        if (_entries.TryGetValue((recordingId, blinded), out var hit) && hit.Stamp == stamp)
        {
            _entries[(recordingId, blinded)] = hit with { Used = Interlocked.Increment(ref _clock) };
            return hit.Frames;
        }
        var frames = new ReviewFrames(await load());
        _entries[(recordingId, blinded)] = (stamp, frames, Interlocked.Increment(ref _clock));
        while (_entries.Count > Capacity && _entries.MinBy(e => e.Value.Used) is var oldest && _entries.TryRemove(oldest.Key, out _)) { }
        return frames;
    }

    /// <summary>Forgets a recording (deleted, or its frames rewritten).</summary>
    public void Forget(Guid recordingId)
    {
        _entries.TryRemove((recordingId, false), out _);
        _entries.TryRemove((recordingId, true), out _);
    }
}
