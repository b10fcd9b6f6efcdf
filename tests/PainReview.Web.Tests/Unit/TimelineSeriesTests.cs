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
