using PainReview.Pipeline.Decoding;
using PainReview.Web.Jobs;

namespace PainReview.Web.Tests.Unit;

/// <summary>
/// Unit: an analysis decodes in the portal's own process only on its first attempt; a retry (after a failure,
/// or after a worker died mid-run, as a decoder crash on a damaged file would kill it) runs the ffmpeg process,
/// so one file cannot take the portal down again and again.
/// </summary>
public sealed class AnalysisDecoderTests
{
    [Theory]
    [InlineData(1, DecoderChoice.Auto)]
    [InlineData(2, DecoderChoice.FfmpegProcess)]
    [InlineData(AnalyzeRecordingJob.MaxAttempts, DecoderChoice.FfmpegProcess)]
    public void Only_the_first_attempt_may_decode_in_process(int attempt, DecoderChoice expected) =>
        Assert.Equal(expected, AnalyzeRecordingJob.DecoderFor(attempt));
}
