using PainReview.Pipeline.Analysis;

namespace PainReview.Web.Features.Cohort;

/// <summary>The cohort page's adjustable settings, as an analysis configuration.</summary>
public static class CohortSettings
{
    public static AnalysisConfig ToConfig(double? w4, double? w67, double? w9, string? combine, string? apex, double? quantile, bool? q1)
    {
        var defaults = new AnalysisConfig();
        return defaults with
        {
            Hpii = new HpiiConfig
            {
                W4 = w4 ?? 1, W67 = w67 ?? 1, W9 = w9 ?? 1,
                Combine = Enum.TryParse<CombineRule>(combine, true, out var c) ? c : CombineRule.Max,
            },
            Apex = defaults.Apex with
            {
                Strategy = Enum.TryParse<ApexStrategy>(apex, true, out var a) ? a : ApexStrategy.TopQuantile,
                Quantile = quantile ?? 0.75,
                FirstQuartileFilter = q1 ?? false,
            },
        };
    }
}
