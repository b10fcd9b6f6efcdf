using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PainReview.Data;
using PainReview.Data.Entities;

namespace PainReview.Web.Features.Review;

/// <summary>
/// Makes each analysed recording's playable copy and its APEX thumbnails in the background, right
/// after analysis, so that the first reviewer does not wait for them. A bounded number of
/// encoders (<c>PainReview:MediaEncoders</c>, default 1) work through the queue one recording at
/// a time each; asking twice for one recording queues it once. A recording deleted meanwhile is
/// skipped. The queue itself is in memory: at start-up it takes up again the analysed recordings
/// whose copy or thumbnails are not all made (queued before a restart, or cut short by it), newest
/// first, so that their first viewer does not wait either.
/// </summary>
public sealed class ReviewMediaQueue(IServiceScopeFactory scopes, ReviewMedia media, IOptions<Infrastructure.PortalOptions> options,
    ILogger<ReviewMediaQueue> logger) : BackgroundService
{
    private readonly Channel<Guid> _queue = Channel.CreateUnbounded<Guid>();
    private readonly HashSet<Guid> _queued = [];

    /// <summary>At most this many recordings are taken up again at start-up (the newest); older ones are made when first viewed.</summary>
    public const int ResumeLimit = 1000;

    /// <summary>
    /// Queues a recording's copy and thumbnails (once, however often asked). After an analysis it is
    /// queued even where the copy is made: its spans, and so its thumbnails, may be new.
    /// </summary>
    public void Enqueue(Guid recordingId)
    {
        lock (_queued) if (!_queued.Add(recordingId)) return;
        _queue.Writer.TryWrite(recordingId);
    }

    /// <summary>Recordings waiting or being made now.</summary>
    public int Pending { get { lock (_queued) return _queued.Count; } }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Only where analyses run (and so feed this queue): a separate web process leaves it to its workers.
        if (options.Value.RunsJobs) await ResumeAsync(stoppingToken);
        await Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Value.MediaEncoders)).Select(_ => WorkAsync(stoppingToken)));
    }

    /// <summary>Queues the analysed recordings whose copy or thumbnails are not all made, newest first; returns how many.</summary>
    public async Task<int> ResumeAsync(CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PainReviewDbContext>();
            var analysed = await db.Recordings.AsNoTracking().Where(r => r.Status == RecordingStatus.Completed)
                .OrderByDescending(r => r.CompletedUtc).Select(r => r.Id).Take(ResumeLimit).ToListAsync(ct);
            var unfinished = analysed.Where(id => !media.IsPrepared(id)).ToList();
            foreach (var id in unfinished) Enqueue(id);
            if (unfinished.Count > 0) logger.LogInformation("Making the playable copy and thumbnails of {Count} analysed recordings in the background.", unfinished.Count);
            return unfinished.Count;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The queue still works for new analyses, and a viewer still gets the copy made on request.
            logger.LogWarning(e, "The recordings still waiting for their playable copy could not be listed.");
            return 0;
        }
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await PrepareAsync(id, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A viewer still gets the copy made on request.
                logger.LogWarning(e, "The playable copy of recording {Id} could not be made in the background.", id);
            }
            finally
            {
                lock (_queued) _queued.Remove(id);
            }
        }
    }

    private async Task PrepareAsync(Guid id, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PainReviewDbContext>();
        var recording = await db.Recordings.AsNoTracking().Where(r => r.Id == id && r.Status == RecordingStatus.Completed)
            .Select(r => new { r.StoredFileName }).SingleOrDefaultAsync(ct);
        if (recording is null) return;
        await media.EnsurePlayableAsync(id, recording.StoredFileName, ct);
        // Then the thumbnail of each APEX span's peak, one at a time (the span list shows them).
        var frames = await db.FrameResults.AsNoTracking().Where(f => f.RecordingId == id).OrderBy(f => f.FrameIndex)
            .Select(f => new ReviewFrame(f.FrameIndex, f.TimeSeconds, f.Usable, null, null, null, null, f.Hpii, f.Apex, false)).ToListAsync(ct);
        var times = frames.ToDictionary(f => f.Index, f => f.TimeSeconds);
        foreach (var span in ReviewModel.FindSpans(frames))
        {
            if (!await db.Recordings.AnyAsync(r => r.Id == id, ct)) return; // deleted meanwhile
            await media.EnsureThumbnailAsync(id, recording.StoredFileName, span.PeakFrame, times[span.PeakFrame], ct);
        }
        media.MarkPrepared(id);
    }
}
