using System.Collections.Concurrent;
using System.Globalization;
using FFMpegCore;
using PainReview.Pipeline.Decoding;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Features.Review;

/// <summary>
/// What browsers can show: an H.264 MP4 copy of each recording (uploads arrive as WMV, HEVC,
/// Cinepak...) keeping every frame's timestamp, at most 720 lines high, and JPEG thumbnails of
/// single frames. The background queue (<see cref="ReviewMediaQueue"/>) makes both right after
/// analysis; a viewer who comes first gets them made on request. Never more than
/// <c>PainReview:MediaEncoders</c> copies are encoded at once. Every ffmpeg run reads its input
/// through <see cref="SafeInput"/>: a stored file is never allowed to name other files.
/// </summary>
public sealed class ReviewMedia(VideoStore store, ILogger<ReviewMedia> logger, Microsoft.Extensions.Options.IOptions<Infrastructure.PortalOptions> options)
{
    /// <summary>The playable copy's greatest height: enough to see a face, small enough to seek in quickly.</summary>
    public const int MaxHeight = 720;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();
    private readonly SemaphoreSlim _encoders = new(Math.Max(1, options.Value.MediaEncoders));
    private readonly SemaphoreSlim _thumbnails = new(2);

    private string PlayablePath(Guid recordingId) => Path.Combine(Folder("playback"), $"{recordingId:N}.mp4");
    private string ThumbnailPath(Guid recordingId, int frameIndex) => Path.Combine(Folder(Path.Combine("thumbnails", recordingId.ToString("N"))), $"{frameIndex}.jpg");

    /// <summary>The playable copy is made (the page can show the video without waiting).</summary>
    public bool IsPlayableReady(Guid recordingId) => File.Exists(PlayablePath(recordingId));

    /// <summary>Written once the background queue has made the copy and every span's thumbnail (it lives and goes with the thumbnails).</summary>
    private string PreparedPath(Guid recordingId) => Path.Combine(store.Root, "thumbnails", recordingId.ToString("N"), "prepared");

    /// <summary>The playable copy and all the thumbnails the background queue makes are there.</summary>
    public bool IsPrepared(Guid recordingId) => IsPlayableReady(recordingId) && File.Exists(PreparedPath(recordingId));

    /// <summary>Notes that the copy and every thumbnail are made (the queue need not come back to this recording after a restart).</summary>
    public void MarkPrepared(Guid recordingId)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PreparedPath(recordingId))!);
        File.WriteAllText(PreparedPath(recordingId), DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
    }

    /// <summary>How many copies are being encoded now (never more than the configured number).</summary>
    public int EncodingNow => Math.Max(1, options.Value.MediaEncoders) - _encoders.CurrentCount;

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(store.Root, name)).FullName;

    /// <summary>The playable copy, made now if it is not there yet (waiting for a free encoder).</summary>
    public async Task<string> EnsurePlayableAsync(Guid recordingId, string storedFileName, CancellationToken cancellationToken = default)
    {
        var target = PlayablePath(recordingId);
        return await OnceAsync(target, async () =>
        {
            var temporary = target + ".partial.mp4";
            var source = store.PathOf(storedFileName);
            if (!File.Exists(source))
                throw new MediaUnavailableException("This recording's video file is no longer in the store, so it cannot be played.", StatusCodes.Status404NotFound);
            await _encoders.WaitAsync(cancellationToken);
            try
            {
                // passthrough keeps one output frame per decoded frame at its own time, so the
                // player's currentTime and the analysis's time_s name the same frame.
                await FFMpegArguments.FromFileInput(source, true, o => o.WithCustomArgument(SafeInput.Arguments))
                    .OutputToFile(temporary, overwrite: true, o => o
                        .WithCustomArgument("-map 0:v:0 -an -sn -dn -fps_mode passthrough -c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p "
                            + $"-vf \"scale='trunc(iw*min(1,{MaxHeight}/ih)/2)*2':'trunc(min(ih,{MaxHeight})/2)*2'\" -movflags +faststart"))
                    .CancellableThrough(cancellationToken)
                    .ProcessAsynchronously();
            }
            catch (FFMpegCore.Exceptions.FFMpegException e)
            {
                logger.LogWarning(e, "The playable copy of recording {Id} could not be made.", recordingId);
                if (File.Exists(temporary)) File.Delete(temporary);
                throw new MediaUnavailableException("This recording's video could not be converted for the browser; its analysis is unaffected.", StatusCodes.Status422UnprocessableEntity, e);
            }
            finally
            {
                _encoders.Release();
            }
            File.Move(temporary, target, overwrite: true);
            logger.LogInformation("Made the playable copy of recording {Id}.", recordingId);
        });
    }

    public async Task<string> EnsureThumbnailAsync(Guid recordingId, string storedFileName, int frameIndex, double seconds, CancellationToken cancellationToken = default)
    {
        var target = ThumbnailPath(recordingId, frameIndex);
        if (File.Exists(target)) return target;
        var playable = await EnsurePlayableAsync(recordingId, storedFileName, cancellationToken);
        return await OnceAsync(target, async () =>
        {
            var at = seconds.ToString("0.######", CultureInfo.InvariantCulture);
            await _thumbnails.WaitAsync(cancellationToken);
            try
            {
                await FFMpegArguments.FromFileInput(playable, true, o => o.WithCustomArgument($"{SafeInput.Arguments} -ss {at}"))
                    .OutputToFile(target + ".partial.jpg", overwrite: true, o => o.WithCustomArgument("-frames:v 1 -vf scale=240:-2 -q:v 4"))
                    .CancellableThrough(cancellationToken)
                    .ProcessAsynchronously();
            }
            finally
            {
                _thumbnails.Release();
            }
            File.Move(target + ".partial.jpg", target, overwrite: true);
        });
    }

    public void Delete(Guid recordingId)
    {
        var playable = PlayablePath(recordingId);
        if (File.Exists(playable)) File.Delete(playable);
        if (File.Exists(playable + ".partial.mp4")) File.Delete(playable + ".partial.mp4");
        var thumbnails = Path.Combine(store.Root, "thumbnails", recordingId.ToString("N"));
        if (Directory.Exists(thumbnails)) Directory.Delete(thumbnails, recursive: true);
    }

    private async Task<string> OnceAsync(string target, Func<Task> make)
    {
        if (File.Exists(target)) return target;
        var gate = _locks.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            if (!File.Exists(target)) await make();
            return target;
        }
        finally
        {
            gate.Release();
        }
    }
}

/// <summary>The recording's video cannot be shown (its file is gone, or ffmpeg could not convert it): a sentence, never a 500.</summary>
public sealed class MediaUnavailableException(string message, int statusCode, Exception? cause = null) : Recordings.PortalValidationException(message, cause)
{
    public override int StatusCode => statusCode;
}
