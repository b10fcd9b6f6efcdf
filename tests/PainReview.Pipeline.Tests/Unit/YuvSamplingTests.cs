using PainReview.Pipeline.Decoding;
using PainReview.Pipeline.Faces;

namespace PainReview.Pipeline.Tests.Unit;

/// <summary>Unit: the planar YUV 4:2:0 path samples the same crop as the rgb24 path.</summary>
public sealed class YuvSamplingTests
{
    private const int W = 96, H = 64;

    /// <summary>A smooth colour image (gradients, so 4:2:0 chroma loses little) and its BT.601 limited-range YUV 4:2:0.</summary>
    private static (byte[] Rgb, byte[] Yuv) Image()
    {
        var rgb = new byte[W * H * 3];
        for (var y = 0; y < H; y++)
            for (var x = 0; x < W; x++)
            {
                var o = (y * W + x) * 3;
                rgb[o] = (byte)(40 + 2 * x);
                rgb[o + 1] = (byte)(30 + 3 * y);
                rgb[o + 2] = (byte)(200 - x - y);
            }
        var yuv = new byte[FrameImage.ByteCount(W, H, PixelLayout.Yuv420p)];
        int cw = W / 2, ch = H / 2;
        for (var y = 0; y < H; y++)
            for (var x = 0; x < W; x++)
            {
                var o = (y * W + x) * 3;
                yuv[y * W + x] = (byte)Math.Round(16 + 0.256788 * rgb[o] + 0.504129 * rgb[o + 1] + 0.097906 * rgb[o + 2]);
            }
        for (var y = 0; y < ch; y++)
            for (var x = 0; x < cw; x++)
            {
                double r = 0, g = 0, b = 0;
                foreach (var (dx, dy) in new[] { (0, 0), (1, 0), (0, 1), (1, 1) })
                {
                    var o = ((2 * y + dy) * W + 2 * x + dx) * 3;
                    r += rgb[o] / 4.0; g += rgb[o + 1] / 4.0; b += rgb[o + 2] / 4.0;
                }
                yuv[W * H + y * cw + x] = (byte)Math.Round(128 - 0.148223 * r - 0.290993 * g + 0.439216 * b);
                yuv[W * H + cw * ch + y * cw + x] = (byte)Math.Round(128 + 0.439216 * r - 0.367788 * g - 0.071427 * b);
            }
        return (rgb, yuv);
    }

    [Fact]
    public void A_rotated_crop_reads_the_same_from_yuv_as_from_rgb()
    {
        var (rgb, yuv) = Image();
        var region = new SquareRegion(48, 30, 40, 0.3f);
        var fromRgb = new float[24 * 24 * 3];
        var fromYuv = new float[24 * 24 * 3];
        ImageSampler.Sample(FrameImage.Rgb(rgb, W, H), region, fromRgb, 24, 1f, 0f);
        ImageSampler.Sample(new FrameImage(yuv, W, H, PixelLayout.Yuv420p), region, fromYuv, 24, 1f, 0f);
        // Rounding to 8-bit YUV and 4:2:0 chroma cost a few levels at most on a smooth image.
        for (var i = 0; i < fromRgb.Length; i++) Assert.InRange(fromYuv[i] - fromRgb[i], -4f, 4f);
    }

    [Fact]
    public void A_planar_frame_converts_to_rgb24_for_rendering()
    {
        var (rgb, yuv) = Image();
        var data = System.Buffers.ArrayPool<byte>.Shared.Rent(yuv.Length);
        yuv.CopyTo(data, 0);
        using var frame = new VideoFrame(0, 0, W, H, data, PixelLayout.Yuv420p);
        var pixels = frame.Pixels;
        Assert.Equal(W * H * 3, pixels.Length);
        for (var i = 0; i < pixels.Length; i++) Assert.InRange(pixels[i] - rgb[i], -6, 6);
    }
}
