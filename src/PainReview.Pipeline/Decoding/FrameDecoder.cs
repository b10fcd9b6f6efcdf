using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using FFMpegCore;
using FFMpegCore.Pipes;

namespace PainReview.Pipeline.Decoding;

/// <summary>
/// Streams decoded frames (planar YUV 4:2:0 for the face pipeline, rgb24 on request) from ffmpeg through a pipe. Only a handful of frames are ever in
/// memory (a bounded channel between the ffmpeg reader and the consumer), whatever the video's length.
/// </summary>
public static partial class FrameDecoder
{
    /// <summary>Frames decoded ahead of the consumer; bounds memory.</summary>
    public const int Lookahead = 4;

    public static async IAsyncEnumerable<VideoFrame> DecodeAsync(VideoInfo info, DecodeOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        DecoderActivity.Decoded();
        options ??= new DecodeOptions();
        int width = info.FrameWidth, height = info.FrameHeight;
        var layout = options.Layout;
        var frameBytes = FrameImage.ByteCount(width, height, layout);
        var step = Math.Max(1, options.FrameStep);
        var channel = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(Lookahead)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var timestamps = new TimestampBoard();
        var errors = new ConcurrentQueue<string>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var produced = 0;

        var sink = new StreamPipeSink(async (stream, token) =>
        {
            while (!token.IsCancellationRequested)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(frameBytes);
                var read = await stream.ReadAtLeastAsync(buffer.AsMemory(0, frameBytes), frameBytes, throwOnEndOfStream: false, token);
                if (read < frameBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }
                var index = produced;
                var pts = await timestamps.WaitAsync(index, stop.Token);
                var offset = options.Start?.TotalSeconds ?? 0;
                var time = offset + (pts.HasValue ? Math.Max(0, pts.Value - (options.Start is null ? info.StartTime.TotalSeconds : 0)) : index / info.FrameRate);
                var frame = new VideoFrame(index * step, time, width, height, buffer, layout);
                try
                {
                    // Not ffmpeg's token: it fires when the process exits, while the last frames are still queued.
                    await channel.Writer.WriteAsync(frame, stop.Token);
                }
                catch
                {
                    frame.Dispose();
                    throw;
                }
                produced++;
            }
        });

        // showinfo reports each frame's presentation time on stderr (without its per-plane checksums, which
        // cost a quarter of the decode); passthrough keeps one output
        // frame per decoded frame (no duplicates for variable frame rate); scale fixes the size.
        var filters = (step > 1 ? $"select=not(mod(n\\,{step}))," : "") + $"showinfo=checksum=0,scale={width}:{height}:flags=bilinear";
        var processor = FFMpegArguments
            .FromFileInput(info.Path, verifyExists: true, o => o.WithCustomArgument(InputArguments(options)))
            .OutputToPipe(sink, o => o
                .WithCustomArgument($"-map 0:v:0 -an -sn -dn -vf {filters} -pix_fmt {(layout == PixelLayout.Rgb24 ? "rgb24" : "yuv420p")} -fps_mode passthrough"
                    + (options.MaxFrames > 0 ? $" -frames:v {options.MaxFrames}" : ""))
                .ForceFormat("rawvideo"))
            .NotifyOnStandardError(line =>
            {
                if (!timestamps.TryParse(line) && IsProblem(line) && errors.Count < 50) errors.Enqueue(line.Trim());
            })
            .CancellableThrough(stop.Token, TimeSpan.FromSeconds(2));

        var run = Task.Run(async () =>
        {
            try
            {
                var result = await processor.ProcessAsynchronously(throwOnError: false);
                timestamps.Complete();
                if (!result.Success && !stop.IsCancellationRequested && produced == 0)
                    channel.Writer.TryComplete(Failure(info, errors));
                else
                    channel.Writer.TryComplete();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                timestamps.Complete();
                channel.Writer.TryComplete(stop.IsCancellationRequested ? null : new VideoInputException(
                    VideoInputProblem.DecodeFailed, $"Decoding {Path.GetFileName(info.Path)} failed: {e.Message}", e));
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var frame in channel.Reader.ReadAllAsync(cancellationToken))
                yield return frame;
            await run;
            cancellationToken.ThrowIfCancellationRequested();

            if (produced == 0)
                throw Failure(info, errors);
            var expected = info.EstimatedFrameCount;
            if (!info.IsStillImage && options.Start is null && options.MaxFrames == 0 && step == 1 && options.MinDecodedShare > 0
                && produced < options.MinDecodedShare * expected)
                throw new VideoInputException(VideoInputProblem.Truncated,
                    $"{Path.GetFileName(info.Path)} looks truncated or damaged: only {produced} of about {expected} frames " +
                    $"could be decoded{Detail(errors)}.");
        }
        finally
        {
            try
            {
                await stop.CancelAsync();
            }
            catch (AggregateException e) when (e.InnerExceptions.All(x => x is IOException or ObjectDisposedException or InvalidOperationException))
            {
                // Stopping asks ffmpeg to quit through its stdin; when it had already exited, that pipe is broken: nothing left to stop.
            }
            while (channel.Reader.TryRead(out var left)) left.Dispose();
            try { await run; } catch (Exception) { /* already reported or cancelled */ }
        }
    }

