using System.Collections.Concurrent;
using System.Globalization;
using FFMpegCore;
using PainReview.Pipeline.Decoding;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Features.Review;

/// <summary>
/// What browsers can show: an H.264 MP4 copy of each recording (uploads arrive as WMV, HEVC,
/// Cinepak...) keeping every frame's timestamp, and JPEG thumbnails of single frames. Both are
/// made with ffmpeg on first request and cached beside the original. Every ffmpeg run reads its
/// input through <see cref="SafeInput"/>: a stored file is never allowed to name other files.
/// </summary>
public sealed class ReviewMedia(VideoStore store, ILogger<ReviewMedia> logger)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(store.Root, name)).FullName;

    public async Task<string> EnsurePlayableAsync(Guid recordingId, string storedFileName, CancellationToken cancellationToken = default)
    {
        var target = Path.Combine(Folder("playback"), $"{recordingId:N}.mp4");
        return await OnceAsync(target, async () =>
        {
            var temporary = target + ".partial.mp4";
            // passthrough keeps one output frame per decoded frame at its own time, so the
            // player's currentTime and the analysis's time_s name the same frame.
            await FFMpegArguments.FromFileInput(store.PathOf(storedFileName), true, o => o.WithCustomArgument(SafeInput.Arguments))
                .OutputToFile(temporary, overwrite: true, o => o
                    .WithCustomArgument("-map 0:v:0 -an -sn -dn -fps_mode passthrough -c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p -vf scale=trunc(iw/2)*2:trunc(ih/2)*2 -movflags +faststart"))
                .CancellableThrough(cancellationToken)
                .ProcessAsynchronously();
            File.Move(temporary, target, overwrite: true);
            logger.LogInformation("Made the playable copy of recording {Id}.", recordingId);
        });
    }

    public async Task<string> EnsureThumbnailAsync(Guid recordingId, string storedFileName, int frameIndex, double seconds, CancellationToken cancellationToken = default)
    {
        var target = Path.Combine(Folder(Path.Combine("thumbnails", recordingId.ToString("N"))), $"{frameIndex}.jpg");
        var playable = await EnsurePlayableAsync(recordingId, storedFileName, cancellationToken);
        return await OnceAsync(target, async () =>
        {
            var at = seconds.ToString("0.######", CultureInfo.InvariantCulture);
            await FFMpegArguments.FromFileInput(playable, true, o => o.WithCustomArgument($"{SafeInput.Arguments} -ss {at}"))
                .OutputToFile(target + ".partial.jpg", overwrite: true, o => o.WithCustomArgument("-frames:v 1 -vf scale=240:-2 -q:v 4"))
                .CancellableThrough(cancellationToken)
                .ProcessAsynchronously();
            File.Move(target + ".partial.jpg", target, overwrite: true);
        });
    }

    public void Delete(Guid recordingId)
    {
        var playable = Path.Combine(Folder("playback"), $"{recordingId:N}.mp4");
        if (File.Exists(playable)) File.Delete(playable);
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
