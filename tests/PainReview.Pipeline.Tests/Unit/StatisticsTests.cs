using PainReview.Pipeline.Scoring;

namespace PainReview.Pipeline.Tests.Unit;

/// <summary>Unit: correlation statistics against published textbook values.</summary>
public sealed class StatisticsTests
{
    // Anscombe's quartet, data set I (Anscombe 1973): r = 0.816, regression p = 0.00217.
    private static readonly double[] AnscombeX = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5];
    private static readonly double[] AnscombeY = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68];

    // Spearman's worked example (IQ and hours of television, Wikipedia): rho = -29/165, p = 0.627188.
    private static readonly double[] Iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
    private static readonly double[] Tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];

    [Fact]
    public void Pearson_matches_anscombe()
    {
        var c = Correlation.Compute(AnscombeX, AnscombeY, CorrelationMethod.Pearson)!;
        Assert.Equal(11, c.N);
        Assert.Equal(0.81642, c.R, 5);
        Assert.Equal(0.00217, c.P, 5);
    }

    [Fact]
    public void Spearman_matches_the_worked_example()
    {
        var c = Correlation.Compute(Iq, Tv, CorrelationMethod.Spearman)!;
        Assert.Equal(-29.0 / 165, c.R, 10);
        Assert.Equal(0.627188, c.P, 5);
    }

    [Fact]
    public void Fisher_interval_matches_the_textbook_case()
    {
        // r = 0.5 with n = 50: 95% CI 0.257 to 0.683 (Fisher z, e.g. Howell, Statistical Methods for Psychology).
        var (low, high) = Correlation.FisherInterval(0.5, 50, CorrelationMethod.Pearson);
        Assert.Equal(0.257, low, 0.001);
        Assert.Equal(0.683, high, 0.001);
    }

    [Fact]
    public void Bootstrap_interval_is_reproducible_and_brackets_r()
    {
        var a = Correlation.Compute(AnscombeX, AnscombeY, CorrelationMethod.Pearson)!;
        var b = Correlation.Compute(AnscombeX, AnscombeY, CorrelationMethod.Pearson)!;
        Assert.Equal(a.BootstrapLow, b.BootstrapLow);
        Assert.Equal(a.BootstrapHigh, b.BootstrapHigh);
        Assert.InRange(a.R, a.BootstrapLow, a.BootstrapHigh);
        Assert.True(a.BootstrapHigh - a.BootstrapLow > 0.05);
    }

    [Fact]
    public void Too_few_pairs_give_no_result()
    {
        Assert.Null(Correlation.Compute([1, 2, 3], [3, 2, 1], CorrelationMethod.Pearson));
        Assert.Null(Correlation.Compute([1, 1, 1, 1, 1], [1, 2, 3, 4, 5], CorrelationMethod.Pearson));
    }
}
