using System.Text;
using System.Text.RegularExpressions;

namespace PainReview.Pipeline.Decoding;

/// <summary>
/// The one place that says which inputs ffmpeg and ffprobe may open. Some demuxers follow
/// references inside the file they are given (an <c>ffconcat</c> list or an HLS playlist names
/// other files, even absolute paths or URLs), so a small text file uploaded as "visit.mp4" would be
/// decoded as whatever it names. Every ffmpeg and ffprobe run on a user's file passes
/// <see cref="Arguments"/> as input options: only the local file itself (no other protocol) and
/// only demuxers that read their own bytes.
/// </summary>
public static partial class SafeInput
{
    /// <summary>
    /// Demuxers allowed, by ffmpeg's short names (a demuxer with several names, such as
    /// "mov,mp4,m4a,3gp,3g2,mj2", is allowed when any of its names is listed). None of them opens
    /// another file: the MP4 family's external data references are off by default in ffmpeg.
    /// </summary>
    public static IReadOnlyList<string> AllowedFormats { get; } =
    [
        // MP4 / QuickTime family
        "mov", "mp4", "m4a", "3gp", "3g2", "mj2",
        // Matroska / WebM
        "matroska", "webm",
        // AVI, ASF (WMV), Flash video, MPEG transport and program streams, Ogg
        "avi", "asf", "flv", "mpegts", "mpeg", "ogg",
        // Raw video
        "h264", "hevc", "yuv4mpegpipe",
        // Still images
        "image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe", "gif",
    ];

    /// <summary>The allow-list as ffmpeg's <c>-format_whitelist</c> value.</summary>
    public static string FormatWhitelist { get; } = string.Join(',', AllowedFormats);

    /// <summary>Input options for every ffmpeg or ffprobe run on a user's file, one argument each (for a process's argument list).</summary>
    public static IReadOnlyList<string> ArgumentList { get; } = ["-protocol_whitelist", "file", "-format_whitelist", FormatWhitelist];

    /// <summary>Input options for every ffmpeg or ffprobe run on a user's file.</summary>
    public static string Arguments { get; } = string.Join(' ', ArgumentList);

    /// <summary>Demuxers that read lists of other files or streams; named in the refusal.</summary>
    private static readonly HashSet<string> ReferenceFormats = new(StringComparer.OrdinalIgnoreCase)
    {
        "concat", "hls", "applehttp", "dash", "imf", "ffmetadata", "sdp", "rtsp", "rtp", "tee",
    };

    /// <summary>The sentence a user sees when a file is a list of other files rather than a video.</summary>
    public static string ReferenceListMessage(string fileName) =>
        $"{fileName} is a playlist or a list of other files (concat, HLS), not a video: such files are refused.";

    /// <summary>The sentence a user sees when a file is in a format that is not on the allow-list.</summary>
    public static string RefusedFormatMessage(string fileName, string? format) =>
        $"{fileName} is in a format PainReview does not accept{(string.IsNullOrEmpty(format) ? "" : $" ({format})")}: upload a video (MP4, MOV, AVI, WMV, MKV, WebM...) or a still image.";

    /// <summary>
    /// Whether ffmpeg's or ffprobe's error output says it refused a file because its format is not
    /// on the allow-list; <paramref name="demuxer"/> is then the refused demuxer's name, where ffmpeg gave it.
    /// </summary>
    public static bool IsFormatRefusal(string ffmpegMessage, out string? demuxer)
    {
        demuxer = null;
        if (!ffmpegMessage.Contains("not on whitelist", StringComparison.OrdinalIgnoreCase)) return false;
        var m = RefusedDemuxer().Match(ffmpegMessage);
        if (m.Success) demuxer = m.Groups[1].Value;
        return true;
    }

    /// <summary>Whether a refused demuxer is one that reads lists of other files.</summary>
    public static bool IsReferenceFormat(string? demuxer) => demuxer is not null && ReferenceFormats.Contains(demuxer);

    /// <summary>
    /// Whether the file starts like a list of other files: an ffconcat script or an M3U/HLS
    /// playlist (after an optional byte-order mark and blank space).
    /// </summary>
    public static bool LooksLikeReferenceList(string path)
    {
        Span<byte> head = stackalloc byte[64];
        int read;
        try
        {
            using var stream = File.OpenRead(path);
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        var text = head[..read];
        if (text.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) text = text[3..];
        while (text.Length > 0 && text[0] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') text = text[1..];
        return StartsWithIgnoreCase(text, "ffconcat"u8) || StartsWithIgnoreCase(text, "#EXTM3U"u8);
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> prefix) =>
        text.Length >= prefix.Length && Ascii.EqualsIgnoreCase(text[..prefix.Length], prefix);

    [GeneratedRegex(@"\[(\w+) @ (?:0x)?[0-9a-fA-F]+\]\s*Format not on whitelist", RegexOptions.IgnoreCase)]
    private static partial Regex RefusedDemuxer();
}
