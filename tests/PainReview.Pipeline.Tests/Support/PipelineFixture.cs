using PainReview.Pipeline.Decoding;
using PainReview.Pipeline.Faces;

namespace PainReview.Pipeline.Tests.Support;

/// <summary>One face pipeline (models loaded once) shared by the integration tests of a class.</summary>
public sealed class PipelineFixture : IDisposable
{
    private readonly Lazy<FacePipeline> _pipeline = new(() => new FacePipeline(TestEnvironment.Models));

    public FacePipeline Pipeline => _pipeline.Value;

    public async Task<(PipelineRun Run, List<FrameGeometry> Frames)> RunAsync(string path, DecodeOptions? decode = null)
    {
        var info = await VideoProbe.ProbeAsync(path, decode, cancellationToken: TestContext.Current.CancellationToken);
        var frames = new List<FrameGeometry>();
        var run = await Pipeline.RunAsync(info, frames.Add, decode, cancellationToken: TestContext.Current.CancellationToken);
        return (run, frames);
    }

    public void Dispose()
    {
        if (_pipeline.IsValueCreated) _pipeline.Value.Dispose();
    }
}
