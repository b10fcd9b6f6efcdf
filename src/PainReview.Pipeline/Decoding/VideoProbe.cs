using FFMpegCore;
using FFMpegCore.Exceptions;

namespace PainReview.Pipeline.Decoding;

/// <summary>Options that bound what the decoder accepts and produces.</summary>
public sealed record DecodeOptions
{
    /// <summary>Frames are scaled down so that their longer side is at most this (0: never scale).</summary>
    public int MaxFrameSide { get; init; } = 1280;
    /// <summary>Largest input accepted, in bytes (0: no limit).</summary>
    public long MaxFileBytes { get; init; }
    /// <summary>
    /// Fail when fewer than this share of the frames the container declares could be decoded
    /// (a truncated or damaged file). 0 accepts any partial decode.
    /// </summary>
    public double MinDecodedShare { get; init; } = 0.9;
    /// <summary>
    /// ffmpeg decoder threads. One leaves the other core to the face models on a 2-core machine;
    /// 0 lets ffmpeg choose.
    /// </summary>
    public int DecoderThreads { get; init; } = 1;
    /// <summary>Start decoding at this time (ffmpeg input seek); frame indices then count from there.</summary>
    public TimeSpan? Start { get; init; }
    /// <summary>Stop after this many frames (0: all).</summary>
    public int MaxFrames { get; init; }
    /// <summary>Keep every k-th decoded frame only (1: all); frame indices still count every decoded frame.</summary>
    public int FrameStep { get; init; } = 1;
    /// <summary>
    /// The frames' pixel layout. Planar YUV 4:2:0 (the default) is what most videos decode to: ffmpeg
    /// converts nothing, half the bytes of rgb24 cross the pipe, and only the crops the models see are
    /// turned into RGB.
    /// </summary>
    public PixelLayout Layout { get; init; } = PixelLayout.Yuv420p;
    /// <summary>
    /// Which decoder runs: in this process through FFmpeg's libraries where that gives the same frames
    /// (unless <c>PAINREVIEW_DECODER=ffmpeg</c>), or always the ffmpeg process.
    /// </summary>
    public DecoderChoice Decoder { get; init; } = DecoderChoice.Auto;
}

/// <summary>Which decoder a decode may use.</summary>
public enum DecoderChoice
{
    /// <summary>In-process (FFmpeg's libraries) where eligible and not turned off by <c>PAINREVIEW_DECODER=ffmpeg</c>; else the ffmpeg process.</summary>
    Auto,
    /// <summary>Always the ffmpeg process, its raw frames through a pipe.</summary>
    FfmpegProcess,
}

/// <summary>Reads an input's metadata with ffprobe and turns failures into specific messages.</summary>
public static partial class VideoProbe
{
    private static readonly HashSet<string> ImageFormats = ["image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe", "gif"];

