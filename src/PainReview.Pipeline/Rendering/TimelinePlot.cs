using System.Globalization;
using SkiaSharp;

namespace PainReview.Pipeline.Rendering;

/// <summary>One frame of a timeline: time, the plotted series (null where unusable) and APEX.</summary>
public sealed record TimelinePoint(double TimeSeconds, double? Hpii, IReadOnlyDictionary<string, double?> ActionUnits, bool Apex);

/// <summary>
/// Draws a recording's timeline: HPII with APEX frames shaded and the APEX threshold, and the
/// pain-related AUs below it; unusable frames leave gaps.
/// </summary>
public static class TimelinePlot
{
    private static readonly SKColor Hpii = SKColor.Parse(ChartPalette.Hpii), Apex = SKColor.Parse(ChartPalette.Apex), ApexShade = SKColor.Parse(ChartPalette.ApexShade);
    private static readonly (string Name, SKColor Color)[] AuColors = [.. ChartPalette.ActionUnits.Select(a => (a.Unit, SKColor.Parse(a.Colour)))];

    public static byte[] RenderPng(IReadOnlyList<TimelinePoint> points, string title, double? apexThreshold, int width = 1400, int height = 700)
    {
        using var bitmap = new SKBitmap(width, height);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        const float left = 70, right = 170, top = 50, gap = 40, bottom = 50;
        var panelHeight = (height - top - bottom - gap) / 2f;
        var plotWidth = width - left - right;
        var t0 = points.Count > 0 ? points[0].TimeSeconds : 0;
        var t1 = points.Count > 1 ? points[^1].TimeSeconds : t0 + 1;
        if (t1 <= t0) t1 = t0 + 1;
        float X(double t) => left + (float)((t - t0) / (t1 - t0)) * plotWidth;

        using var titlePaint = Fonts.Text(20, SKColors.Black);
        canvas.DrawText(title, left, 30, titlePaint);

        var hpiiMax = Math.Max(1, points.Max(p => p.Hpii ?? 0) * 1.1);
        var hpiiPanel = new SKRect(left, top, left + plotWidth, top + panelHeight);
        var auPanel = new SKRect(left, top + panelHeight + gap, left + plotWidth, top + 2 * panelHeight + gap);

        // APEX shading behind both panels.
        using (var shade = new SKPaint { Color = ApexShade.WithAlpha(70), Style = SKPaintStyle.Fill })
        {
            var frameWidth = Math.Max(1f, plotWidth / Math.Max(1, points.Count));
            foreach (var p in points.Where(p => p.Apex))
            {
                canvas.DrawRect(X(p.TimeSeconds) - frameWidth / 2, hpiiPanel.Top, frameWidth, hpiiPanel.Height, shade);
                canvas.DrawRect(X(p.TimeSeconds) - frameWidth / 2, auPanel.Top, frameWidth, auPanel.Height, shade);
            }
        }

        DrawAxes(canvas, hpiiPanel, 0, hpiiMax, "HPII", t0, t1);
        DrawAxes(canvas, auPanel, 0, 5, "AU intensity (0-5)", t0, t1);

        if (apexThreshold is { } threshold)
        {
            using var dashed = new SKPaint { Color = Apex, StrokeWidth = 1.5f, IsAntialias = true, PathEffect = SKPathEffect.CreateDash([6, 4], 0), Style = SKPaintStyle.Stroke };
            var y = Y(threshold, hpiiPanel, 0, hpiiMax);
            canvas.DrawLine(hpiiPanel.Left, y, hpiiPanel.Right, y, dashed);
        }

        DrawSeries(canvas, points, p => p.Hpii, hpiiPanel, 0, hpiiMax, Hpii, 2.2f, X);
        foreach (var (name, color) in AuColors)
            DrawSeries(canvas, points, p => p.ActionUnits.TryGetValue(name, out var v) ? v : null, auPanel, 0, 5, color, 1.5f, X);

        // Legend.
        using var legendText = Fonts.Text(14, SKColors.Black);
        var ly = top + 10f;
        void Legend(string label, SKColor color, bool box = false)
        {
            using var paint = new SKPaint { Color = color, StrokeWidth = 3, Style = box ? SKPaintStyle.Fill : SKPaintStyle.Stroke };
            if (box) canvas.DrawRect(width - right + 15, ly - 6, 22, 12, paint);
            else canvas.DrawLine(width - right + 15, ly, width - right + 37, ly, paint);
            canvas.DrawText(label, width - right + 45, ly + 5, legendText);
            ly += 22;
        }
        Legend("HPII", Hpii);
        Legend("APEX frames", ApexShade.WithAlpha(140), box: true);
        if (apexThreshold is not null) Legend("APEX threshold", Apex);
        ly = auPanel.Top + 10;
        foreach (var (name, color) in AuColors) Legend(name, color);

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 90);
        return data.ToArray();
    }

    private static float Y(double value, SKRect panel, double min, double max) =>
        panel.Bottom - (float)((value - min) / (max - min)) * panel.Height;

    private static void DrawSeries(SKCanvas canvas, IReadOnlyList<TimelinePoint> points, Func<TimelinePoint, double?> value,
        SKRect panel, double min, double max, SKColor color, float width, Func<double, float> x)
    {
        using var paint = new SKPaint { Color = color, StrokeWidth = width, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var path = new SKPath();
        var drawing = false;
        foreach (var p in points)
        {
            if (value(p) is not { } v)
            {
                drawing = false; // unusable frame: a gap
                continue;
            }
            var y = Y(Math.Clamp(v, min, max), panel, min, max);
            if (drawing) path.LineTo(x(p.TimeSeconds), y);
            else path.MoveTo(x(p.TimeSeconds), y);
            drawing = true;
        }
        canvas.DrawPath(path, paint);
    }

    private static void DrawAxes(SKCanvas canvas, SKRect panel, double min, double max, string label, double t0, double t1)
    {
        using var axis = new SKPaint { Color = SKColors.Gray, StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        using var grid = new SKPaint { Color = new SKColor(230, 230, 230), StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        using var text = Fonts.Text(12, SKColors.DimGray);
        canvas.DrawRect(panel, axis);
        for (var i = 0; i <= 5; i++)
        {
            var v = min + (max - min) * i / 5;
            var y = Y(v, panel, min, max);
            if (i is > 0 and < 5) canvas.DrawLine(panel.Left, y, panel.Right, y, grid);
            canvas.DrawText(v.ToString("0.#", CultureInfo.InvariantCulture), panel.Left - 35, y + 4, text);
        }
        var step = NiceStep((t1 - t0) / 10);
        for (var t = Math.Ceiling(t0 / step) * step; t <= t1 + 1e-9; t += step)
        {
            var x = panel.Left + (float)((t - t0) / (t1 - t0)) * panel.Width;
            canvas.DrawLine(x, panel.Bottom, x, panel.Bottom + 4, axis);
            canvas.DrawText(t.ToString("0.#", CultureInfo.InvariantCulture) + " s", x - 10, panel.Bottom + 18, text);
        }
        using var labelPaint = Fonts.Text(13, SKColors.Black);
        canvas.Save();
        canvas.RotateDegrees(-90, panel.Left - 50, panel.MidY);
        canvas.DrawText(label, panel.Left - 50 - labelPaint.MeasureText(label) / 2, panel.MidY, labelPaint);
        canvas.Restore();
    }

    private static double NiceStep(double raw)
    {
        if (raw <= 0) return 1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var normalized = raw / magnitude;
        return (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude;
    }
}
