using System.Collections.Concurrent;

namespace PainReview.Web.Jobs;

/// <summary>Cancellation of running analyses in this process, by recording.</summary>
public sealed class JobCancellations
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();

    public CancellationTokenSource Register(Guid recordingId, CancellationToken jobToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(jobToken);
        _running[recordingId] = source;
        return source;
    }

    public void Unregister(Guid recordingId, CancellationTokenSource source)
    {
        _running.TryRemove(new KeyValuePair<Guid, CancellationTokenSource>(recordingId, source));
        source.Dispose();
    }

    /// <summary>Asks a running analysis to stop; false when none runs here.</summary>
    public bool Cancel(Guid recordingId)
    {
        if (!_running.TryGetValue(recordingId, out var source)) return false;
        try { source.Cancel(); } catch (ObjectDisposedException) { return false; }
        return true;
    }
}
