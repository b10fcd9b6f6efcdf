using System.Buffers;

namespace PainReview.Pipeline.Decoding;

/// <summary>How a decoded frame's bytes are laid out.</summary>
public enum PixelLayout
{
    /// <summary>Packed 8-bit R, G, B.</summary>
    Rgb24,
    /// <summary>
    /// Planar Y (full size), then U and V (half width, half height), BT.601 limited range: what most
    /// videos decode to, so ffmpeg converts nothing and half as many bytes cross the pipe.
    /// </summary>
    Yuv420p,
}

/// <summary>A frame's pixels as the samplers read them: no copy, no ownership.</summary>
public readonly ref struct FrameImage(ReadOnlySpan<byte> data, int width, int height, PixelLayout layout)
{
    public ReadOnlySpan<byte> Data { get; } = data;
    public int Width { get; } = width;
    public int Height { get; } = height;
    public PixelLayout Layout { get; } = layout;

    public static FrameImage Rgb(ReadOnlySpan<byte> rgb, int width, int height) => new(rgb, width, height, PixelLayout.Rgb24);

    public static int ByteCount(int width, int height, PixelLayout layout) => layout == PixelLayout.Rgb24
        ? width * height * 3
        : width * height + 2 * ((width + 1) / 2) * ((height + 1) / 2);
}

/// <summary>
/// One decoded frame. The pixel buffer is rented: dispose the frame when done so that memory stays
/// bounded however long the video is.
/// </summary>
public sealed class VideoFrame : IDisposable
{
    private byte[]? _data;
    private byte[]? _rgb;

    public VideoFrame(int index, double timeSeconds, int width, int height, byte[] data, PixelLayout layout = PixelLayout.Rgb24)
    {
        Index = index;
        TimeSeconds = timeSeconds;
        Width = width;
        Height = height;
        Layout = layout;
        _data = data;
    }

    /// <summary>0-based index in decode (presentation) order.</summary>
    public int Index { get; }
    public double TimeSeconds { get; }
    public int Width { get; }
    public int Height { get; }
    public PixelLayout Layout { get; }

    /// <summary>The frame as decoded, for the samplers (no conversion).</summary>
    public FrameImage Image => new(
        (_data ?? throw new ObjectDisposedException(nameof(VideoFrame))).AsSpan(0, FrameImage.ByteCount(Width, Height, Layout)),
        Width, Height, Layout);

    /// <summary>Packed rgb24 pixels (converted once on first use for planar frames: for rendering, not the hot path).</summary>
    public ReadOnlySpan<byte> Pixels
    {
        get
        {
            var data = _data ?? throw new ObjectDisposedException(nameof(VideoFrame));
            if (Layout == PixelLayout.Rgb24) return data.AsSpan(0, Width * Height * 3);
            if (_rgb is null)
            {
                var rgb = ArrayPool<byte>.Shared.Rent(Width * Height * 3);
                YuvConversion.ToRgb24(Image, rgb);
                _rgb = rgb;
            }
            return _rgb.AsSpan(0, Width * Height * 3);
        }
    }

    public void Dispose()
    {
        var data = Interlocked.Exchange(ref _data, null);
        if (data is not null) ArrayPool<byte>.Shared.Return(data);
        var rgb = Interlocked.Exchange(ref _rgb, null);
        if (rgb is not null) ArrayPool<byte>.Shared.Return(rgb);
    }
}

/// <summary>BT.601 limited-range YUV to RGB, as ffmpeg's scaler converts untagged video by default.</summary>
public static class YuvConversion
{
    /// <summary>R, G, B (0-255, clamped) of one pixel.</summary>
    public static (float R, float G, float B) Rgb(float y, float u, float v)
    {
        var c = 1.164383f * (y - 16);
        float d = u - 128, e = v - 128;
        return (Math.Clamp(c + 1.596027f * e, 0, 255), Math.Clamp(c - 0.391762f * d - 0.812968f * e, 0, 255), Math.Clamp(c + 2.017232f * d, 0, 255));
    }

    /// <summary>Luma on the 0-255 scale of 0.299 R + 0.587 G + 0.114 B.</summary>
    public static float Grey(float y) => Math.Clamp(1.164383f * (y - 16), 0, 255);

    public static void ToRgb24(FrameImage image, Span<byte> rgb)
    {
        int w = image.Width, h = image.Height, cw = (w + 1) / 2, ch = (h + 1) / 2;
        var yPlane = image.Data[..(w * h)];
        var uPlane = image.Data.Slice(w * h, cw * ch);
        var vPlane = image.Data.Slice(w * h + cw * ch, cw * ch);
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var (r, g, b) = Rgb(yPlane[y * w + x], uPlane[(y >> 1) * cw + (x >> 1)], vPlane[(y >> 1) * cw + (x >> 1)]);
                var o = (y * w + x) * 3;
                rgb[o] = (byte)(r + 0.5f);
                rgb[o + 1] = (byte)(g + 0.5f);
                rgb[o + 2] = (byte)(b + 0.5f);
            }
    }
}
