using PainReview.Pipeline.Faces;

namespace PainReview.Pipeline.Tests.Unit;

/// <summary>Unit: crop sampling into model tensors.</summary>
public sealed class SamplerTests
{
    private static byte[] Gradient(int width, int height)
    {
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                rgb[(y * width + x) * 3] = (byte)x;
                rgb[(y * width + x) * 3 + 1] = (byte)y;
                rgb[(y * width + x) * 3 + 2] = 77;
            }
        return rgb;
    }

    [Fact]
    public void Unrotated_one_to_one_crop_copies_pixels()
    {
        var rgb = Gradient(100, 80);
        var crop = new float[16 * 16 * 3];
        ImageSampler.Sample(rgb, 100, 80, new SquareRegion(50, 40, 16, 0), crop, 16, 1, 0);
        // Crop pixel (0, 0) is image pixel (42, 32).
        Assert.Equal(42, crop[0], 0.01f);
        Assert.Equal(32, crop[1], 0.01f);
        Assert.Equal(77, crop[2], 0.01f);
        Assert.Equal(42 + 15, crop[(15 * 16 + 15) * 3], 0.01f);
        Assert.Equal(32 + 15, crop[(15 * 16 + 15) * 3 + 1], 0.01f);
    }

    [Fact]
    public void Scale_and_offset_normalise_values()
    {
        var rgb = Gradient(100, 80);
        var crop = new float[8 * 8 * 3];
        ImageSampler.Sample(rgb, 100, 80, new SquareRegion(50, 40, 8, 0), crop, 8, 2f / 255f, -1f);
        Assert.Equal(77 * 2f / 255f - 1f, crop[2], 0.001f);
    }

    [Fact]
    public void Rotated_crop_reads_along_the_rotated_axis()
    {
        var rgb = Gradient(100, 80);
        var crop = new float[16 * 16 * 3];
        ImageSampler.Sample(rgb, 100, 80, new SquareRegion(50, 40, 16, MathF.PI / 2), crop, 16, 1, 0);
        // Moving right in the crop moves down the image: the red (x) channel stays, green (y) grows.
        var a = (8 * 16 + 4) * 3;
        var b = (8 * 16 + 12) * 3;
        Assert.Equal(crop[a], crop[b], 0.6f);
        Assert.Equal(8, crop[b + 1] - crop[a + 1], 0.6f);
    }

    [Fact]
    public void Outside_the_image_is_black()
    {
        var rgb = Gradient(100, 80);
        var crop = new float[4 * 4 * 3];
        ImageSampler.Sample(rgb, 100, 80, new SquareRegion(500, 500, 4, 0), crop, 4, 1, -1);
        Assert.All(crop, v => Assert.Equal(-1f, v));
    }
}
