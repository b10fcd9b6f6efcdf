using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using FFMpegCore;

namespace PainReview.Pipeline.Decoding;

/// <summary>
/// Streams decoded frames (planar YUV 4:2:0 for the face pipeline, rgb24 on request) from ffmpeg through its stdout pipe. Only a handful of frames are ever in
/// memory (a bounded channel between the ffmpeg reader and the consumer), whatever the video's length.
/// </summary>
public static partial class FrameDecoder
{
    /// <summary>Frames decoded ahead of the consumer; bounds memory.</summary>
    public const int Lookahead = 4;

    public static IAsyncEnumerable<VideoFrame> DecodeAsync(VideoInfo info, DecodeOptions? options = null, CancellationToken cancellationToken = default) =>
        DecodeAsync(info, options, null, cancellationToken);

    /// <summary>Which decoder a decode used, and why the in-process one was not (for tests and benchmarks).</summary>
    internal sealed class DecodeReport
    {
        public bool InProcess { get; set; }
        public string? WhyNotInProcess { get; set; }
    }

    internal static async IAsyncEnumerable<VideoFrame> DecodeAsync(VideoInfo info, DecodeOptions? options, DecodeReport? report,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        DecoderActivity.Decoded();
        options ??= new DecodeOptions();
        if (!File.Exists(info.Path)) throw new FileNotFoundException($"No such file: {info.Path}", info.Path);
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

        // Reads whole frames straight into rented buffers with blocking reads on its own thread (no
        // async socket machinery per chunk) and hands them on with their presentation times.
        var offset = options.Start?.TotalSeconds ?? 0;
        var startTime = options.Start is null ? info.StartTime.TotalSeconds : 0;

        // Hands a frame to the consumer, waiting (on this thread) while the channel is full.
        void Emit(byte[] buffer, double? pts)
        {
            var index = produced;
            var time = offset + (pts.HasValue ? Math.Max(0, pts.Value - startTime) : index / info.FrameRate);
            var frame = new VideoFrame(index * step, time, width, height, buffer, layout);
            if (!channel.Writer.TryWrite(frame))
            {
                try
                {
                    channel.Writer.WriteAsync(frame, stop.Token).AsTask().GetAwaiter().GetResult();
                }
                catch
                {
                    frame.Dispose();
                    throw;
                }
            }
            produced++;
        }

        void ReadFrames(Stream output)
        {
            while (!stop.IsCancellationRequested)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(frameBytes);
                int read;
                try
                {
                    read = output.ReadAtLeast(buffer.AsSpan(0, frameBytes), frameBytes, throwOnEndOfStream: false);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }
                if (read < frameBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }
                double? pts;
                try
                {
                    pts = timestamps.Wait(produced, stop.Token);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }
                Emit(buffer, pts);
            }
        }

        string? whyNotInProcess = null;

        var run = Task.Factory.StartNew(() =>
        {
            try
            {
                // In this process where that gives ffmpeg's frames exactly; the ffmpeg process where it
                // does not, or where the libraries cannot open the input (its errors are the ones users see).
                // (Checked here, on the decoding thread: the first check loads FFmpeg's libraries.)
                whyNotInProcess = LibavDecoder.Ineligible(info, options, Environment.GetEnvironmentVariable(LibavDecoder.EnvironmentVariable));
                if (report is not null) report.InProcess = whyNotInProcess is null;
                if (whyNotInProcess is null && LibavDecoder.TryDecode(info, options, step, Emit, errors, reason => whyNotInProcess = reason, stop.Token))
                {
                    channel.Writer.TryComplete();
                    return;
                }
                if (report is not null) (report.InProcess, report.WhyNotInProcess) = (false, whyNotInProcess);
                var success = RunFfmpeg(Arguments(info, options, layout, step), frameBytes, ReadFrames, line =>
                {
                    if (!timestamps.TryParse(line) && IsProblem(line) && errors.Count < 50) errors.Enqueue(line.Trim());
                }, timestamps.Complete, stop.Token);
                if (!success && !stop.IsCancellationRequested && produced == 0)
                    channel.Writer.TryComplete(Failure(info, errors));
                else
                    channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                timestamps.Complete();
                channel.Writer.TryComplete(stop.IsCancellationRequested || e is OperationCanceledException ? null : new VideoInputException(
                    VideoInputProblem.DecodeFailed, $"Decoding {Path.GetFileName(info.Path)} failed: {e.Message}", e));
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            await foreach (var frame in channel.Reader.ReadAllAsync(cancellationToken))
            {
                // Frames already queued are not handed out once cancelled.
                if (cancellationToken.IsCancellationRequested) frame.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
                yield return frame;
            }
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
            // Stops ffmpeg (killed: its output is of no further use) when the consumer stopped early or was cancelled.
            await stop.CancelAsync();
            try { await run; } catch (Exception) { /* already reported or cancelled */ }
            while (channel.Reader.TryRead(out var left)) left.Dispose();
        }
    }

    /// <summary>
    /// ffmpeg's arguments: <see cref="SafeInput"/> on the input; showinfo reports each frame's presentation
    /// time on stderr (without its per-plane checksums, which cost a quarter of the decode); passthrough
    /// keeps one output frame per decoded frame (no duplicates for variable frame rate); scale fixes the
    /// size (and passes frames through untouched when it already matches).
    /// </summary>
    private static List<string> Arguments(VideoInfo info, DecodeOptions options, PixelLayout layout, int step)
    {
        var filters = (step > 1 ? $"select=not(mod(n\\,{step}))," : "") + $"showinfo=checksum=0,scale={info.FrameWidth}:{info.FrameHeight}:flags=bilinear";
        List<string> arguments = ["-hide_banner", "-nostdin", "-nostats", .. SafeInput.ArgumentList, "-threads", options.DecoderThreads.ToString(CultureInfo.InvariantCulture)];
        if (options.Start is { } start) arguments.AddRange(["-ss", start.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)]);
        arguments.AddRange(["-i", info.Path, "-map", "0:v:0", "-an", "-sn", "-dn", "-vf", filters,
            "-pix_fmt", layout == PixelLayout.Rgb24 ? "rgb24" : "yuv420p", "-fps_mode", "passthrough"]);
        if (options.MaxFrames > 0) arguments.AddRange(["-frames:v", options.MaxFrames.ToString(CultureInfo.InvariantCulture)]);
        arguments.AddRange(["-f", "rawvideo", "pipe:1"]);
        return arguments;
    }