    private static string InputArguments(DecodeOptions options) =>
        $"{SafeInput.Arguments} -threads {options.DecoderThreads}"
        + (options.Start is { } start ? $" -ss {start.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}" : "");

    private static VideoInputException Failure(VideoInfo info, IEnumerable<string> errors)
    {
        var name = Path.GetFileName(info.Path);
        var text = string.Join(" ", errors);
        if (SafeInput.IsFormatRefusal(text, out var demuxer))
            return SafeInput.IsReferenceFormat(demuxer) || SafeInput.LooksLikeReferenceList(info.Path)
                ? new VideoInputException(VideoInputProblem.ReferencesOtherFiles, SafeInput.ReferenceListMessage(name))
                : new VideoInputException(VideoInputProblem.NotAVideo, SafeInput.RefusedFormatMessage(name, demuxer));
        if (text.Contains("Decoder", StringComparison.OrdinalIgnoreCase) && text.Contains("not found", StringComparison.OrdinalIgnoreCase))
            return new VideoInputException(VideoInputProblem.UnsupportedCodec,
                $"{name} uses a video codec ({info.Codec}) that this ffmpeg cannot decode{Detail(errors)}.");
        return new VideoInputException(VideoInputProblem.DecodeFailed,
            $"No frame of {name} could be decoded: the file is damaged, truncated or uses an unsupported codec{Detail(errors)}.");
    }

    private static string Detail(IEnumerable<string> errors)
    {
        var first = errors.FirstOrDefault();
        return first is null ? "" : $" (ffmpeg: {(first.Length > 160 ? first[..160] + "…" : first)})";
    }

    private static bool IsProblem(string line) =>
        line.Contains("error", StringComparison.OrdinalIgnoreCase) || line.Contains("invalid", StringComparison.OrdinalIgnoreCase)
        || line.Contains("not found", StringComparison.OrdinalIgnoreCase) || line.Contains("corrupt", StringComparison.OrdinalIgnoreCase)
        || line.Contains("truncat", StringComparison.OrdinalIgnoreCase) || line.Contains("partial file", StringComparison.OrdinalIgnoreCase)
        || line.Contains("whitelist", StringComparison.OrdinalIgnoreCase);

    /// <summary>Frame presentation times parsed from showinfo lines, handed to the frame reader by index.</summary>
    private sealed partial class TimestampBoard
    {
        private readonly ConcurrentDictionary<int, double> _times = new();
        private readonly SemaphoreSlim _arrived = new(0);
        private volatile bool _complete;

        public bool TryParse(string line)
        {
            var m = ShowInfo().Match(line);
            if (!m.Success) return false;
            var n = int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            if (double.TryParse(m.Groups[2].ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture, out var t))
                _times[n] = t;
            _arrived.Release();
            return true;
        }

        public void Complete()
        {
            _complete = true;
            _arrived.Release();
        }

        public async Task<double?> WaitAsync(int index, CancellationToken token)
        {
            // The log line for a frame is written before the frame's bytes; the stderr reader may lag a little.
            var deadline = Environment.TickCount64 + 5000;
            while (true)
            {
                if (_times.TryRemove(index, out var t)) return t;
                if (_complete || Environment.TickCount64 > deadline) return null;
                await _arrived.WaitAsync(TimeSpan.FromMilliseconds(50), token);
            }
        }

        [GeneratedRegex(@"Parsed_showinfo.*\bn:\s*(\d+)\s+pts:\s*\S+\s+pts_time:\s*(\S+)")]
        private static partial Regex ShowInfo();
    }
}
