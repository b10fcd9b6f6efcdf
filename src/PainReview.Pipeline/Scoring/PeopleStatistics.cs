using MathNet.Numerics.Distributions;

namespace PainReview.Pipeline.Scoring;

/// <summary>One recording's (or one visit's) score and pain label, with whose it is.</summary>
public sealed record PersonObservation(string Participant, string? Timepoint, double Vas, double Score);

/// <summary>One point per participant (and timepoint): the mean of their recordings there.</summary>
public sealed record PersonPoint(string Participant, string? Timepoint, double Vas, double Score, int Recordings);

/// <summary>
/// Bakdash and Marusich's repeated-measures correlation (rmcorr): the common within-participant
/// association of two measures, with each participant's own mean removed.
/// </summary>
/// <param name="Observations">Observations of the participants counted (those with two or more).</param>
/// <param name="Participants">Participants with two or more observations: only they carry within-person change.</param>
/// <param name="Df">Residual degrees of freedom, Observations - Participants - 1.</param>
/// <param name="P">Two-sided, Student's t with <paramref name="Df"/> degrees of freedom.</param>
/// <param name="Low">95% interval: Fisher's z with standard error 1 / sqrt(Df - 1), as the rmcorr package gives it (NaN when Df &lt; 2).</param>
public sealed record RepeatedMeasuresCorrelation(double R, int Df, double P, double Low, double High, int Observations, int Participants);

/// <summary>
/// Statistics that count people, not files: a participant with six recordings is one point (per
/// timepoint where a study has several), and within-person change is measured with rmcorr.
/// </summary>
public static class PeopleStatistics
{
    /// <summary>One point per participant, or per participant and timepoint: the means of VAS and score over their recordings.</summary>
    public static IReadOnlyList<PersonPoint> Aggregate(IEnumerable<PersonObservation> observations, bool byTimepoint) =>
        observations
            .GroupBy(o => (o.Participant, Timepoint: byTimepoint ? NormalizeTimepoint(o.Timepoint) : null))
            .Select(g => new PersonPoint(g.Key.Participant, byTimepoint ? g.First().Timepoint : null, g.Average(o => o.Vas), g.Average(o => o.Score), g.Count()))
            .OrderBy(p => p.Participant, StringComparer.Ordinal).ThenBy(p => p.Timepoint, StringComparer.Ordinal)
            .ToList();

    private static string? NormalizeTimepoint(string? timepoint) => timepoint?.Trim().ToUpperInvariant();

    /// <summary>Whether the observations hold more than one timepoint (then points are per participant and timepoint).</summary>
    public static bool SeveralTimepoints(IEnumerable<PersonObservation> observations) =>
        observations.Select(o => NormalizeTimepoint(o.Timepoint)).Distinct().Count() > 1;

    /// <summary>
    /// rmcorr between score and VAS: r = Σ dx·dy / sqrt(Σ dx² · Σ dy²) over deviations from each
    /// participant's own means (the ANCOVA's sign(slope)·sqrt(SS_score / (SS_score + SS_error))),
    /// df = N - k - 1. Participants with one observation add nothing (and their one degree of freedom
    /// each cancels), so they are left out of the counts. Null with df below 1 or no within-person variation.
    /// </summary>
    public static RepeatedMeasuresCorrelation? RmCorr(IReadOnlyList<PersonObservation> observations)
    {
        var groups = observations.GroupBy(o => o.Participant).Where(g => g.Count() >= 2).ToList();
        var n = groups.Sum(g => g.Count());
        var k = groups.Count;
        var df = n - k - 1;
        if (k == 0 || df < 1) return null;
        double sxy = 0, sxx = 0, syy = 0;
        foreach (var g in groups)
        {
            var mx = g.Average(o => o.Score);
            var my = g.Average(o => o.Vas);
            foreach (var o in g)
            {
                var dx = o.Score - mx;
                var dy = o.Vas - my;
                sxy += dx * dy;
                sxx += dx * dx;
                syy += dy * dy;
            }
        }
        if (sxx <= 0 || syy <= 0) return null;
        var r = Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
        var p = Math.Abs(r) >= 1 ? 0 : 2 * (1 - StudentT.CDF(0, 1, df, Math.Abs(r * Math.Sqrt(df / (1 - r * r)))));
        double low = double.NaN, high = double.NaN;
        if (df >= 2)
        {
            var zCrit = Normal.InvCDF(0, 1, 1 - (1 - Correlation.Confidence) / 2);
            var z = Math.Atanh(Math.Clamp(r, -0.9999999, 0.9999999));
            var se = 1 / Math.Sqrt(df - 1);
            (low, high) = (Math.Tanh(z - zCrit * se), Math.Tanh(z + zCrit * se));
        }
        return new RepeatedMeasuresCorrelation(r, df, p, low, high, n, k);
    }
}
