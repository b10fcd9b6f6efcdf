using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Analysis;

namespace PainReview.Pipeline.Scoring;

/// <summary>The per-frame pain indices.</summary>
public static class PainScores
{
    /// <summary>AU43 counts in PSPI as closed (1) or open (0), as in Prkachin and Solomon's definition.</summary>
    public const float EyesClosedThreshold = 2.5f;

    /// <summary>HPII = w4*AU4 + w67*combine(AU6, AU7) + w9*AU9.</summary>
    public static double Hpii(IReadOnlyList<float> aus, HpiiConfig config)
    {
        double au6 = aus[(int)ActionUnit.AU06], au7 = aus[(int)ActionUnit.AU07];
        var orbital = config.Combine == CombineRule.Max ? Math.Max(au6, au7) : au6 + au7;
        return config.W4 * aus[(int)ActionUnit.AU04] + config.W67 * orbital + config.W9 * aus[(int)ActionUnit.AU09];
    }

    /// <summary>PSPI = AU4 + max(AU6, AU7) + max(AU9, AU10) + AU43 (0/1).</summary>
    public static double Pspi(IReadOnlyList<float> aus) =>
        aus[(int)ActionUnit.AU04]
        + Math.Max(aus[(int)ActionUnit.AU06], aus[(int)ActionUnit.AU07])
        + Math.Max(aus[(int)ActionUnit.AU09], aus[(int)ActionUnit.AU10])
        + (aus[(int)ActionUnit.AU43] >= EyesClosedThreshold ? 1 : 0);

    /// <summary>Sets HPII and PSPI on every usable frame, then selects the APEX frames.</summary>
    public static void Score(IReadOnlyList<FrameRecord> frames, AnalysisConfig config)
    {
        foreach (var frame in frames)
        {
            frame.Hpii = frame.ActionUnits is { } aus ? Hpii(aus, config.Hpii) : null;
            frame.Pspi = frame.ActionUnits is { } a ? Pspi(a) : null;
        }
        var apex = ApexSelector.Select(frames.Select(f => f.Hpii).ToArray(), config.Apex);
        for (var i = 0; i < frames.Count; i++) frames[i].Apex = apex[i];
    }
}
