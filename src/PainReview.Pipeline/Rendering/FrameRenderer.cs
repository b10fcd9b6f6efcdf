using System.Globalization;
using PainReview.Pipeline.Decoding;
using PainReview.Pipeline.Faces;
using SkiaSharp;

namespace PainReview.Pipeline.Rendering;

/// <summary>Draws a frame with what the pipeline saw on it: face region, landmarks and head pose.</summary>
public static class FrameRenderer
{
    public static byte[] RenderPng(VideoFrame frame, FrameGeometry? geometry, bool annotate = true, bool indexKnown = true)
    {
        using var bitmap = ToBitmap(frame);
        if (annotate)
        {
            using var canvas = new SKCanvas(bitmap);
            var scale = Math.Max(1f, Math.Max(frame.Width, frame.Height) / 640f);
            if (geometry is { Face.FaceFound: true } g)
            {
                DrawRegion(canvas, g.Face.Region, scale);
                using var dot = new SKPaint { Color = new SKColor(0, 255, 120), IsAntialias = true, Style = SKPaintStyle.Fill };
                var lm = g.Face.Landmarks;
                for (var i = 0; i < lm.Length / 3; i++)
                    canvas.DrawCircle(lm[i * 3], lm[i * 3 + 1], 1.2f * scale, dot);
            }
            var label = geometry is { Face.FaceFound: true, Pose: { } p }
                ? string.Create(CultureInfo.InvariantCulture,
                    $"{(indexKnown ? $"frame {frame.Index} " : "")}t={frame.TimeSeconds:0.000}s face {geometry.Face.Confidence:0.00} yaw {p.Yaw:0.0} pitch {p.Pitch:0.0} roll {p.Roll:0.0}{(geometry.PoseOutOfRange ? " (pose out of range)" : "")}")
                : string.Create(CultureInfo.InvariantCulture, $"{(indexKnown ? $"frame {frame.Index} " : "")}t={frame.TimeSeconds:0.000}s: no face found");
            using var text = Fonts.Text(14 * scale, SKColors.White);
            using var shadow = Fonts.Text(14 * scale, SKColors.Black);
            canvas.DrawText(label, 9 * scale, 21 * scale, shadow);
            canvas.DrawText(label, 8 * scale, 20 * scale, text);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 90);
        return data.ToArray();
    }

    private static void DrawRegion(SKCanvas canvas, SquareRegion region, float scale)
    {
        using var paint = new SKPaint { Color = new SKColor(255, 200, 0), Style = SKPaintStyle.Stroke, StrokeWidth = 2 * scale, IsAntialias = true };
        var corners = new[] { (0f, 0f), (1f, 0f), (1f, 1f), (0f, 1f) }
            .Select(c => region.ToImage(c.Item1, c.Item2, 1)).ToArray();
        using var path = new SKPath();
        path.MoveTo(corners[0].X, corners[0].Y);
        foreach (var c in corners.Skip(1)) path.LineTo(c.X, c.Y);
        path.Close();
        canvas.DrawPath(path, paint);
    }

    private static SKBitmap ToBitmap(VideoFrame frame)
    {
        var bitmap = new SKBitmap(new SKImageInfo(frame.Width, frame.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgb = frame.Pixels;
        var rgba = new byte[frame.Width * frame.Height * 4];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgba[j] = rgb[i];
            rgba[j + 1] = rgb[i + 1];
            rgba[j + 2] = rgb[i + 2];
            rgba[j + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }
}
