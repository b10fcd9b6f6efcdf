using PainReview.Pipeline.Decoding;

namespace PainReview.Pipeline.Tests.Unit;

/// <summary>Which decoder a decode gets: PAINREVIEW_DECODER=ffmpeg (or the options) force the ffmpeg process.</summary>
public sealed class DecoderChoiceTests
{
    private static readonly VideoInfo Eligible = new()
    {
        Path = "/nonexistent/clip.mp4", FileBytes = 1, Container = "mov,mp4,m4a,3gp,3g2,mj2", Codec = "h264", Width = 640, Height = 360,
        Rotation = 0, FrameRate = 30, Duration = TimeSpan.FromSeconds(1), StartTime = TimeSpan.Zero, IsStillImage = false,
        FrameWidth = 640, FrameHeight = 360,
    };

    [Theory]
    [InlineData("ffmpeg", true)]
    [InlineData(" FFmpeg ", true)]
    [InlineData("process", true)]
    [InlineData("inprocess", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void The_environment_variable_forces_the_process(string? value, bool forced) =>
        Assert.Equal(forced, LibavDecoder.ForcedToProcess(value));

    [Fact]
    public void Ffmpeg_in_the_environment_or_the_options_makes_any_input_go_to_the_process()
    {
        Assert.Contains("PAINREVIEW_DECODER=ffmpeg", LibavDecoder.Ineligible(Eligible, new DecodeOptions(), "ffmpeg"));
        Assert.NotNull(LibavDecoder.Ineligible(Eligible, new DecodeOptions { Decoder = DecoderChoice.FfmpegProcess }, null));
        // Otherwise only the libraries' absence would stop it.
        Assert.Equal(LibavDecoder.Unavailable, LibavDecoder.Ineligible(Eligible, new DecodeOptions(), "inprocess"));
        Assert.Equal(LibavDecoder.Unavailable, LibavDecoder.Ineligible(Eligible, new DecodeOptions(), null));
    }

    [Fact]
    public void Inputs_ffmpeg_would_convert_go_to_the_process()
    {
        Assert.NotNull(LibavDecoder.Ineligible(Eligible with { Rotation = 90, FrameWidth = 360, FrameHeight = 640 }, new DecodeOptions(), null));
        Assert.NotNull(LibavDecoder.Ineligible(Eligible with { FrameWidth = 320, FrameHeight = 180 }, new DecodeOptions(), null));
        Assert.NotNull(LibavDecoder.Ineligible(Eligible with { IsStillImage = true }, new DecodeOptions(), null));
        Assert.NotNull(LibavDecoder.Ineligible(Eligible with { Container = "mpegts" }, new DecodeOptions(), null));
        Assert.NotNull(LibavDecoder.Ineligible(Eligible, new DecodeOptions { Layout = PixelLayout.Rgb24 }, null));
        Assert.NotNull(LibavDecoder.Ineligible(Eligible, new DecodeOptions { Start = TimeSpan.FromSeconds(1) }, null));
    }

    [Fact]
    public void Rescaling_rounds_halves_away_from_zero_as_libavutil_does()
    {
        Assert.Equal(2, LibavDecoder.RescaleNearInf(15, 1, 10));
        Assert.Equal(-2, LibavDecoder.RescaleNearInf(-15, 1, 10));
        Assert.Equal(51, LibavDecoder.RescaleNearInf(1_700_000, 30, 1_000_000));
    }
}
