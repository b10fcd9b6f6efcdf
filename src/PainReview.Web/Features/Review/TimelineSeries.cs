namespace PainReview.Web.Features.Review;

/// <summary>
/// What the review timeline draws for a time range: every frame when the range holds few enough
/// of them, else at most two points per time bucket (the bucket's extremes, in their order), so that a
/// 30-minute recording sends a few thousand points instead of 54,000 and still shows every peak and
/// dip. X values are real frame times, so a click on a point seeks to a frame: a bucket's points
/// stand at the frames of the lead trace's extremes (HPII, else the first trace with values there),
/// so its peaks are drawn where they are; every other trace keeps its own extremes at those points.
/// </summary>
/// <param name="X">Shared by every trace.</param>
/// <param name="Y">One array per trace; null where a trace has no usable value (Plotly leaves a gap).</param>
/// <param name="Exact">One point per frame in the range.</param>
public sealed record TimelineSeries(double[] X, double?[][] Y, bool Exact)
{
    /// <summary>About one bucket per horizontal pixel of the chart.</summary>
    public const int DefaultBuckets = 1500;

    /// <summary>
    /// The whole recording, as a page opens: about one bucket per pixel of the chart on a laptop (its
    /// plot is some 700-1,100 pixels wide), a third fewer points to send and draw than a zoomed range.
    /// </summary>
    public const int OverviewBuckets = 1000;

    public static TimelineSeries Of(IReadOnlyList<ReviewFrame> frames, IReadOnlyList<Func<ReviewFrame, double?>> traces,
        double? from = null, double? to = null, int buckets = DefaultBuckets)
    {
        if (frames.Count == 0) return new([], traces.Select(_ => Array.Empty<double?>()).ToArray(), true);
        // One frame either side of the range, so the lines run to its edges.
        var first = from is { } f ? Math.Max(0, LastAtOrBefore(frames, f)) : 0;
        var last = to is { } t ? Math.Min(frames.Count - 1, LastAtOrBefore(frames, t) + 1) : frames.Count - 1;
        if (last < first) (first, last) = (last, first);
        var count = last - first + 1;
        double? Value(ReviewFrame frame, int trace) => frame.Usable ? traces[trace](frame) : null;

        if (count <= 2 * buckets)
        {
            var x = new double[count];
            var y = traces.Select(_ => new double?[count]).ToArray();
            for (var i = 0; i < count; i++)
            {
                var frame = frames[first + i];
                x[i] = frame.TimeSeconds;
                for (var k = 0; k < traces.Count; k++) y[k][i] = Value(frame, k);
            }
            return new(x, y, true);
        }

        var start = frames[first].TimeSeconds;
        var width = (frames[last].TimeSeconds - start) / buckets;
        var xs = new List<double>(2 * buckets);
        var ys = traces.Select(_ => new List<double?>(2 * buckets)).ToArray();
        var i0 = first;
        while (i0 <= last)
        {
            var bucket = width > 0 ? Math.Min(buckets - 1, (int)((frames[i0].TimeSeconds - start) / width)) : 0;
            var i1 = i0;
            while (i1 + 1 <= last && (width <= 0 ? i1 + 1 - i0 < count / buckets + 1 : Math.Min(buckets - 1, (int)((frames[i1 + 1].TimeSeconds - start) / width)) == bucket)) i1++;
            // Each trace's extremes in the bucket: the frames of its lowest and highest value (the first of each
            // when values repeat; the first and last usable frames of a flat trace, both of them extremes).
            var extremes = new (int MinAt, int MaxAt)?[traces.Count];
            for (var k = 0; k < traces.Count; k++)
            {
                int minAt = -1, maxAt = -1, lastAt = -1;
                double min = double.MaxValue, max = double.MinValue;
                for (var i = i0; i <= i1; i++)
                {
                    if (Value(frames[i], k) is not { } v) continue;
                    if (v < min) { min = v; minAt = i; }
                    if (v > max) { max = v; maxAt = i; }
                    lastAt = i;
                }
                if (minAt < 0) continue;
                extremes[k] = min == max ? (minAt, lastAt) : (minAt, maxAt);
            }
            // The points stand at the lead trace's extremes (HPII, else the first trace with values here: the AUs for
            // a blinded rater), so a drawn peak is where its frame is and a click on it seeks to that frame. A bucket
            // with no value at all keeps its first and last frames, so its gap is drawn.
            var (a, b) = Array.Find(extremes, e => e is not null) is { } lead
                ? (Math.Min(lead.MinAt, lead.MaxAt), Math.Max(lead.MinAt, lead.MaxAt))
                : (i0, i1);
            xs.Add(frames[a].TimeSeconds);
            if (b > a) xs.Add(frames[b].TimeSeconds);
            for (var k = 0; k < traces.Count; k++)
            {
                if (extremes[k] is not { } extreme)
                {
                    ys[k].Add(null);
                    if (b > a) ys[k].Add(null);
                    continue;
                }
                var (minAt, maxAt) = extreme;
                var (earlier, later) = (Value(frames[Math.Min(minAt, maxAt)], k), Value(frames[Math.Max(minAt, maxAt)], k));
                if (b > a)
                {
                    // Every trace keeps its own envelope, the extreme that comes first drawn first (the series' shape).
                    ys[k].Add(earlier);
                    ys[k].Add(later);
                }
                // One point (the lead has one usable frame here): the trace's value at that frame, else its peak.
                else ys[k].Add(Value(frames[a], k) ?? Value(frames[maxAt], k));
            }
            i0 = i1 + 1;
        }
        return new(xs.ToArray(), ys.Select(l => l.ToArray()).ToArray(), false);
    }

    /// <summary>The position of the last frame that starts at or before <paramref name="seconds"/> (0 when none does).</summary>
    public static int LastAtOrBefore(IReadOnlyList<ReviewFrame> frames, double seconds)
    {
        int lo = 0, hi = frames.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (frames[mid].TimeSeconds <= seconds + 1e-6) lo = mid; else hi = mid - 1;
        }
        return lo;
    }
}
