namespace PainReview.Pipeline.Decoding;

/// <summary>What ffprobe says about an input, and the size frames will have once decoded.</summary>
public sealed record VideoInfo
{
    public required string Path { get; init; }
    public required long FileBytes { get; init; }
    public required string Container { get; init; }
    public required string Codec { get; init; }
    /// <summary>Coded size, before rotation.</summary>
    public required int Width { get; init; }
    public required int Height { get; init; }
    /// <summary>Display rotation in degrees from the stream's metadata (0, 90, 180, 270).</summary>
    public required int Rotation { get; init; }
    public required double FrameRate { get; init; }
    public required TimeSpan Duration { get; init; }
    public required TimeSpan StartTime { get; init; }
    /// <summary>Frame count from the container, when it states one.</summary>
    public long? DeclaredFrameCount { get; init; }
    public required bool IsStillImage { get; init; }
    /// <summary>Size of the decoded rgb24 frames: rotated upright, square pixels, bounded by the decode limit.</summary>
    public required int FrameWidth { get; init; }
    public required int FrameHeight { get; init; }

    /// <summary>Best estimate of the number of frames, for progress reporting.</summary>
    public long EstimatedFrameCount =>
        IsStillImage ? 1 : DeclaredFrameCount ?? Math.Max(1, (long)Math.Round(Duration.TotalSeconds * FrameRate));
}
