using PainReview.Web.Features.Review;

namespace PainReview.Web.Tests.Unit;

/// <summary>Unit: the review timeline's decimation keeps every bucket's extremes and gaps, and is exact when zoomed in.</summary>
public sealed class TimelineSeriesTests
{
    private static List<ReviewFrame> Frames(int count, Func<int, double?> hpii, Func<int, bool>? usable = null) =>
        Enumerable.Range(0, count).Select(i => new ReviewFrame(i, i / 30.0, usable?.Invoke(i) ?? true, 1, 1, 1, 1, hpii(i), false)).ToList();

    private static readonly Func<ReviewFrame, double?>[] Hpii = [f => f.Hpii];

    [Fact]
    public void A_short_recording_is_drawn_with_every_frame()
    {
        var frames = Frames(900, i => i % 7, i => i != 10);
        var series = TimelineSeries.Of(frames, Hpii);
        Assert.True(series.Exact);
        Assert.Equal(frames.Select(f => f.TimeSeconds), series.X);
        Assert.Null(series.Y[0][10]);
        Assert.Equal(6, series.Y[0][6]);
    }

    [Fact]
    public void Thirty_minutes_become_two_points_per_bucket_and_keep_every_peak_and_dip()
    {
        // 54,000 frames of a slow wave with one-frame spikes up and down.
        var frames = Frames(54_000, i => i == 12_345 ? 50 : i == 40_001 ? -50 : Math.Sin(i / 500.0), i => i is < 20_000 or >= 20_200);
        var series = TimelineSeries.Of(frames, Hpii);
        Assert.False(series.Exact);
        Assert.InRange(series.X.Length, 2900, 3000);
        Assert.Equal(series.X.Length, series.Y[0].Length);
        Assert.Contains(50.0, series.Y[0]);
        Assert.Contains(-50.0, series.Y[0]);
        // Every x is a real frame time (a click seeks to a frame), in order.
        var times = frames.Select(f => f.TimeSeconds).ToHashSet();
        Assert.All(series.X, x => Assert.Contains(x, times));
        Assert.True(series.X.Zip(series.X.Skip(1)).All(p => p.First < p.Second));
        // The 200 frames without a face (6.7 s, five buckets) stay a gap where whole buckets have no face.
        var gap = series.X.Select((x, i) => (x, y: series.Y[0][i])).Where(p => p.x is > 20_060 / 30.0 and < 20_140 / 30.0).ToList();
        Assert.NotEmpty(gap);
        Assert.All(gap, p => Assert.Null(p.y));
        // The extremes of each bucket come from the frames themselves.
        Assert.Equal(frames.Max(f => f.Hpii), series.Y[0].Max());
        Assert.Equal(frames.Min(f => f.Hpii), series.Y[0].Min());
    }

    /// <summary>HPII and the four AUs, as the review page draws them.</summary>
    private static readonly Func<ReviewFrame, double?>[] Five =
        [f => f.Hpii, f => f.Au04, f => f.Au06, f => f.Au07, f => f.Au09];

    /// <summary>30 minutes at 30 fps: 54,000 frames, 1,000 overview buckets of 54 frames (1.8 s) each.</summary>
    private static List<ReviewFrame> Recording(Func<int, double?> hpii, Func<int, float?> au, Func<int, bool>? usable = null) =>
        Enumerable.Range(0, 54_000).Select(i => new ReviewFrame(i, i / 30.0, usable?.Invoke(i) ?? true, au(i), au(i) is { } v ? v + 1 : null, au(i) is { } w ? -w : null, 2, hpii(i), false)).ToList();

    /// <summary>The frames of each overview bucket, as <see cref="TimelineSeries.Of"/> cuts them.</summary>
    private static List<List<ReviewFrame>> Buckets(List<ReviewFrame> frames, int buckets)
    {
        var start = frames[0].TimeSeconds;
        var width = (frames[^1].TimeSeconds - start) / buckets;
        return frames.GroupBy(f => Math.Min(buckets - 1, (int)((f.TimeSeconds - start) / width))).Select(g => g.ToList()).ToList();
    }

    [Fact]
    public void An_overview_peak_is_drawn_at_its_own_frame_so_a_click_on_it_seeks_there()
    {
        // A sharp HPII peak in the middle of a bucket (frame 27_027: bucket 500, frames 27_000-27_053), on a slow wave.
        const int peak = 27_027;
        var frames = Recording(i => i == peak ? 9 : Math.Sin(i / 700.0), i => (float)Math.Cos(i / 90.0));
        var series = TimelineSeries.Of(frames, Five, buckets: TimelineSeries.OverviewBuckets);
        Assert.False(series.Exact);
        var at = Array.IndexOf(series.X, peak / 30.0);
        Assert.True(at >= 0, "a point stands at the peak frame's time");
        Assert.Equal(9, series.Y[0][at]);
        Assert.Equal(peak / 30.0, series.X[Array.IndexOf(series.Y[0], 9.0)]);
        // One shared x, at most two points a bucket, every x a frame's time, in order.
        Assert.All(series.Y, y => Assert.Equal(series.X.Length, y.Length));
        Assert.InRange(series.X.Length, TimelineSeries.OverviewBuckets, 2 * TimelineSeries.OverviewBuckets);
        var times = frames.Select(f => f.TimeSeconds).ToHashSet();
        Assert.All(series.X, x => Assert.Contains(x, times));
        Assert.True(series.X.Zip(series.X.Skip(1)).All(p => p.First < p.Second));
        // Every bucket's points stand at HPII's extremes there.
        var byTime = frames.ToDictionary(f => f.TimeSeconds);
        Assert.All(series.X.Select((x, i) => (x, i)), p => Assert.Equal(byTime[p.x].Hpii, series.Y[0][p.i]));
        // The AUs keep their own extremes per bucket, in their time order, at those points.
        AssertEnvelopes(frames, series, [1, 2, 3, 4]);
    }

