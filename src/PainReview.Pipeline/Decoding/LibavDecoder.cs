using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace PainReview.Pipeline.Decoding;

/// <summary>
/// Decodes in this process through FFmpeg 5.1's shared libraries (libavformat 59, libavcodec 59,
/// libavutil 57, as Debian 12 ships them), called through hand-written function pointers: no ffmpeg
/// process to start, no raw frames through a pipe. Only used where ffmpeg's own filter chain would
/// hand the decoded frames on untouched (planar YUV 4:2:0 at the coded size, square pixels, no
/// rotation), so its frames are bit-identical to the process decoder's; everywhere else, and whenever
/// anything here disagrees with what ffprobe said, the process decoder runs instead.
/// </summary>
/// <remarks>
/// The struct offsets below are those of FFmpeg 5.1 on x86-64 (checked with offsetof against Debian
/// 12's libavformat-dev/libavcodec-dev/libavutil-dev 5.1.9 headers: AVFormatContext nb_streams 44, streams 48,
/// start_time 64; AVStream index 0, time_base 16, discard 52, sample_aspect_ratio 56, codecpar 208;
/// AVCodecParameters codec_type 0, format 28, width 56, height 60, sample_aspect_ratio 64; AVPacket pts 8,
/// dts 16, stream_index 36; AVFrame data 0, linesize 64, width 104, height 108, format 116, pts 136,
/// best_effort_timestamp 344) and hold only for these major
/// versions: the libraries' majors are checked on load, and each stream's fields are checked against
/// the probe before a frame is decoded.
/// </remarks>
internal static unsafe class LibavDecoder
{
    /// <summary>The environment variable that picks the decoder: <c>ffmpeg</c> forces the process; <c>inprocess</c> or unset: in-process where eligible.</summary>
    public const string EnvironmentVariable = "PAINREVIEW_DECODER";

    private const int MediaTypeVideo = 0; // AVMEDIA_TYPE_VIDEO
    private const int PixelFormatYuv420p = 0; // AV_PIX_FMT_YUV420P
    private const int ErrorAgain = -11; // AVERROR(EAGAIN)
    private const int ErrorEof = -541478725; // AVERROR_EOF
    private const long NoPts = long.MinValue; // AV_NOPTS_VALUE
    private const int LogWarning = 24; // AV_LOG_WARNING
    private const int DiscardAll = 48; // AVDISCARD_ALL

    // Containers whose timestamps ffmpeg hands on as the demuxer gives them (no discontinuity or
    // wrap handling, no timestamps predicted for packets without any): checked frame by frame
    // against ffmpeg's showinfo on the shared clips.
    private static readonly string[] Containers = ["mov", "mp4", "avi", "asf", "matroska", "webm"];

