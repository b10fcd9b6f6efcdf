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

    /// <summary>The pain-related AUs drawn under HPII.</summary>
    public static readonly IReadOnlyList<(string Unit, string Colour)> ActionUnits =
        [("AU04", "#D62728"), ("AU06", "#FF7F0E"), ("AU07", "#9467BD"), ("AU09", "#2CA02C")];
}
