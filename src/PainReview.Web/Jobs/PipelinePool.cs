using System.Collections.Concurrent;
using PainReview.Pipeline.Faces;
using PainReview.Pipeline.Models;

namespace PainReview.Web.Jobs;

/// <summary>
/// Face pipelines (each holds its own ONNX sessions) for the job workers: created on first use,
/// reused, one per concurrent analysis.
/// </summary>
public sealed class PipelinePool(ModelDirectory models, Microsoft.Extensions.Options.IOptions<Infrastructure.PortalOptions> options) : IDisposable
{
    private readonly ConcurrentBag<FacePipeline> _idle = [];
    private readonly ConcurrentBag<FacePipeline> _all = [];

    public ModelDirectory Models => models;

    private CanonicalFace? _canonical;

    /// <summary>The canonical face (the population neutral), for scoring stored frames without a pipeline.</summary>
    public CanonicalFace Canonical => _canonical ??= CanonicalFace.Load(models.File(ModelCatalog.CanonicalFace));

    public Lease Rent()
    {
        if (!_idle.TryTake(out var pipeline))
        {
            pipeline = new FacePipeline(models, new InferenceOptions { Provider = options.Value.ExecutionProvider });
            _all.Add(pipeline);
        }
        return new Lease(this, pipeline);
    }

    public readonly struct Lease(PipelinePool pool, FacePipeline pipeline) : IDisposable
    {
        public FacePipeline Pipeline => pipeline;
        public void Dispose() => pool._idle.Add(pipeline);
    }

    public void Dispose()
    {
        foreach (var p in _all) p.Dispose();
    }
}
