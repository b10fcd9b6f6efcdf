namespace PainReview.Data.Review;

/// <summary>
/// Agreement between two raters over paired categorical decisions.
/// <para>
/// Cohen's kappa = (po - pe) / (1 - pe), po the observed share of agreement, pe the agreement
/// expected by chance from each rater's marginal shares. Its 95% interval is kappa +- 1.96 SE with
/// the large-sample standard error of Fleiss, Cohen and Everitt (1969), which does not assume
/// kappa = 0 (Cohen's 1960 approximation, sqrt(po (1 - po) / (n (1 - pe)^2)), does not hold away
/// from it), clipped to [-1, 1]. Percent agreement's 95% interval is Wilson's score interval.
/// With n = 0 nothing is defined; when pe = 1 (both raters used one and the same category
/// throughout) kappa is undefined (null) although agreement is 100%.
/// </para>
/// <para>
/// Pooled over a study (<see cref="Pooled{T}"/>), the spans of one participant are not independent
/// of each other: the study's intervals come from a percentile bootstrap that resamples
/// participants, not spans.
/// </para>
/// </summary>
/// <param name="Interval">How the 95% intervals were computed.</param>
public sealed record Agreement(int N, int Agreeing, double? PercentAgreement, double? PercentLow, double? PercentHigh,
    double? ChanceAgreement, double? Kappa, double? KappaSe, double? KappaLow, double? KappaHigh, string Interval = Agreement.AnalyticInterval)
{
    public const string Method = "Cohen's kappa, 95% CI = kappa ± 1.96·SE with the Fleiss-Cohen-Everitt (1969) large-sample SE; percent agreement with Wilson's 95% score interval";
    public const string AnalyticInterval = "kappa ± 1.96·SE (Fleiss-Cohen-Everitt); Wilson score interval";
    public const int BootstrapResamples = 2000;

    public static Agreement Of<T>(IReadOnlyCollection<(T First, T Second)> pairs) where T : notnull
    {
        var n = pairs.Count;
        if (n == 0) return new Agreement(0, 0, null, null, null, null, null, null, null, null);
        var eq = EqualityComparer<T>.Default;
        var agreeing = pairs.Count(p => eq.Equals(p.First, p.Second));
        var po = (double)agreeing / n;
        // Each rater's marginal share of each category, and the share of each cell of the table.
        var first = pairs.GroupBy(p => p.First).ToDictionary(g => g.Key, g => (double)g.Count() / n);
        var second = pairs.GroupBy(p => p.Second).ToDictionary(g => g.Key, g => (double)g.Count() / n);
        double Share(Dictionary<T, double> marginal, T category) => marginal.GetValueOrDefault(category);
        var pe = first.Sum(c => c.Value * Share(second, c.Key));
        var (low, high) = Wilson(agreeing, n);
        if (1 - pe < 1e-12) return new Agreement(n, agreeing, po, low, high, pe, null, null, null, null);
        var kappa = (po - pe) / (1 - pe);
        // Fleiss, Cohen & Everitt (1969): var = [sum_i p_ii (1 - (p_i. + p_.i)(1 - k))^2 + (1 - k)^2 sum_{i!=j} p_ij (p_.i + p_j.)^2
        //                                         - (k - pe (1 - k))^2] / (n (1 - pe)^2)
        var sum = 0.0;
        foreach (var cell in pairs.GroupBy(p => p).Select(g => (g.Key.First, g.Key.Second, Share: (double)g.Count() / n)))
        {
            if (eq.Equals(cell.First, cell.Second))
            {
                var t = 1 - (Share(first, cell.First) + Share(second, cell.First)) * (1 - kappa);
                sum += cell.Share * t * t;
            }
            else
            {
                var t = Share(second, cell.First) + Share(first, cell.Second);
                sum += (1 - kappa) * (1 - kappa) * cell.Share * t * t;
            }
        }
        var last = kappa - pe * (1 - kappa);
        var se = Math.Sqrt(Math.Max(0, sum - last * last) / (n * (1 - pe) * (1 - pe)));
        return new Agreement(n, agreeing, po, low, high, pe, kappa, se, Math.Max(-1, kappa - 1.96 * se), Math.Min(1, kappa + 1.96 * se));
    }

    /// <summary>
    /// Agreement pooled over clusters (a study's participants, each with the spans of all their
    /// recordings): the point estimates over every pair, and 95% percentile intervals from
    /// <see cref="BootstrapResamples"/> resamples of whole clusters (fixed seed: the same decisions
    /// give the same interval). With fewer than two clusters it is <see cref="Of{T}"/>'s analytic answer.
    /// The bootstrap SE is the resampled kappas' standard deviation; a resample where kappa is undefined is left out.
    /// </summary>
    public static Agreement Pooled<T>(IReadOnlyList<IReadOnlyCollection<(T First, T Second)>> clusters, int resamples = BootstrapResamples, int seed = 1969)
        where T : notnull
    {
        var point = Of(clusters.SelectMany(c => c).ToList());
        var used = clusters.Where(c => c.Count > 0).ToList();
        if (used.Count < 2) return point;
        var index = new Dictionary<T, int>();
        int Index(T category) => index.TryGetValue(category, out var i) ? i : index[category] = index.Count;
        var eq = EqualityComparer<T>.Default;
        var stats = used.Select(c => (
            N: c.Count, Agreeing: c.Count(p => eq.Equals(p.First, p.Second)),
            First: c.GroupBy(p => Index(p.First)).Select(g => (g.Key, g.Count())).ToArray(),
            Second: c.GroupBy(p => Index(p.Second)).Select(g => (g.Key, g.Count())).ToArray())).ToArray();
        var random = new Random(seed);
        var rows = new double[index.Count];
        var columns = new double[index.Count];
        var kappas = new List<double>(resamples);
        var percents = new double[resamples];
        for (var b = 0; b < resamples; b++)
        {
            Array.Clear(rows);
            Array.Clear(columns);
            double n = 0, agreeing = 0;
            for (var m = 0; m < stats.Length; m++)
            {
                var s = stats[random.Next(stats.Length)];
                n += s.N;
                agreeing += s.Agreeing;
                foreach (var (k, count) in s.First) rows[k] += count;
                foreach (var (k, count) in s.Second) columns[k] += count;
            }
            var po = agreeing / n;
            var pe = 0.0;
            for (var k = 0; k < rows.Length; k++) pe += rows[k] / n * (columns[k] / n);
            percents[b] = po;
            if (1 - pe >= 1e-12) kappas.Add((po - pe) / (1 - pe));
        }
        Array.Sort(percents);
        kappas.Sort();
        var interval = $"percentile bootstrap over {stats.Length} participants ({resamples:N0} resamples of whole participants)";
        var withPercent = point with { PercentLow = Percentile(percents, 0.025), PercentHigh = Percentile(percents, 0.975), Interval = interval };
        if (point.Kappa is null || kappas.Count < resamples / 2) return withPercent with { KappaSe = null, KappaLow = null, KappaHigh = null };
        var mean = kappas.Average();
        return withPercent with
        {
            KappaSe = Math.Sqrt(kappas.Sum(k => (k - mean) * (k - mean)) / (kappas.Count - 1)),
            KappaLow = Percentile(kappas, 0.025), KappaHigh = Percentile(kappas, 0.975),
        };
    }

    /// <summary>The q-quantile of sorted values, interpolated between neighbours (type 7, as R's default).</summary>
    private static double Percentile(IReadOnlyList<double> sorted, double q)
    {
        var h = (sorted.Count - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(sorted.Count - 1, lo + 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
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
