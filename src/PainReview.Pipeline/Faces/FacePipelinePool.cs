using System.Collections.Concurrent;
using PainReview.Pipeline.Models;

namespace PainReview.Pipeline.Faces;

/// <summary>
/// Face pipelines (each holds its own ONNX sessions) for concurrent analyses: created on first use,
/// reused, one per analysis running at a time. Thread-safe; dispose it to release every session.
/// </summary>
public sealed class FacePipelinePool(ModelDirectory models, InferenceOptions inference) : IDisposable
{
    private readonly ConcurrentBag<FacePipeline> _idle = [];
    private readonly ConcurrentBag<FacePipeline> _all = [];
    private readonly Lazy<CanonicalFace> _canonical = new(() => CanonicalFace.Load(models.File(ModelCatalog.CanonicalFace)));

    public ModelDirectory Models => models;

    /// <summary>The canonical face (the population neutral), for scoring stored frames without a pipeline.</summary>
    public CanonicalFace Canonical => _canonical.Value;

    /// <summary>A pipeline for one analysis; disposing the lease returns it to the pool.</summary>
    public Lease Rent()
    {
        if (!_idle.TryTake(out var pipeline))
        {
            pipeline = new FacePipeline(models, inference);
            _all.Add(pipeline);
        }
        return new Lease(this, pipeline);
    }

    public readonly struct Lease(FacePipelinePool pool, FacePipeline pipeline) : IDisposable
    {
        public FacePipeline Pipeline => pipeline;
        public void Dispose() => pool._idle.Add(pipeline);
    }

    public void Dispose()
    {
        foreach (var p in _all) p.Dispose();
    }
}
