using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Faces;

namespace PainReview.Pipeline.Tests.Unit;

/// <summary>Unit: what a store keeps of a frame for re-scoring, and configuration checks that name every mistake.</summary>
public sealed class StoredFramesTests
{
    [Fact]
    public void Features_round_trip_as_little_endian_float32()
    {
        float[] features = [1.5f, -0.25f, float.Epsilon, 1234.5678f];
        var blob = StoredFrames.Pack(features);
        Assert.Equal(16, blob.Length);
        // 1.5f is 0x3FC00000: little-endian bytes 00 00 C0 3F.
        Assert.Equal(new byte[] { 0x00, 0x00, 0xC0, 0x3F }, blob[..4]);
        Assert.Equal(features, StoredFrames.Unpack(blob, 4));
        Assert.Null(StoredFrames.Unpack(blob, 5)); // another feature count: not this build's features
        Assert.False(StoredFrames.Scorable(face: true, blob, 4) && FaceFeatures.Count != 4);
        Assert.True(StoredFrames.Scorable(face: false, null, 0));
    }

    [Fact]
    public void A_rebuilt_frame_is_usable_by_the_configurations_pose_limits()
    {
        var features = new float[FaceFeatures.Count];
        var q = new QualityOptions { MaxAbsYaw = 20 };
        var turned = StoredFrames.Rebuild(0, 0, true, 0.9f, 30, 0, 0, true, false, false, features, q);
        Assert.False(turned.Usable);
        Assert.False(turned.PoseOk);
        var frontal = StoredFrames.Rebuild(1, 0.04, true, 0.9f, 10, 5, -3, true, false, false, features, q);
        Assert.True(frontal.Usable);
        var noFace = StoredFrames.Rebuild(2, 0.08, false, 0, null, null, null, false, false, false, null, q);
        Assert.False(noFace.Usable);
        Assert.Null(noFace.Features);
    }

    [Fact]
    public void Every_mistake_of_a_configuration_gets_its_own_sentence()
    {
        var config = new AnalysisConfig
        {
            Baseline = new BaselineConfig { Mode = BaselineMode.Range, RangeStartSeconds = 3, RangeEndSeconds = 1, Percentile = 120 },
            Hpii = new HpiiConfig { W4 = double.NaN, W67 = -1 },
            Apex = new ApexConfig { Quantile = 0 },
            Quality = new QualityOptions { MaxAbsPitch = 200 },
        };
        var problems = config.Problems();
        Assert.Equal(
        [
            "baseline.percentile must be between 0 and 100.",
            "baseline mode Range needs rangeStartSeconds < rangeEndSeconds.",
            "apex.quantile must be between 0 and 1 (exclusive).",
            "hpii.w4 must be a number from 0 to 100; it is NaN.",
            "hpii.w67 must be a number from 0 to 100; it is -1.",
            "quality.maxAbsPitch must be an angle above 0 and at most 180 degrees; it is 200.",
        ], problems);
        var e = Assert.Throws<InvalidDataException>(config.Validate);
        Assert.Equal(string.Join(" ", problems), e.Message);
        Assert.Empty(new AnalysisConfig().Problems());
    }
}
