namespace PainReview.Pipeline.Decoding;

/// <summary>
/// How often this process asked ffprobe or ffmpeg to read a video (probes and decodes started), so
/// a caller can show that work it promises is decode-free (re-scoring stored frames) really is.
/// </summary>
public static class DecoderActivity
{
    private static long _probes, _decodes, _inProcess;

    public static long Probes => Interlocked.Read(ref _probes);
    public static long Decodes => Interlocked.Read(ref _decodes);
    /// <summary>Decodes that ran in this process (FFmpeg's libraries) rather than through an ffmpeg process.</summary>
    public static long InProcessDecodes => Interlocked.Read(ref _inProcess);

    internal static void Probed() => Interlocked.Increment(ref _probes);
    internal static void Decoded() => Interlocked.Increment(ref _decodes);
    internal static void DecodedInProcess() => Interlocked.Increment(ref _inProcess);
}
