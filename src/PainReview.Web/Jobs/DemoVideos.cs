using PainReview.Data.Demo;
using PainReview.Pipeline.Decoding;

namespace PainReview.Web.Jobs;

/// <summary>The pipeline's probe for demo studies (the data project does not reference the pipeline).</summary>
public static class DemoVideos
{
    public static async Task<DemoVideo> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var v = await VideoProbe.ProbeAsync(path, cancellationToken: cancellationToken);
            return new DemoVideo(v.Container, v.Codec, v.Width, v.Height, v.Rotation, v.FrameRate, v.Duration, v.IsStillImage);
        }
        catch (VideoInputException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }
}