    public static async Task<VideoInfo> ProbeAsync(string path, DecodeOptions? options = null, CancellationToken cancellationToken = default)
    {
        DecoderActivity.Probed();
        options ??= new DecodeOptions();
        var file = new FileInfo(path);
        if (!file.Exists)
            throw new VideoInputException(VideoInputProblem.Missing,
                Directory.Exists(path) ? $"{path} is a folder, not a video file." : $"No such file: {path}");
        if (file.Length == 0)
            throw new VideoInputException(VideoInputProblem.Empty, $"{file.Name} is empty (0 bytes): nothing to analyse.");
        if (options.MaxFileBytes > 0 && file.Length > options.MaxFileBytes)
            throw new VideoInputException(VideoInputProblem.TooLarge,
                $"{file.Name} is {FormatBytes(file.Length)}, over the limit of {FormatBytes(options.MaxFileBytes)}.");

        IMediaAnalysis analysis;
        try
        {
            // SafeInput: only this local file, only demuxers that read their own bytes.
            analysis = await FFProbe.AnalyseAsync(file.FullName, customArguments: SafeInput.Arguments, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is FFProbeException or FormatNullException or FFMpegException or System.Text.Json.JsonException)
        {
            if (SafeInput.LooksLikeReferenceList(file.FullName)
                || SafeInput.IsFormatRefusal(e.Message, out var refused) && SafeInput.IsReferenceFormat(refused))
                throw new VideoInputException(VideoInputProblem.ReferencesOtherFiles, SafeInput.ReferenceListMessage(file.Name), e);
            if (SafeInput.IsFormatRefusal(e.Message, out var demuxer))
                throw new VideoInputException(VideoInputProblem.NotAVideo, SafeInput.RefusedFormatMessage(file.Name, demuxer), e);
            var detail = FirstLine(e.Message);
            // ffprobe says "moov atom not found" for any non-MP4 data handed to the MP4 demuxer; only a
            // file that starts like an MP4 (an ftyp box) and lacks its index is a truncated video.
            var truncated = LooksLikeMp4(file.FullName) && e.Message.Contains("moov atom not found", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("end of file", StringComparison.OrdinalIgnoreCase);
            throw truncated
                ? new VideoInputException(VideoInputProblem.Truncated,
                    $"{file.Name} looks truncated or incomplete: its index (moov atom) is missing. Upload the complete file.", e)
                : new VideoInputException(VideoInputProblem.NotAVideo,
                    $"{file.Name} is not a video or image that ffmpeg can read ({detail}).", e);
        }

        var video = analysis.PrimaryVideoStream;
        if (video is null)
            throw new VideoInputException(VideoInputProblem.NoVideoStream, analysis.PrimaryAudioStream is not null
                ? $"{file.Name} has audio but no video stream: PainReview needs a video of the face."
                : $"{file.Name} has no video stream.");
        if (string.IsNullOrEmpty(video.CodecName) || video.CodecName is "none" or "unknown" || video.Width is not > 0 || video.Height is not > 0)
            throw new VideoInputException(VideoInputProblem.UnsupportedCodec,
                $"{file.Name} uses a video codec that ffmpeg cannot decode (codec tag '{video.CodecTagString}').");

        var formatName = analysis.Format.FormatName ?? "";
        var isStill = formatName.Split(',').Any(ImageFormats.Contains) || video.CodecName is "png" or "mjpeg" && analysis.Format.Duration <= TimeSpan.FromSeconds(0.1);
        var rotation = ((video.Rotation % 360) + 360) % 360;

        double width = video.Width.Value, height = video.Height.Value;
        var (sarNum, sarDen) = video.SampleAspectRatio;
        if (sarNum > 0 && sarDen > 0 && sarNum != sarDen) width = width * sarNum / sarDen;
        if (rotation is 90 or 270) (width, height) = (height, width);
        if (options.MaxFrameSide > 0 && Math.Max(width, height) > options.MaxFrameSide)
        {
            var scale = options.MaxFrameSide / Math.Max(width, height);
            width *= scale;
            height *= scale;
        }

        var frameRate = video.AverageFrameRate > 0 && !double.IsNaN(video.AverageFrameRate) ? video.AverageFrameRate
            : video.RealFrameRate > 0 && !double.IsNaN(video.RealFrameRate) ? video.RealFrameRate : 25;
        long? declared = null;
        if (video.Tags?.TryGetValue("NUMBER_OF_FRAMES", out var n) == true && long.TryParse(n, out var nf)) declared = nf;

        return new VideoInfo
        {
            Path = file.FullName,
            FileBytes = file.Length,
            Container = formatName,
            Codec = video.CodecName,
            Width = video.Width.Value,
            Height = video.Height.Value,
            Rotation = rotation,
            FrameRate = frameRate,
            Duration = analysis.Format.Duration > TimeSpan.Zero ? analysis.Format.Duration : video.Duration,
            StartTime = analysis.Format.StartTime,
            DeclaredFrameCount = isStill ? 1 : declared,
            IsStillImage = isStill,
            FrameWidth = Even(width),
            FrameHeight = Even(height),
        };
    }

    private static bool LooksLikeMp4(string path)
    {
        Span<byte> head = stackalloc byte[8];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, 8, throwOnEndOfStream: false) == 8 && head[4..8].SequenceEqual("ftyp"u8);
    }

    private static int Even(double v) => Math.Max(2, (int)Math.Round(v / 2) * 2);

    /// <summary>The last thing ffprobe said, without its wrapper text, demuxer tags or our own path.</summary>
    private static string FirstLine(string message)
    {
        var line = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "unknown error";
        for (var previous = ""; previous != line;)
        {
            previous = line;
            line = FfprobeNoise().Replace(line, "").Trim().TrimEnd(')').Trim();
        }
        if (line.Length == 0) line = "unknown error";
        return line.Length > 200 ? line[..200] + "…" : line;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^ffprobe exited with non-zero exit-code \(\d+ - |\[[^\]]*@ 0x[0-9a-f]+\]\s*|^[^:]*/[^:]*:\s*")]
    private static partial System.Text.RegularExpressions.Regex FfprobeNoise();

    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} bytes",
    };
}
