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

    /// <summary>A smile frame pulls the lip corners at least this much (AU12)...</summary>
    public const float SmileMinAu12 = 2f;
    /// <summary>...and more than the brows are lowered (AU12 - AU4 at least this): a pain grimace lowers them more.</summary>
    public const float SmileMarginOverAu4 = 1f;

    /// <summary>
    /// A smile: lip corners pulled clearly more than the brows are lowered. Smiles raise the cheeks (AU6)
    /// and with them HPII; flagged frames are shown to reviewers, exported, and kept out of APEX on request.
    /// </summary>
    public static bool IsSmile(IReadOnlyList<float> aus) =>
        aus[(int)ActionUnit.AU12] >= SmileMinAu12 && aus[(int)ActionUnit.AU12] - aus[(int)ActionUnit.AU04] >= SmileMarginOverAu4;

    /// <summary>Sets HPII, PSPI and the smile flag on every usable frame, then selects the APEX frames.</summary>
    public static void Score(IReadOnlyList<FrameRecord> frames, AnalysisConfig config)
    {
        foreach (var frame in frames)
        {
            frame.Hpii = frame.ActionUnits is { } aus ? Hpii(aus, config.Hpii) : null;
            frame.Pspi = frame.ActionUnits is { } a ? Pspi(a) : null;
            frame.Smile = frame.ActionUnits is { } s && IsSmile(s);
        }
        var candidates = frames.Select(f => config.Apex.SkipSmiles && f.Smile ? null : f.Hpii).ToArray();
        var apex = ApexSelector.Select(candidates, config.Apex);
        for (var i = 0; i < frames.Count; i++) frames[i].Apex = apex[i];
    }
}
