using MathNet.Numerics.LinearAlgebra;

namespace PainReview.Pipeline.ActionUnits;

/// <summary>
/// Temporal denoising of a per-frame series. Missing frames (NaN) split the series into runs that
/// are smoothed separately, so a gap never borrows values across it.
/// </summary>
public static class TemporalFilter
{
    public static double[] Apply(IReadOnlyList<double> values, Analysis.SmoothingConfig config)
    {
        var result = values.ToArray();
        if (config.Method == Analysis.SmoothingMethod.None || config.Window <= 1) return result;
        var window = config.Window | 1; // odd
        var start = 0;
        while (start < result.Length)
        {
            while (start < result.Length && double.IsNaN(values[start])) start++;
            var end = start;
            while (end < result.Length && !double.IsNaN(values[end])) end++;
            if (end > start)
            {
                var run = values.Skip(start).Take(end - start).ToArray();
                var smoothed = config.Method == Analysis.SmoothingMethod.Median
                    ? Median(run, window)
                    : SavitzkyGolay(run, window, config.PolyOrder);
                Array.Copy(smoothed, 0, result, start, smoothed.Length);
            }
            start = end;
        }
        return result;
    }

    /// <summary>Running median; the window shrinks symmetrically at the ends of a run.</summary>
    internal static double[] Median(double[] run, int window)
    {
        var half = window / 2;
        var result = new double[run.Length];
        var buffer = new double[window];
        for (var i = 0; i < run.Length; i++)
        {
            var h = Math.Min(half, Math.Min(i, run.Length - 1 - i));
            var n = 2 * h + 1;
            Array.Copy(run, i - h, buffer, 0, n);
            Array.Sort(buffer, 0, n);
            result[i] = buffer[h];
        }
        return result;
    }

    /// <summary>
    /// Savitzky-Golay smoothing: a least-squares polynomial of the given order over each window,
    /// evaluated at its centre (at the ends, at the sample's own position in the first/last window).
    /// </summary>
    internal static double[] SavitzkyGolay(double[] run, int window, int order)
    {
        if (run.Length < window) window = run.Length % 2 == 1 ? run.Length : run.Length - 1;
        if (window <= order || window < 3) return run.ToArray();
        var half = window / 2;
        var result = new double[run.Length];
        // Least-squares fit matrix for positions -half..half: coefficients = (A^T A)^-1 A^T y.
        var a = Matrix<double>.Build.Dense(window, order + 1, (r, c) => Math.Pow(r - half, c));
        var fit = (a.TransposeThisAndMultiply(a)).Inverse() * a.Transpose();
        for (var i = 0; i < run.Length; i++)
        {
            var first = Math.Clamp(i - half, 0, run.Length - window);
            var offset = i - first - half; // position of sample i in the window's coordinates
            var y = Vector<double>.Build.Dense(window, k => run[first + k]);
            var coefficients = fit * y;
            double value = 0, power = 1;
            for (var c = 0; c <= order; c++, power *= offset) value += coefficients[c] * power;
            result[i] = value;
        }
        return result;
    }
}
