namespace PainReview.Pipeline.Rendering;

/// <summary>
/// The colours of every chart PainReview draws (the timeline PNG, the cohort SVG, the portal's Plotly
/// charts) and of the portal's theme, in one place so that a series looks the same everywhere.
/// </summary>
public static class ChartPalette
{
    /// <summary>HPII, all frames; the portal's primary colour.</summary>
    public const string Hpii = "#1F3B73";
    /// <summary>HPII at APEX frames and the APEX threshold; the portal's secondary colour.</summary>
    public const string Apex = "#C86A00";
    /// <summary>The shading of APEX frames (drawn translucent).</summary>
    public const string ApexShade = "#FFC800";

    /// <summary>Review: APEX frames a person accepted (or added); drawn translucent on the timeline.</summary>
    public const string Accepted = "#2E7D32";
    /// <summary>Review: APEX frames a person rejected; drawn translucent on the timeline.</summary>
    public const string Rejected = "#787878";

    /// <summary>A palette colour ("#RRGGBB") at an opacity, as CSS and plotly.js take it ("rgba(r,g,b,a)").</summary>
    public static string Translucent(string colour, double alpha) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"rgba({Convert.ToInt32(colour[1..3], 16)},{Convert.ToInt32(colour[3..5], 16)},{Convert.ToInt32(colour[5..7], 16)},{alpha:0.###})");

    /// <summary>The pain-related AUs drawn under HPII.</summary>
    public static readonly IReadOnlyList<(string Unit, string Colour)> ActionUnits =
        [("AU04", "#D62728"), ("AU06", "#FF7F0E"), ("AU07", "#9467BD"), ("AU09", "#2CA02C")];
}
