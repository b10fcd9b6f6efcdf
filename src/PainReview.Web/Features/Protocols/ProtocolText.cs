using System.Globalization;
using PainReview.Pipeline.Analysis;

namespace PainReview.Web.Features.Protocols;

/// <summary>A study protocol in one line of plain words, as the study page shows it.</summary>
public static class ProtocolText
{
    public static string Describe(AnalysisConfig c)
    {
        var ci = CultureInfo.InvariantCulture;
        var baseline = c.Baseline.Mode switch
        {
            BaselineMode.Range => string.Create(ci, $"neutral: seconds {c.Baseline.RangeStartSeconds}-{c.Baseline.RangeEndSeconds} of each recording"),
            BaselineMode.Recording => $"neutral: each participant's recording at timepoint '{c.Baseline.Recording}'",
            BaselineMode.Population => "neutral: the population (canonical) face",
            _ => string.Create(ci, $"neutral: the {c.Baseline.Percentile:0.#}th percentile of each recording"),
        };
        return string.Create(ci, $"{baseline}; smoothing {c.Smoothing.Method} ({c.Smoothing.Window} frames); HPII = {c.Hpii.W4:0.##}·AU4 + {c.Hpii.W67:0.##}·{c.Hpii.Combine.ToString().ToLowerInvariant()}(AU6, AU7) + {c.Hpii.W9:0.##}·AU9; APEX {c.Apex.Strategy} (quantile {c.Apex.Quantile:0.##}){(c.Apex.FirstQuartileFilter ? ", first-quartile filter" : "")}{(c.Apex.SkipSmiles ? ", smiles skipped" : "")}; pose limits {c.Quality.MaxAbsYaw:0}/{c.Quality.MaxAbsPitch:0}/{c.Quality.MaxAbsRoll:0}°");
    }
}
