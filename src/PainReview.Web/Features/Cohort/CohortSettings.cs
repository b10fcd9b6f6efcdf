using PainReview.Pipeline.Analysis;

namespace PainReview.Web.Features.Cohort;

/// <summary>The cohort page's adjustable settings, as an analysis configuration.</summary>
public static class CohortSettings
{
    public static AnalysisConfig ToConfig(double? w4, double? w67, double? w9, string? combine, string? apex, double? quantile, bool? q1) =>
        ToConfig(new AnalysisConfig(), w4, w67, w9, combine, apex, quantile, q1);

    /// <summary>The study's protocol with the page's HPII and APEX settings in place of its own (what is not set keeps the protocol's value).</summary>
    public static AnalysisConfig ToConfig(AnalysisConfig protocol, double? w4, double? w67, double? w9, string? combine, string? apex, double? quantile, bool? q1)
    {
        var defaults = protocol;
        if (combine is { Length: > 0 } && !Enum.TryParse<CombineRule>(combine, true, out _) || int.TryParse(combine, out _))
            throw new InvalidDataException($"combine '{combine}' is not a rule: use {string.Join(" or ", Enum.GetNames<CombineRule>())}.");
        if (apex is { Length: > 0 } && !Enum.TryParse<ApexStrategy>(apex, true, out _) || int.TryParse(apex, out _))
            throw new InvalidDataException($"apex '{apex}' is not a strategy: use {string.Join(", ", Enum.GetNames<ApexStrategy>())}.");
        var config = defaults with
        {
            Hpii = new HpiiConfig
            {
                W4 = w4 ?? defaults.Hpii.W4, W67 = w67 ?? defaults.Hpii.W67, W9 = w9 ?? defaults.Hpii.W9,
                Combine = Enum.TryParse<CombineRule>(combine, true, out var c) ? c : defaults.Hpii.Combine,
            },
            Apex = defaults.Apex with
            {
                Strategy = Enum.TryParse<ApexStrategy>(apex, true, out var a) ? a : defaults.Apex.Strategy,
                Quantile = quantile ?? defaults.Apex.Quantile,
                FirstQuartileFilter = q1 ?? defaults.Apex.FirstQuartileFilter,
            },
        };
        config.Validate();
        return config;
    }
}
