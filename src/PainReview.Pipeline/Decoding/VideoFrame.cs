using System.Buffers;

namespace PainReview.Pipeline.Decoding;

/// <summary>
/// One decoded frame, packed rgb24. The pixel buffer is rented: dispose the frame when done so that
/// memory stays bounded however long the video is.
/// </summary>
public sealed class VideoFrame : IDisposable
{
    private byte[]? _pixels;

    public VideoFrame(int index, double timeSeconds, int width, int height, byte[] pixels)
    {
        Index = index;
        TimeSeconds = timeSeconds;
        Width = width;
        Height = height;
        _pixels = pixels;
    }

    /// <summary>0-based index in decode (presentation) order.</summary>
    public int Index { get; }
    public double TimeSeconds { get; }
    public int Width { get; }
    public int Height { get; }
    public int Stride => Width * 3;

    public ReadOnlySpan<byte> Pixels =>
        (_pixels ?? throw new ObjectDisposedException(nameof(VideoFrame))).AsSpan(0, Width * Height * 3);

    public void Dispose()
    {
        var pixels = Interlocked.Exchange(ref _pixels, null);
        if (pixels is not null) ArrayPool<byte>.Shared.Return(pixels);
    }
}
