using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Decoding;
using PainReview.Pipeline.Faces;

namespace PainReview.Pipeline.Tests.Integration;

/// <summary>
/// Integration (real clip and models): two lanes on alternate frames give the same results on every
/// run whatever the thread timing, agree with one lane, and the rgb24 and planar decodes agree.
/// </summary>
public sealed class LanesTests
{
    private static async Task<RecordingAnalysis> AnalyzeAsync(int lanes, string clip = "WolfgangLanger_Pexels.mp4", DecodeOptions? decode = null)
    {
        using var pipeline = new FacePipeline(TestEnvironment.Models) { Lanes = lanes };
        return await new RecordingAnalyzer(pipeline).AnalyzeAsync(TestEnvironment.Clip(clip), decode: decode,
            cancellationToken: TestContext.Current.CancellationToken);
    }

    private static double Correlation(IReadOnlyList<FrameRecord> a, IReadOnlyList<FrameRecord> b, Func<FrameRecord, double?> value)
    {
        var pairs = a.Zip(b).Where(p => value(p.First).HasValue && value(p.Second).HasValue).ToList();
        return Scoring.AuAgreement.Pearson(pairs.Select(p => value(p.First)!.Value).ToList(), pairs.Select(p => value(p.Second)!.Value).ToList()) ?? 0;
    }

    [Fact]
    public async Task Two_lanes_are_deterministic_and_agree_with_one()
    {
        var first = await AnalyzeAsync(2);
        var second = await AnalyzeAsync(2);
        Assert.Equal(first.Frames.Select(f => f.Index), Enumerable.Range(0, 472)); // in frame order
        Assert.Equal(first.Frames.Select(f => f.Hpii), second.Frames.Select(f => f.Hpii));
        Assert.Equal(first.Frames.Select(f => f.Pitch), second.Frames.Select(f => f.Pitch));

        var one = await AnalyzeAsync(1);
        Assert.True(Correlation(first.Frames, one.Frames, f => f.Hpii) > 0.98);
        var agree = first.Frames.Zip(one.Frames).Count(p => p.First.Apex == p.Second.Apex) / (double)first.Frames.Count;
        Assert.True(agree > 0.95, $"APEX agreement {agree:0.000}");
    }

    [Fact]
    public async Task Planar_and_rgb24_decoding_give_the_same_scores()
    {
        var planar = await AnalyzeAsync(1);
        var rgb = await AnalyzeAsync(1, decode: new DecodeOptions { Layout = PixelLayout.Rgb24 });
        Assert.True(Correlation(planar.Frames, rgb.Frames, f => f.Hpii) > 0.99);
        Assert.True(Correlation(planar.Frames, rgb.Frames, f => f.Pitch) > 0.99);
    }
}