    /// <summary>
    /// Runs ffmpeg with its raw output on stdout, read by <paramref name="readFrames"/> on this thread and
    /// its log lines on stderr handed to <paramref name="onLogLine"/> from another; ffmpeg is killed when
    /// <paramref name="stop"/> fires or reading fails. True when ffmpeg exited with success.
    /// </summary>
    private static bool RunFfmpeg(List<string> arguments, int frameBytes, Action<Stream> readFrames, Action<string> onLogLine, Action logEnded,
        CancellationToken stop)
    {
        var start = new ProcessStartInfo(GlobalFFOptions.GetFFMpegBinaryPath())
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start.");
        process.StandardInput.Close();
        var log = new Thread(() =>
        {
            try
            {
                while (process.StandardError.ReadLine() is { } line) onLogLine(line);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // ffmpeg was killed.
            }
            finally
            {
                logEnded();
            }
        })
        { IsBackground = true, Name = "ffmpeg log" };
        log.Start();
        using (stop.Register(() => Kill(process)))
        {
            try
            {
                var output = process.StandardOutput.BaseStream;
                EnlargePipe(output, frameBytes);
                readFrames(output);
            }
            catch
            {
                Kill(process);
                throw;
            }
            finally
            {
                // Whatever ffmpeg still writes after the consumer stopped would block it: no one reads any more.
                if (stop.IsCancellationRequested) Kill(process);
                process.WaitForExit();
                log.Join();
            }
        }
        return process.ExitCode == 0;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill();
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already exited.
        }
    }

    /// <summary>
    /// Linux pipes hold 64 KiB by default, so ffmpeg and this reader took turns at every 64 KiB of a frame
    /// (a context switch each way, several times a frame). Enlarged to hold two frames (or as much as the
    /// system allows, usually 1 MiB), ffmpeg writes ahead and each frame is read in one call. Silently
    /// left as it is where refused.
    /// </summary>
    private static void EnlargePipe(Stream output, int frameBytes)
    {
        if (!OperatingSystem.IsLinux() || output is not PipeStream pipe) return;
        try
        {
            var fd = (int)pipe.SafePipeHandle.DangerousGetHandle();
            var wanted = Math.Max(1 << 20, 2 * frameBytes);
            if (Fcntl(fd, SetPipeSize, wanted) < 0 && wanted > 1 << 20) Fcntl(fd, SetPipeSize, 1 << 20);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or ObjectDisposedException)
        {
            // No libc fcntl here: the default pipe works, only slower.
        }
    }

    private const int SetPipeSize = 1031; // F_SETPIPE_SZ

    [LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int Fcntl(int fd, int command, int argument);

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

    internal static bool IsProblem(string line) =>
        line.Contains("error", StringComparison.OrdinalIgnoreCase) || line.Contains("invalid", StringComparison.OrdinalIgnoreCase)
        || line.Contains("not found", StringComparison.OrdinalIgnoreCase) || line.Contains("corrupt", StringComparison.OrdinalIgnoreCase)
        || line.Contains("truncat", StringComparison.OrdinalIgnoreCase) || line.Contains("partial file", StringComparison.OrdinalIgnoreCase)
        || line.Contains("whitelist", StringComparison.OrdinalIgnoreCase);

    /// <summary>Frame presentation times parsed from showinfo lines, handed to the frame reader by index.</summary>
    private sealed partial class TimestampBoard
    {
        private readonly Dictionary<int, double> _times = [];
        private readonly object _gate = new();
        private bool _complete;

        public bool TryParse(string line)
        {
            var m = ShowInfo().Match(line);
            if (!m.Success) return false;
            var n = int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            // A frame without a time (NOPTS) is still announced: its reader need not wait for it.
            var t = double.TryParse(m.Groups[2].ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
            lock (_gate)
            {
                _times[n] = t;
                Monitor.PulseAll(_gate);
            }
            return true;
        }

        public void Complete()
        {
            lock (_gate)
            {
                _complete = true;
                Monitor.PulseAll(_gate);
            }
        }

        public double? Wait(int index, CancellationToken token)
        {
            // The log line for a frame is written before the frame's bytes; the stderr reader may lag a little.
            var deadline = Environment.TickCount64 + 5000;
            lock (_gate)
            {
                while (true)
                {
                    if (_times.Remove(index, out var t)) return double.IsNaN(t) ? null : t;
                    if (_complete || Environment.TickCount64 > deadline) return null;
                    token.ThrowIfCancellationRequested();
                    Monitor.Wait(_gate, 50);
                }
            }
        }

        [GeneratedRegex(@"Parsed_showinfo.*\bn:\s*(\d+)\s+pts:\s*\S+\s+pts_time:\s*(\S+)")]
        private static partial Regex ShowInfo();
    }
}
