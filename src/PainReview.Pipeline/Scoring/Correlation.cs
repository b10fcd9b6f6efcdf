using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace PainReview.Pipeline.Scoring;

public enum CorrelationMethod { Pearson, Spearman }

/// <summary>A correlation with its uncertainty.</summary>
/// <param name="FisherLow">95% confidence interval from Fisher's z transform (Spearman: Fieller's standard error).</param>
/// <param name="BootstrapLow">95% percentile bootstrap interval (pairs resampled).</param>
public sealed record CorrelationResult(
    CorrelationMethod Method, int N, double R, double P,
    double FisherLow, double FisherHigh, double BootstrapLow, double BootstrapHigh);

/// <summary>Pearson and Spearman correlation with p-values and confidence intervals (Math.NET Numerics).</summary>
public static class Correlation
{
    public const int DefaultBootstrapSamples = 2000;
    public const double Confidence = 0.95;

    /// <summary>
    /// r, two-sided p from Student's t with n-2 degrees of freedom, a Fisher-z interval and a
    /// percentile bootstrap interval (seeded, so reports are reproducible). Null below n = 4.
    /// </summary>
    public static CorrelationResult? Compute(IReadOnlyList<double> x, IReadOnlyList<double> y, CorrelationMethod method,
        int bootstrapSamples = DefaultBootstrapSamples, int seed = 20261126)
    {
        if (x.Count != y.Count) throw new ArgumentException("x and y differ in length.");
        var n = x.Count;
        if (n < 4) return null;
        var r = R(x, y, method);
        if (double.IsNaN(r)) return null;

        var t = r * Math.Sqrt((n - 2) / Math.Max(1e-300, 1 - r * r));
        var p = Math.Abs(r) >= 1 ? 0 : 2 * (1 - StudentT.CDF(0, 1, n - 2, Math.Abs(t)));

        var (fisherLow, fisherHigh) = FisherInterval(r, n, method);

        var random = new Random(seed);
        var samples = new List<double>(bootstrapSamples);
        var bx = new double[n];
        var by = new double[n];
        for (var b = 0; b < bootstrapSamples; b++)
        {
            for (var i = 0; i < n; i++)
            {
                var k = random.Next(n);
                bx[i] = x[k];
                by[i] = y[k];
            }
            var rb = R(bx, by, method);
            if (!double.IsNaN(rb)) samples.Add(rb);
        }
        var sorted = samples.ToArray();
        Array.Sort(sorted);
        var low = sorted.Length > 0 ? SortedArrayStatistics.Quantile(sorted, (1 - Confidence) / 2) : double.NaN;
        var high = sorted.Length > 0 ? SortedArrayStatistics.Quantile(sorted, 1 - (1 - Confidence) / 2) : double.NaN;
        return new CorrelationResult(method, n, r, p, fisherLow, fisherHigh, low, high);
    }

    /// <summary>
    /// 95% interval from Fisher's z transform; for Spearman with Fieller, Hartley and Pearson's
    /// standard error sqrt(1.06 / (n - 3)).
    /// </summary>
    public static (double Low, double High) FisherInterval(double r, int n, CorrelationMethod method)
    {
        var zCrit = Normal.InvCDF(0, 1, 1 - (1 - Confidence) / 2);
        var se = method == CorrelationMethod.Pearson ? 1 / Math.Sqrt(n - 3) : Math.Sqrt(1.06 / (n - 3));
        var z = Math.Atanh(Math.Clamp(r, -0.9999999, 0.9999999));
        return (Math.Tanh(z - zCrit * se), Math.Tanh(z + zCrit * se));
    }

    private static double R(IReadOnlyList<double> x, IReadOnlyList<double> y, CorrelationMethod method) =>
        method == CorrelationMethod.Pearson ? MathNet.Numerics.Statistics.Correlation.Pearson(x, y)
            : MathNet.Numerics.Statistics.Correlation.Spearman(x, y);
}
