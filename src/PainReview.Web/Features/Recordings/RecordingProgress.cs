namespace PainReview.Web.Features.Recordings;

/// <summary>A recording's state as pages show it live.</summary>
public readonly record struct RecordingUpdate(Guid RecordingId, Guid StudyId, PainReview.Data.Entities.RecordingStatus Status, double Progress, string? Error);

/// <summary>
/// Pushes job progress to open pages (eShop's notification pattern): components subscribe and
/// dispose the subscription when they go away.
/// </summary>
public sealed class RecordingProgress
{
    private readonly Lock _lock = new();
    private readonly List<Action<RecordingUpdate>> _listeners = [];

    public IDisposable Subscribe(Action<RecordingUpdate> listener)
    {
        lock (_lock) _listeners.Add(listener);
        return new Subscription(() => { lock (_lock) _listeners.Remove(listener); });
    }

    public void Publish(RecordingUpdate update)
    {
        Action<RecordingUpdate>[] listeners;
        lock (_lock) listeners = [.. _listeners];
        foreach (var listener in listeners)
        {
            try { listener(update); }
            catch (ObjectDisposedException) { /* a page closed while we were notifying it */ }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