    /// <summary>Every bucket of the overview shows each trace's own lowest and highest value, the earlier one first.</summary>
    private static void AssertEnvelopes(List<ReviewFrame> frames, TimelineSeries series, int[] tracesToCheck)
    {
        var position = 0;
        foreach (var bucket in Buckets(frames, TimelineSeries.OverviewBuckets))
        {
            var points = series.X.Skip(position).TakeWhile(x => x <= bucket[^1].TimeSeconds).Count();
            Assert.InRange(points, 1, 2);
            Assert.All(series.X.Skip(position).Take(points), x => Assert.InRange(x, bucket[0].TimeSeconds, bucket[^1].TimeSeconds));
            foreach (var k in tracesToCheck)
            {
                var values = bucket.Select(f => Five[k](f)).OfType<double>().ToList();
                var drawn = series.Y[k].Skip(position).Take(points).ToList();
                var (min, max) = (values.Min(), values.Max());
                var (minAt, maxAt) = (values.IndexOf(min), values.IndexOf(max));
                Assert.Equal(min == max ? [min, max] : minAt < maxAt ? [min, max] : new double?[] { max, min }, drawn);
            }
            position += points;
        }
        Assert.Equal(series.X.Length, position);
    }

    [Fact]
    public void A_blinded_overview_is_led_by_the_action_units()
    {
        // No HPII anywhere (a blinded rater); AU4 has one sharp peak mid-bucket.
        const int peak = 12_345;
        var frames = Recording(_ => null, i => i == peak ? 5f : (float)Math.Sin(i / 300.0));
        var series = TimelineSeries.Of(frames, Five, buckets: TimelineSeries.OverviewBuckets);
        Assert.All(series.Y[0], Assert.Null);
        var at = Array.IndexOf(series.X, peak / 30.0);
        Assert.True(at >= 0, "a point stands at the AU peak frame's time");
        Assert.Equal(5, series.Y[1][at]);
        Assert.True(series.X.Zip(series.X.Skip(1)).All(p => p.First < p.Second));
        AssertEnvelopes(frames, series, [1, 2, 3, 4]);
    }

    [Fact]
    public void A_bucket_with_one_usable_frame_is_one_point_and_a_bucket_without_any_a_gap()
    {
        // Bucket 100 (frames 5_400-5_453) has a face in frame 5_420 only; bucket 200 (frames 10_800-10_853) none.
        var frames = Recording(i => i / 10.0, i => i % 3, i => i is < 5_400 or > 5_453 or 5_420 && i is < 10_800 or > 10_853);
        var series = TimelineSeries.Of(frames, Five, buckets: TimelineSeries.OverviewBuckets);
        var inBucket = series.X.Select((x, i) => (x, i)).Where(p => p.x >= 5_400 / 30.0 && p.x <= 5_453 / 30.0).ToList();
        var single = Assert.Single(inBucket);
        Assert.Equal(5_420 / 30.0, single.x);
        Assert.Equal(542, series.Y[0][single.i]);
        Assert.Equal(5_420 % 3, series.Y[1][single.i]);
        var gap = series.X.Select((x, i) => i).Where(i => series.X[i] >= 10_800 / 30.0 && series.X[i] <= 10_853 / 30.0).ToList();
        Assert.NotEmpty(gap);
        Assert.All(series.Y, y => Assert.All(gap, i => Assert.Null(y[i])));
        Assert.True(series.X.Zip(series.X.Skip(1)).All(p => p.First < p.Second));
        // A rising HPII: a full bucket's points stand at its first and last frames (its lowest and highest HPII).
        Assert.Contains(0.0, series.X);
        Assert.Contains(53 / 30.0, series.X);
    }

    [Fact]
    public void A_zoomed_range_is_exact_and_runs_to_its_edges()
    {
        var frames = Frames(54_000, i => i);
        // From the frame shown at the left edge to the first frame past the right edge.
        var series = TimelineSeries.Of(frames, Hpii, from: 100.01, to: 110.01);
        Assert.True(series.Exact);
        Assert.Equal(3000 / 30.0, series.X[0], 9);
        Assert.Equal(3301 / 30.0, series.X[^1], 9);
        Assert.Equal(302, series.X.Length);
        Assert.Equal(Enumerable.Range(3000, 302).Select(i => (double?)i), series.Y[0]);
    }

    [Fact]
    public void Frames_of_a_recording_find_spans_and_smiles_once()
    {
        var frames = Enumerable.Range(0, 20).Select(i => new ReviewFrame(i, i / 30.0, true, 1, 1, 1, 1, i, i is >= 3 and <= 5 or >= 10 and <= 13, Smile: i is 10 or 11 or 12)).ToList();
        var analysis = new ReviewFrames(frames);
        Assert.Equal([3, 10], analysis.Spans.Select(s => s.First));
        Assert.False(analysis.IsSmileSpan(analysis.Spans[0]));
        Assert.True(analysis.IsSmileSpan(analysis.Spans[1]));
        Assert.Equal(1, analysis.SmileSpanCount);
        Assert.Equal(13, analysis.Spans[1].PeakFrame);
        Assert.Equal(12 / 30.0, analysis.ByIndex(12)!.TimeSeconds);
        Assert.Null(analysis.ByIndex(99));
        Assert.Equal(3, analysis.ApexThreshold);
    }
}
