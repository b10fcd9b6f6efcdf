using SkiaSharp;

namespace PainReview.Pipeline.Rendering;

/// <summary>Finds a typeface on the machine (SkiaSharp's self-contained build does not ask fontconfig).</summary>
internal static class Fonts
{
    private static readonly Lazy<SKTypeface> Sans = new(() =>
    {
        string[] candidates =
        [
            "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/liberation/LiberationSans-Regular.ttf",
            "/usr/share/fonts/TTF/DejaVuSans.ttf",
        ];
        foreach (var path in candidates)
            if (File.Exists(path) && SKTypeface.FromFile(path) is { } face) return face;
        return SKTypeface.Default;
    });

    public static SKTypeface Typeface => Sans.Value;

    public static SKPaint Text(float size, SKColor color) => new()
    {
        Typeface = Typeface, TextSize = size, Color = color, IsAntialias = true,
    };
}
