using PainReview.Pipeline.Analysis;

namespace PainReview.Web.Features.Cohort;

/// <summary>The cohort page's adjustable settings, as an analysis configuration.</summary>
public static class CohortSettings
{
    public static AnalysisConfig ToConfig(double? w4, double? w67, double? w9, string? combine, string? apex, double? quantile, bool? q1)
    {
        var defaults = new AnalysisConfig();
        if (combine is { Length: > 0 } && !Enum.TryParse<CombineRule>(combine, true, out _) || int.TryParse(combine, out _))
            throw new InvalidDataException($"combine '{combine}' is not a rule: use {string.Join(" or ", Enum.GetNames<CombineRule>())}.");
        if (apex is { Length: > 0 } && !Enum.TryParse<ApexStrategy>(apex, true, out _) || int.TryParse(apex, out _))
            throw new InvalidDataException($"apex '{apex}' is not a strategy: use {string.Join(", ", Enum.GetNames<ApexStrategy>())}.");
        var config = defaults with
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
        config.Validate();
        return config;
    }
}
