namespace PainReview.Data.Review;

/// <summary>
/// Agreement between two raters over paired categorical decisions.
/// <para>
/// Cohen's kappa = (po - pe) / (1 - pe), po the observed share of agreement, pe the agreement
/// expected by chance from each rater's marginal shares. Its 95% interval is kappa +- 1.96 SE with
/// Cohen's (1960) large-sample standard error SE = sqrt(po (1 - po) / (n (1 - pe)^2)), clipped to
/// [-1, 1]. Percent agreement's 95% interval is Wilson's score interval. With n = 0 nothing is
/// defined; when pe = 1 (both raters used one and the same category throughout) kappa is undefined
/// (null) although agreement is 100%.
/// </para>
/// </summary>
public sealed record Agreement(int N, int Agreeing, double? PercentAgreement, double? PercentLow, double? PercentHigh,
    double? ChanceAgreement, double? Kappa, double? KappaSe, double? KappaLow, double? KappaHigh)
{
    public const string Method = "Cohen's kappa with Cohen's (1960) large-sample SE, 95% CI = kappa ± 1.96·SE; percent agreement with Wilson's 95% score interval";

    public static Agreement Of<T>(IReadOnlyCollection<(T First, T Second)> pairs) where T : notnull
    {
        var n = pairs.Count;
        if (n == 0) return new Agreement(0, 0, null, null, null, null, null, null, null, null);
        var agreeing = pairs.Count(p => EqualityComparer<T>.Default.Equals(p.First, p.Second));
        var po = (double)agreeing / n;
        var categories = pairs.Select(p => p.First).Concat(pairs.Select(p => p.Second)).Distinct().ToList();
        var pe = categories.Sum(c => (double)pairs.Count(p => EqualityComparer<T>.Default.Equals(p.First, c)) / n
                                     * pairs.Count(p => EqualityComparer<T>.Default.Equals(p.Second, c)) / n);
        var (low, high) = Wilson(agreeing, n);
        if (1 - pe < 1e-12) return new Agreement(n, agreeing, po, low, high, pe, null, null, null, null);
        var kappa = (po - pe) / (1 - pe);
        var se = Math.Sqrt(po * (1 - po) / (n * (1 - pe) * (1 - pe)));
        return new Agreement(n, agreeing, po, low, high, pe, kappa, se, Math.Max(-1, kappa - 1.96 * se), Math.Min(1, kappa + 1.96 * se));
    }

    /// <summary>Wilson's 95% score interval for a proportion k/n.</summary>
    public static (double Low, double High) Wilson(int k, int n)
    {
        const double z = 1.96;
        var p = (double)k / n;
        var denominator = 1 + z * z / n;
        var centre = (p + z * z / (2 * n)) / denominator;
        var half = z * Math.Sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / denominator;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
