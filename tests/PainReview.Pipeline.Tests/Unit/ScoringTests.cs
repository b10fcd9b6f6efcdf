using System.Text.Json;
using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Scoring;

namespace PainReview.Pipeline.Tests.Unit;

/// <summary>Unit: HPII, PSPI, APEX strategies, denoising and configuration.</summary>
public sealed class ScoringTests
{
    private static float[] Aus(float au4 = 0, float au6 = 0, float au7 = 0, float au9 = 0, float au10 = 0, float au43 = 0)
    {
        var aus = new float[ActionUnitDefinitions.Count];
        aus[(int)ActionUnit.AU04] = au4; aus[(int)ActionUnit.AU06] = au6; aus[(int)ActionUnit.AU07] = au7;
        aus[(int)ActionUnit.AU09] = au9; aus[(int)ActionUnit.AU10] = au10; aus[(int)ActionUnit.AU43] = au43;
        return aus;
    }

    [Fact]
    public void Hpii_follows_its_formula_with_configurable_weights_and_combination()
    {
        var aus = Aus(au4: 2, au6: 1, au7: 3, au9: 0.5f);
        Assert.Equal(2 + 3 + 0.5, PainScores.Hpii(aus, new HpiiConfig()), 6);
        Assert.Equal(2 + 4 + 0.5, PainScores.Hpii(aus, new HpiiConfig { Combine = CombineRule.Sum }), 6);
        Assert.Equal(0.5 * 2 + 2 * 3 + 0, PainScores.Hpii(aus, new HpiiConfig { W4 = 0.5, W67 = 2, W9 = 0 }), 6);
    }

    [Fact]
    public void Pspi_uses_the_larger_of_each_pair_and_binary_eye_closure()
    {
        Assert.Equal(1 + 3 + 2 + 0, PainScores.Pspi(Aus(au4: 1, au6: 3, au7: 2, au9: 1, au10: 2, au43: 2)), 6);
        Assert.Equal(1 + 3 + 2 + 1, PainScores.Pspi(Aus(au4: 1, au6: 3, au7: 2, au9: 1, au10: 2, au43: 4)), 6);
    }

    [Fact]
    public void Top_quantile_picks_a_quarter_of_usable_frames_and_never_unusable_ones()
    {
        var hpii = Enumerable.Range(0, 100).Select(i => i % 10 == 0 ? null : (double?)i).ToArray();
        var apex = ApexSelector.Select(hpii, new ApexConfig());
        var chosen = Enumerable.Range(0, 100).Where(i => apex[i]).ToList();
        Assert.InRange(chosen.Count, 22, 24); // 90 usable frames, top quarter
        Assert.All(chosen, i => Assert.NotNull(hpii[i]));
        Assert.True(chosen.Min() > 70);
    }

    [Fact]
    public void A_recording_without_expression_has_no_apex_frame()
    {
        var apex = ApexSelector.Select(Enumerable.Repeat((double?)0, 50).ToArray(), new ApexConfig());
        Assert.DoesNotContain(true, apex);
    }

    [Fact]
    public void Single_picks_the_maximum()
    {
        double?[] hpii = [1, 4, null, 7, 2];
        Assert.Equal([false, false, false, true, false], ApexSelector.Select(hpii, new ApexConfig { Strategy = ApexStrategy.Single }));
    }

    [Fact]
    public void Peaks_need_prominence_and_are_widened()
    {
        // A big peak at 5 (prominence 4), a ripple at 12 (prominence 0.2), a peak at 17 beyond a gap.
        double?[] hpii = [0, 0, 1, 2, 3, 4, 3, 2, 1, 1, 1, 1.1, 1.2, 1.1, 1, null, 0, 3, 0];
        var peaks = ApexSelector.Peaks(hpii, 0.5);
        Assert.Equal([5, 17], peaks);
        var apex = ApexSelector.Select(hpii, new ApexConfig { Strategy = ApexStrategy.Peaks, Prominence = 0.5, Window = 1 });
        Assert.Equal([4, 5, 6, 17], Enumerable.Range(0, hpii.Length).Where(i => apex[i]));
    }

