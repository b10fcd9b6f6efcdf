namespace PainReview.Pipeline.Faces;

/// <summary>
/// Texture of the glabella, the skin between the brows where a brow lowerer (AU4) draws vertical
/// furrows and a bulge: the gradient energy of a grey patch aligned with the eyes, centred between the
/// inner brows (55, 285) and the nasal root (168), 0.24 interocular distances wide, divided by the
/// patch's brightness so lighting and contrast cancel, on a log scale. Compared with the person's own
/// neutral like every feature, it measures what FACS codes AU4 by and what landmarks miss.
/// </summary>
public static class GlabellaPatch
{
    /// <summary>Sampling grid (points per side).</summary>
    public const int Grid = 24;

    /// <summary>Half the patch's side, in interocular distances (outer eye corners 33-263).</summary>
    public const float HalfSize = 0.12f;

    /// <summary>
    /// The population's relaxed glabella, for still images and recordings without a baseline of their own:
    /// the median of the 10th percentiles measured on the team's test clips (-3.1 to -2.3).
    /// </summary>
    public const float PopulationNeutral = -2.9f;

    /// <summary>Measures the texture from image-pixel landmarks (468 x 3) on a packed rgb24 frame.</summary>
    public static float Measure(ReadOnlySpan<byte> rgb, int width, int height, ReadOnlySpan<float> landmarks) =>
        Measure(Decoding.FrameImage.Rgb(rgb, width, height), landmarks);

    public static float Measure(Decoding.FrameImage image, ReadOnlySpan<float> landmarks)
    {
        float ex = landmarks[263 * 3] - landmarks[33 * 3], ey = landmarks[263 * 3 + 1] - landmarks[33 * 3 + 1];
        var interocular = MathF.Sqrt(ex * ex + ey * ey);
        if (!(interocular > 1)) return float.NaN;
        float ux = ex / interocular, uy = ey / interocular; // along the eyes
        float vx = -uy, vy = ux;                            // down the face
        var cx = ((landmarks[55 * 3] + landmarks[285 * 3]) / 2 + landmarks[168 * 3]) / 2;
        var cy = ((landmarks[55 * 3 + 1] + landmarks[285 * 3 + 1]) / 2 + landmarks[168 * 3 + 1]) / 2;
        var half = HalfSize * interocular;

        Span<float> patch = stackalloc float[Grid * Grid];
        float sum = 0;
        for (var j = 0; j < Grid; j++)
        {
            var b = (j / (Grid - 1f) * 2 - 1) * half;
            for (var i = 0; i < Grid; i++)
            {
                var a = (i / (Grid - 1f) * 2 - 1) * half;
                var g = Grey(image, cx + a * ux + b * vx, cy + a * uy + b * vy);
                patch[j * Grid + i] = g;
                sum += g;
            }
        }
        var mean = sum / (Grid * Grid);
        double gx = 0, gy = 0;
        for (var j = 1; j < Grid - 1; j++)
            for (var i = 1; i < Grid - 1; i++)
            {
                var dx = patch[j * Grid + i + 1] - patch[j * Grid + i - 1];
                var dy = patch[(j + 1) * Grid + i] - patch[(j - 1) * Grid + i];
                gx += dx * dx;
                gy += dy * dy;
            }
        const double inner = (Grid - 2) * (Grid - 2);
        var energy = Math.Sqrt(gx / inner + gy / inner);
        return (float)Math.Log(energy / (mean + 1) + 1e-4);
    }

    /// <summary>Bilinear luma (BT.601) at a sub-pixel position, clamped to the image.</summary>
    private static float Grey(Decoding.FrameImage image, float x, float y)
    {
        x = Math.Clamp(x, 0, image.Width - 1.001f);
        y = Math.Clamp(y, 0, image.Height - 1.001f);
        int x0 = (int)x, y0 = (int)y;
        float fx = x - x0, fy = y - y0;
        return (1 - fy) * ((1 - fx) * Luma(image, x0, y0) + fx * Luma(image, x0 + 1, y0))
            + fy * ((1 - fx) * Luma(image, x0, y0 + 1) + fx * Luma(image, x0 + 1, y0 + 1));
    }

    /// <summary>0.299 R + 0.587 G + 0.114 B, or the same from the Y plane of a planar frame.</summary>
    private static float Luma(Decoding.FrameImage image, int x, int y)
    {
        if (image.Layout == Decoding.PixelLayout.Yuv420p) return Decoding.YuvConversion.Grey(image.Data[y * image.Width + x]);
        var o = (y * image.Width + x) * 3;
        return 0.299f * image.Data[o] + 0.587f * image.Data[o + 1] + 0.114f * image.Data[o + 2];
    }
}