    /// <summary>Whether the environment asks for the ffmpeg process (<c>PAINREVIEW_DECODER=ffmpeg</c>).</summary>
    public static bool ForcedToProcess(string? environmentValue) =>
        environmentValue is not null && (environmentValue.Trim().Equals("ffmpeg", StringComparison.OrdinalIgnoreCase)
            || environmentValue.Trim().Equals("process", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Why this decode must go through the ffmpeg process (null: the in-process decoder may try it).
    /// Only what is known before opening the file; the stream itself is checked when opened.
    /// </summary>
    public static string? Ineligible(VideoInfo info, DecodeOptions options, string? environmentValue)
    {
        if (options.Decoder == DecoderChoice.FfmpegProcess) return "the options ask for the ffmpeg process";
        if (ForcedToProcess(environmentValue)) return $"{EnvironmentVariable}={environmentValue}";
        if (options.Layout != PixelLayout.Yuv420p) return "rgb24 frames are converted by ffmpeg's scaler";
        if (info.IsStillImage) return "still image";
        if (options.Start is not null) return "seeking (a start time) is left to ffmpeg";
        if (info.Rotation != 0) return $"rotated {info.Rotation} degrees";
        if (info.FrameWidth != info.Width || info.FrameHeight != info.Height)
            return $"frames are scaled ({info.Width}x{info.Height} to {info.FrameWidth}x{info.FrameHeight})";
        if (!info.Container.Split(',').Any(c => Containers.Contains(c))) return $"container {info.Container} is left to ffmpeg";
        return Unavailable;
    }

    /// <summary>
    /// Decodes <paramref name="info"/>'s first video stream and hands each kept frame (every
    /// <paramref name="step"/>-th) to <paramref name="emit"/> as (buffer, presentation time in
    /// ffmpeg's showinfo pts_time, or null without one). False, with nothing emitted, where the
    /// stream is not what the process decoder would pass through untouched or cannot be opened: the
    /// caller then runs the process decoder. Errors while decoding go to <paramref name="errors"/>
    /// as ffmpeg would log them.
    /// </summary>
    public static bool TryDecode(VideoInfo info, DecodeOptions options, int step, Action<byte[], double?> emit,
        ConcurrentQueue<string> errors, Action<string> fallingBack, CancellationToken stop)
    {
        lock (Running) Running[info.Path] = RunningOn(info.Path) + 1;
        try
        {
            return Decode(info, options, step, emit, errors, fallingBack, stop);
        }
        finally
        {
            // Only once everything native is freed.
            lock (Running)
            {
                var n = RunningOn(info.Path) - 1;
                if (n > 0) Running[info.Path] = n;
                else Running.Remove(info.Path);
            }
        }
    }

    /// <summary>Why the libraries cannot be used here (null: they can).</summary>
    public static string? Unavailable => Native.Available ? null : Native.Problem;

    private static readonly Dictionary<string, int> Running = [];

    /// <summary>In-process decodes of <paramref name="path"/> still running (native memory not yet freed): for tests.</summary>
    public static int RunningOn(string path)
    {
        lock (Running) return Running.TryGetValue(path, out var n) ? n : 0;
    }

    private static bool Decode(VideoInfo info, DecodeOptions options, int step, Action<byte[], double?> emit,
        ConcurrentQueue<string> errors, Action<string> fallingBack, CancellationToken stop)
    {
        // libav's complaints from opening on, as ffmpeg would log them.
        LogSink.Current = new LogSink(errors);
        try
        {
            using var session = Session.Open(info, options, out var problem);
            if (session is null)
            {
                errors.Clear();
                fallingBack(problem!);
                return false;
            }
            var frameBytes = FrameImage.ByteCount(info.FrameWidth, info.FrameHeight, PixelLayout.Yuv420p);
            var decoded = 0L;
            var kept = 0;
            while (session.NextFrame(LogSink.Current, stop))
            {
                var frame = session.Frame;
                if (Session.Mismatch(frame, info) is { } mismatch)
                {
                    if (kept > 0)
                        throw new InvalidOperationException($"frame {decoded} is {mismatch}, unlike the frames before it");
                    errors.Clear();
                    fallingBack($"the first frame is {mismatch}");
                    return false;
                }
                if (decoded++ % step != 0) continue;
                var buffer = ArrayPool<byte>.Shared.Rent(frameBytes);
                double? time;
                try
                {
                    Session.CopyPlanes(frame, info.FrameWidth, info.FrameHeight, buffer);
                    time = session.PtsTime(frame);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }
                if (kept++ == 0) DecoderActivity.DecodedInProcess();
                emit(buffer, time);
                if (options.MaxFrames > 0 && kept >= options.MaxFrames) break;
            }
            if (kept == 0)
            {
                // Nothing decoded: the process decoder says why in its own words.
                errors.Clear();
                fallingBack("no frame could be decoded in-process");
                return false;
            }
            return true;
        }
        finally
        {
            LogSink.Current = null;
        }
    }

    /// <summary>ffmpeg's log lines from the decoding thread, kept where they name a problem.</summary>
    private sealed class LogSink(ConcurrentQueue<string> errors)
    {
        [ThreadStatic] public static LogSink? Current;

        private readonly StringBuilder _partial = new();

        /// <summary>Whether the next piece starts a line (libav writes some lines in several calls).</summary>
        public int PrintPrefix = 1;

        public void Add(string line)
        {
            if (errors.Count < 50 && FrameDecoder.IsProblem(line)) errors.Enqueue(line.Trim());
        }

        public void AddPiece(string piece)
        {
            _partial.Append(piece);
            if (!piece.EndsWith('\n')) return;
            Add(_partial.ToString());
            _partial.Clear();
        }
    }

    /// <summary>One open input: the demuxer, the video decoder, a packet and a frame; all freed on dispose.</summary>
    private sealed class Session : IDisposable
    {
        private nint _format, _codec, _packet, _frame;
        private int _stream;
        private int _tbNum, _tbDen;
        private string _name = "input";
        private long _shift; // ffmpeg's input ts_offset (minus the file's start time) in stream time base units

        public static Session? Open(VideoInfo info, DecodeOptions options, out string? problem)
        {
            var session = new Session { _name = info.Path };
            try
            {
                problem = session.OpenCore(info, options);
                if (problem is null) return session;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                problem = $"in-process open failed: {e.Message}";
            }
            session.Dispose();
            return null;
        }

        private string? OpenCore(VideoInfo info, DecodeOptions options)
        {
            nint dict = 0;
            try
            {
                // SafeInput: only this local file, only demuxers that read their own bytes.
                SetOption(&dict, "protocol_whitelist", "file");
                SetOption(&dict, "format_whitelist", SafeInput.FormatWhitelist);
                var path = Marshal.StringToCoTaskMemUTF8(info.Path);
                int ret;
                try
                {
                    nint format = 0;
                    ret = Native.avformat_open_input(&format, (byte*)path, 0, &dict);
                    _format = format;
                }
                finally
                {
                    Marshal.FreeCoTaskMem(path);
                }
                if (ret < 0) return $"avformat_open_input: {Native.ErrorText(ret)}";
            }
            finally
            {
                Native.av_dict_free(&dict);
            }
            var found = Native.avformat_find_stream_info(_format, null);
            if (found < 0) return $"avformat_find_stream_info: {Native.ErrorText(found)}";

            // The stream ffmpeg's -map 0:v:0 takes: the first video stream; it must also be the best one.
            var count = *(uint*)(_format + 44);
            var streams = *(nint**)(_format + 48);
            var first = -1;
            for (var i = 0; i < count && first < 0; i++)
            {
                var par = *(nint*)(streams[i] + 208);
                if (par != 0 && *(int*)par == MediaTypeVideo) first = i;
            }
            nint decoder = 0;
            var best = Native.av_find_best_stream(_format, MediaTypeVideo, -1, -1, &decoder, 0);
            if (best < 0 || decoder == 0) return $"av_find_best_stream: {Native.ErrorText(best)}";
            if (best != first) return $"the best video stream (#{best}) is not the first (#{first})";
            _stream = best;
            var stream = streams[best];
            // As ffmpeg with -map 0:v:0: the demuxer skips every other stream (AVStream.discard = AVDISCARD_ALL).
            for (var i = 0; i < count; i++)
                if (i != best) *(int*)(streams[i] + 52) = DiscardAll;
            if (*(int*)stream != best) return "AVStream.index disagrees (struct layout?)";
            var codecpar = *(nint*)(stream + 208);
            if (codecpar == 0 || *(int*)codecpar != MediaTypeVideo) return "AVStream.codecpar is not a video stream's (struct layout?)";
            int width = *(int*)(codecpar + 56), height = *(int*)(codecpar + 60), pixelFormat = *(int*)(codecpar + 28);
            if (width != info.Width || height != info.Height)
                return $"libavformat sees {width}x{height}, ffprobe {info.Width}x{info.Height}";
            if (pixelFormat != PixelFormatYuv420p) return $"pixel format {pixelFormat} is not yuv420p";
            if (!SquarePixels(codecpar + 64) || !SquarePixels(stream + 56)) return "pixels are not square";
            _tbNum = *(int*)(stream + 16);
            _tbDen = *(int*)(stream + 20);
            if (_tbNum <= 0 || _tbDen <= 0) return $"time base {_tbNum}/{_tbDen}";
            var startTime = *(long*)(_format + 64); // AVFormatContext.start_time, AV_TIME_BASE units
            _shift = startTime == NoPts ? 0 : -RescaleNearInf(startTime, _tbDen, 1_000_000L * _tbNum);

            _codec = Native.avcodec_alloc_context3(decoder);
            if (_codec == 0) return "avcodec_alloc_context3 failed";
            var copied = Native.avcodec_parameters_to_context(_codec, codecpar);
            if (copied < 0) return $"avcodec_parameters_to_context: {Native.ErrorText(copied)}";
            nint codecOptions = 0;
            try
            {
                // As ffmpeg's -threads before -i, and the packet time base ffmpeg gives its decoders.
                SetOption(&codecOptions, "threads", options.DecoderThreads.ToString(CultureInfo.InvariantCulture));
                SetOption(&codecOptions, "pkt_timebase", $"{_tbNum}/{_tbDen}");
                var opened = Native.avcodec_open2(_codec, decoder, &codecOptions);
                if (opened < 0) return $"avcodec_open2: {Native.ErrorText(opened)}";
            }
            finally
            {
                Native.av_dict_free(&codecOptions);
            }
            _packet = Native.av_packet_alloc();
            _frame = Native.av_frame_alloc();
            return _packet == 0 || _frame == 0 ? "out of memory" : null;
        }

        private static bool SquarePixels(nint rational)
        {
            int num = *(int*)rational, den = *(int*)(rational + 4);
            return num == 0 || den == 0 || num == den;
        }

        private static void SetOption(nint* dict, string key, string value)
        {
            var k = Marshal.StringToCoTaskMemUTF8(key);
            var v = Marshal.StringToCoTaskMemUTF8(value);
            try
            {
                if (Native.av_dict_set(dict, (byte*)k, (byte*)v, 0) < 0) throw new OutOfMemoryException("av_dict_set failed");
            }
            finally
            {
                Marshal.FreeCoTaskMem(k);
                Marshal.FreeCoTaskMem(v);
            }
        }

        private bool _pending, _draining, _holding;

        /// <summary>
        /// Moves to the next decoded frame in ffmpeg's order (false at the end); the frame is in
        /// <see cref="Frame"/> until the next call. Decode errors are logged as ffmpeg logs them and
        /// decoding goes on, as in ffmpeg; a read error ends the input, as in ffmpeg.
        /// </summary>
        public bool NextFrame(LogSink sink, CancellationToken stop)
        {
            if (_holding)
            {
                Native.av_frame_unref(_frame);
                _holding = false;
            }
            while (true)
            {
                stop.ThrowIfCancellationRequested();
                if (_pending)
                {
                    var received = Native.avcodec_receive_frame(_codec, _frame);
                    if (received >= 0)
                    {
                        _holding = true;
                        return true;
                    }
                    _pending = false;
                    if (received != ErrorAgain && received != ErrorEof)
                        sink.Add($"Error while decoding stream #0:{_stream}: {Native.ErrorText(received)}");
                    if (_draining) return false;
                    continue;
                }
                if (_draining) return false;
                int sent;
                var read = Native.av_read_frame(_format, _packet);
                if (read < 0)
                {
                    if (read != ErrorEof) sink.Add($"{_name}: {Native.ErrorText(read)}");
                    _draining = true;
                    sent = Native.avcodec_send_packet(_codec, 0);
                }
                else if (*(int*)(_packet + 36) != _stream)
                {
                    Native.av_packet_unref(_packet);
                    continue;
                }
                else
                {
                    ShiftTimestamps();
                    sent = Native.avcodec_send_packet(_codec, _packet);
                    Native.av_packet_unref(_packet);
                }
                if (sent < 0 && sent != ErrorEof)
                {
                    sink.Add($"Error while decoding stream #0:{_stream}: {Native.ErrorText(sent)}");
                    if (_draining) return false;
                    continue;
                }
                _pending = true;
            }
        }

        public nint Frame => _frame;

        /// <summary>ffmpeg moves every packet's timestamps by minus the file's start time (its input ts_offset).</summary>
        private void ShiftTimestamps()
        {
            if (_shift == 0) return;
            var pts = (long*)(_packet + 8);
            var dts = (long*)(_packet + 16);
            if (*pts != NoPts) *pts += _shift;
            if (*dts != NoPts) *dts += _shift;
        }

        /// <summary>Null when the frame is what the stream promised (size and yuv420p), else what it is instead.</summary>
        public static string? Mismatch(nint frame, VideoInfo info)
        {
            int width = *(int*)(frame + 104), height = *(int*)(frame + 108), format = *(int*)(frame + 116);
            return width == info.FrameWidth && height == info.FrameHeight && format == PixelFormatYuv420p
                ? null : $"{width}x{height} in pixel format {format}";
        }

        /// <summary>
        /// The frame's time as ffmpeg's showinfo prints it (pts_time, "%.6g" of pts times the time base),
        /// where ffmpeg takes the frame's best-effort timestamp as its pts.
        /// </summary>
        public double? PtsTime(nint frame)
        {
            var pts = *(long*)(frame + 344); // best_effort_timestamp
            if (pts == NoPts) pts = *(long*)(frame + 136);
            if (pts == NoPts) return null;
            var seconds = (double)_tbNum / _tbDen * pts;
            return double.Parse(seconds.ToString("G6", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        /// <summary>Y, then U, then V, each row without the decoder's padding: ffmpeg's rawvideo yuv420p layout.</summary>
        public static void CopyPlanes(nint frame, int width, int height, byte[] buffer)
        {
            var data = (byte**)frame;
            var linesize = (int*)(frame + 64);
            int cw = (width + 1) / 2, ch = (height + 1) / 2;
            var offset = CopyPlane(data[0], linesize[0], width, height, buffer, 0);
            offset = CopyPlane(data[1], linesize[1], cw, ch, buffer, offset);
            CopyPlane(data[2], linesize[2], cw, ch, buffer, offset);
        }

        private static int CopyPlane(byte* source, int stride, int width, int rows, byte[] buffer, int offset)
        {
            if (source == null) throw new InvalidOperationException("a plane is missing");
            if (stride == width)
            {
                new ReadOnlySpan<byte>(source, width * rows).CopyTo(buffer.AsSpan(offset));
                return offset + width * rows;
            }
            for (var y = 0; y < rows; y++, offset += width)
                new ReadOnlySpan<byte>(source + (long)y * stride, width).CopyTo(buffer.AsSpan(offset, width));
            return offset;
        }

        public void Dispose()
        {
            if (_frame != 0)
            {
                var frame = _frame;
                Native.av_frame_free(&frame);
                _frame = 0;
            }
            if (_packet != 0)
            {
                var packet = _packet;
                Native.av_packet_free(&packet);
                _packet = 0;
            }
            if (_codec != 0)
            {
                var codec = _codec;
                Native.avcodec_free_context(&codec);
                _codec = 0;
            }
            if (_format != 0)
            {
                var format = _format;
                Native.avformat_close_input(&format);
                _format = 0;
            }
        }
    }

    /// <summary>av_rescale_rnd(a, b, c, AV_ROUND_NEAR_INF): a * b / c, halves away from zero.</summary>
    internal static long RescaleNearInf(long a, long b, long c)
    {
        if (a < 0) return -RescaleNearInf(-a, b, c);
        return (long)(((Int128)a * b + c / 2) / c);
    }

    /// <summary>The libraries and their entry points, loaded once; unavailable (with the reason) where anything is missing or the versions differ.</summary>
    private static class Native
    {
        public static readonly bool Available;
        public static readonly string Problem = "";

        public static readonly delegate* unmanaged<nint*, byte*, nint, nint*, int> avformat_open_input;
        public static readonly delegate* unmanaged<nint, nint*, int> avformat_find_stream_info;
        public static readonly delegate* unmanaged<nint, int, int, int, nint*, int, int> av_find_best_stream;
        public static readonly delegate* unmanaged<nint, nint, int> av_read_frame;
        public static readonly delegate* unmanaged<nint*, void> avformat_close_input;
        public static readonly delegate* unmanaged<nint, nint> avcodec_alloc_context3;
        public static readonly delegate* unmanaged<nint, nint, int> avcodec_parameters_to_context;
        public static readonly delegate* unmanaged<nint, nint, nint*, int> avcodec_open2;
        public static readonly delegate* unmanaged<nint, nint, int> avcodec_send_packet;
        public static readonly delegate* unmanaged<nint, nint, int> avcodec_receive_frame;
        public static readonly delegate* unmanaged<nint*, void> avcodec_free_context;
        public static readonly delegate* unmanaged<nint> av_packet_alloc;
        public static readonly delegate* unmanaged<nint*, void> av_packet_free;
        public static readonly delegate* unmanaged<nint, void> av_packet_unref;
        public static readonly delegate* unmanaged<nint> av_frame_alloc;
        public static readonly delegate* unmanaged<nint*, void> av_frame_free;
        public static readonly delegate* unmanaged<nint, void> av_frame_unref;
        public static readonly delegate* unmanaged<nint*, byte*, byte*, int, int> av_dict_set;
        public static readonly delegate* unmanaged<nint*, void> av_dict_free;
        public static readonly delegate* unmanaged<int, byte*, nuint, int> av_strerror;
        private static readonly delegate* unmanaged<nint, int, byte*, nint, byte*, int, int*, int> av_log_format_line2;

        static Native()
        {
            try
            {
                if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
                {
                    Problem = "the in-process decoder's struct layouts are those of Linux x86-64";
                    return;
                }
                if (!NativeLibrary.TryLoad("libavutil.so.57", out var util) || !NativeLibrary.TryLoad("libavcodec.so.59", out var codec)
                    || !NativeLibrary.TryLoad("libavformat.so.59", out var format))
                {
                    Problem = "FFmpeg 5.1's shared libraries (libavformat.so.59, libavcodec.so.59, libavutil.so.57) are not installed";
                    return;
                }
                var formatVersion = ((delegate* unmanaged<uint>)NativeLibrary.GetExport(format, "avformat_version"))();
                var codecVersion = ((delegate* unmanaged<uint>)NativeLibrary.GetExport(codec, "avcodec_version"))();
                var utilVersion = ((delegate* unmanaged<uint>)NativeLibrary.GetExport(util, "avutil_version"))();
                if (formatVersion >> 16 != 59 || codecVersion >> 16 != 59 || utilVersion >> 16 != 57)
                {
                    Problem = $"libavformat {formatVersion >> 16}, libavcodec {codecVersion >> 16}, libavutil {utilVersion >> 16}: not the 59/59/57 whose layouts this decoder knows";
                    return;
                }
                avformat_open_input = (delegate* unmanaged<nint*, byte*, nint, nint*, int>)NativeLibrary.GetExport(format, "avformat_open_input");
                avformat_find_stream_info = (delegate* unmanaged<nint, nint*, int>)NativeLibrary.GetExport(format, "avformat_find_stream_info");
                av_find_best_stream = (delegate* unmanaged<nint, int, int, int, nint*, int, int>)NativeLibrary.GetExport(format, "av_find_best_stream");
                av_read_frame = (delegate* unmanaged<nint, nint, int>)NativeLibrary.GetExport(format, "av_read_frame");
                avformat_close_input = (delegate* unmanaged<nint*, void>)NativeLibrary.GetExport(format, "avformat_close_input");
                avcodec_alloc_context3 = (delegate* unmanaged<nint, nint>)NativeLibrary.GetExport(codec, "avcodec_alloc_context3");
                avcodec_parameters_to_context = (delegate* unmanaged<nint, nint, int>)NativeLibrary.GetExport(codec, "avcodec_parameters_to_context");
                avcodec_open2 = (delegate* unmanaged<nint, nint, nint*, int>)NativeLibrary.GetExport(codec, "avcodec_open2");
                avcodec_send_packet = (delegate* unmanaged<nint, nint, int>)NativeLibrary.GetExport(codec, "avcodec_send_packet");
                avcodec_receive_frame = (delegate* unmanaged<nint, nint, int>)NativeLibrary.GetExport(codec, "avcodec_receive_frame");
                avcodec_free_context = (delegate* unmanaged<nint*, void>)NativeLibrary.GetExport(codec, "avcodec_free_context");
                av_packet_alloc = (delegate* unmanaged<nint>)NativeLibrary.GetExport(codec, "av_packet_alloc");
                av_packet_free = (delegate* unmanaged<nint*, void>)NativeLibrary.GetExport(codec, "av_packet_free");
                av_packet_unref = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(codec, "av_packet_unref");
                av_frame_alloc = (delegate* unmanaged<nint>)NativeLibrary.GetExport(util, "av_frame_alloc");
                av_frame_free = (delegate* unmanaged<nint*, void>)NativeLibrary.GetExport(util, "av_frame_free");
                av_frame_unref = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(util, "av_frame_unref");
                av_dict_set = (delegate* unmanaged<nint*, byte*, byte*, int, int>)NativeLibrary.GetExport(util, "av_dict_set");
                av_dict_free = (delegate* unmanaged<nint*, void>)NativeLibrary.GetExport(util, "av_dict_free");
                av_strerror = (delegate* unmanaged<int, byte*, nuint, int>)NativeLibrary.GetExport(util, "av_strerror");
                av_log_format_line2 = (delegate* unmanaged<nint, int, byte*, nint, byte*, int, int*, int>)NativeLibrary.GetExport(util, "av_log_format_line2");
                // libav's log goes to the decoding thread's sink (ffmpeg's own messages for the error
                // text), not to this process's stderr.
                var setCallback = (delegate* unmanaged<delegate* unmanaged<nint, int, byte*, nint, void>, void>)NativeLibrary.GetExport(util, "av_log_set_callback");
                setCallback(&Log);
                Available = true;
            }
            catch (Exception e)
            {
                // Whatever went wrong, the process decoder is there.
                Problem = $"FFmpeg's shared libraries could not be used: {e.Message}";
            }
        }

        public static string ErrorText(int error)
        {
            var buffer = stackalloc byte[128];
            if (av_strerror(error, buffer, 128) < 0) return $"error {error}";
            return Marshal.PtrToStringUTF8((nint)buffer) ?? $"error {error}";
        }

        // va_list is passed as a pointer on x86-64 System V, so it can be handed on to av_log_format_line2 as it came.
        [UnmanagedCallersOnly]
        private static void Log(nint context, int level, byte* format, nint arguments)
        {
            try
            {
                if (level > LogWarning || LogSink.Current is not { } sink) return;
                var buffer = stackalloc byte[1024];
                var prefix = sink.PrintPrefix;
                if (av_log_format_line2(context, level, format, arguments, buffer, 1024, &prefix) < 0) return;
                sink.PrintPrefix = prefix;
                var piece = Marshal.PtrToStringUTF8((nint)buffer);
                if (!string.IsNullOrEmpty(piece)) sink.AddPiece(piece);
            }
            catch
            {
                // Never let an exception cross into native code.
            }
        }
    }
}