    [Fact]
    public void First_quartile_filter_drops_the_lowest_frames_from_selection()
    {
        // HPII 1..100: Q1 is 25.75, so the pool is 26..100 and its 75th percentile 81.5 (R7 quantiles).
        var hpii = Enumerable.Range(1, 100).Select(i => (double?)i).ToArray();
        var filtered = ApexSelector.Select(hpii, new ApexConfig { FirstQuartileFilter = true });
        Assert.Equal(Enumerable.Range(82, 19), Enumerable.Range(0, 100).Where(i => filtered[i]).Select(i => (int)hpii[i]!.Value));
        var unfiltered = ApexSelector.Select(hpii, new ApexConfig());
        Assert.Equal(25, unfiltered.Count(a => a));
    }

    [Fact]
    public void Median_filter_removes_a_spike_without_crossing_a_gap()
    {
        double[] series = [1, 1, 9, 1, 1, double.NaN, 5, 5, 5];
        var smoothed = TemporalFilter.Apply(series, new SmoothingConfig { Method = SmoothingMethod.Median, Window = 3 });
        Assert.Equal([1, 1, 1, 1, 1], smoothed.Take(5));
        Assert.True(double.IsNaN(smoothed[5]));
        Assert.Equal([5, 5, 5], smoothed.Skip(6));
    }

    [Fact]
    public void Savitzky_golay_keeps_a_quadratic_exactly_and_smooths_noise()
    {
        var quadratic = Enumerable.Range(0, 30).Select(i => 0.1 * i * i - i + 3.0).ToArray();
        var config = new SmoothingConfig { Method = SmoothingMethod.SavitzkyGolay, Window = 7, PolyOrder = 2 };
        var smoothed = TemporalFilter.Apply(quadratic, config);
        for (var i = 0; i < quadratic.Length; i++) Assert.Equal(quadratic[i], smoothed[i], 6);

        var random = new Random(5);
        var noisy = Enumerable.Range(0, 200).Select(_ => random.NextDouble()).ToArray();
        var cleaned = TemporalFilter.Apply(noisy, config);
        Assert.True(Variance(cleaned) < Variance(noisy) * 0.6);
    }

    [Fact]
    public void Configuration_round_trips_through_json_with_readable_enums()
    {
        var config = new AnalysisConfig
        {
            Hpii = new HpiiConfig { W4 = 2, Combine = CombineRule.Sum },
            Apex = new ApexConfig { Strategy = ApexStrategy.Peaks, Prominence = 1.5 },
            Smoothing = new SmoothingConfig { Method = SmoothingMethod.SavitzkyGolay, Window = 9 },
        };
        var json = config.ToJson();
        Assert.Contains("\"strategy\": \"Peaks\"", json);
        Assert.Contains("\"combine\": \"Sum\"", json);
        var back = JsonSerializer.Deserialize<AnalysisConfig>(json, AnalysisConfig.JsonOptions)!;
        Assert.Equal(config, back with { Quality = config.Quality });
    }

    [Theory]
    [InlineData("""{"apex": {"quantile": 1.5}}""", "apex.quantile")]
    [InlineData("""{"baseline": {"mode": "Range"}}""", "rangeStartSeconds")]
    [InlineData("""{"baseline": {"mode": "Recording"}}""", "neutral recording")]
    [InlineData("""{"smoothing": {"method": "Nope"}}""", "not a valid configuration")]
    public void Invalid_configuration_is_refused_with_a_reason(string json, string expected)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, json);
            var e = Assert.Throws<InvalidDataException>(() => AnalysisConfig.Load(path));
            Assert.Contains(expected, e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Auto_baseline_takes_a_low_percentile_per_orientation()
    {
        var frames = Enumerable.Range(0, 101).Select(i => new FrameRecord
        {
            Index = i, TimeSeconds = i, Face = true, Confidence = 1, PoseOk = true, Usable = true,
            Features = Enumerable.Repeat((float)i, FaceFeatures.Count).ToArray(),
        }).ToList();
        var baseline = NeutralBaseline.Percentile(frames, 10);
        Assert.All(baseline.Rising, v => Assert.Equal(10, v, 6));
        Assert.All(baseline.Falling, v => Assert.Equal(90, v, 6));
    }

    private static double Variance(double[] v)
    {
        var mean = v.Average();
        return v.Sum(x => (x - mean) * (x - mean)) / v.Length;
    }
}
