namespace PainReview.Pipeline.ActionUnits;

/// <summary>The FACS action units PainReview estimates, in CSV column order.</summary>
public enum ActionUnit
{
    AU01, AU02, AU04, AU06, AU07, AU09, AU10, AU12, AU15, AU25, AU26, AU43,
}

/// <summary>
/// One piece of geometric evidence for an action unit: a feature moving in a direction, reaching
/// intensity 5 (FACS level E) at <see cref="FullScale"/> centimetres (canonical face) beyond neutral.
/// </summary>
/// <param name="Direction">+1 when the AU increases the feature, -1 when it decreases it.</param>
/// <param name="Relative">Displacement measured as a share of the neutral value (eye closure) rather than in cm.</param>
public sealed record AuTerm(FaceFeature Feature, int Direction, float FullScale, float Weight, bool Relative = false);

public sealed record AuDefinition(ActionUnit Unit, string Name, AuTerm[] Terms);

/// <summary>
/// How each AU is read from geometry. Calibration: the full-scale displacements are set so that the
/// posed expressions in the shared photos reach the intensities FACS would give them (see
/// docs/action-units.md); they are documented defaults, not a certified coder.
/// </summary>
public static class ActionUnitDefinitions
{
    public static IReadOnlyList<AuDefinition> All { get; } =
    [
        new(ActionUnit.AU01, "inner brow raiser", [new(FaceFeature.BrowInnerHeight, +1, 0.6f, 1)]),
        new(ActionUnit.AU02, "outer brow raiser", [new(FaceFeature.BrowOuterHeight, +1, 0.6f, 1)]),
        // Brows lowered and drawn together, and the glabella's furrows and bulge (FACS's AU4 criteria).
        new(ActionUnit.AU04, "brow lowerer",
            [new(FaceFeature.BrowInnerHeight, -1, 0.6f, 0.75f), new(FaceFeature.BrowGap, -1, 0.3f, 0.25f),
             new(FaceFeature.GlabellaTexture, +1, 0.8f, 0.4f)]),
        new(ActionUnit.AU06, "cheek raiser",
            [new(FaceFeature.LidCheekGap, -1, 0.25f, 0.5f), new(FaceFeature.LowerLidRaise, +1, 0.25f, 0.5f)]),
        new(ActionUnit.AU07, "lid tightener",
            [new(FaceFeature.LowerLidRaise, +1, 0.3f, 0.5f), new(FaceFeature.EyeOpening, -1, 0.5f, 0.5f)]),
        // Less what a smile's lip-corner pull explains: pulling the lip corners alone raises neither.
        new(ActionUnit.AU09, "nose wrinkler", [new(FaceFeature.NoseWingLift, -1, 0.5f, 1)]),
        new(ActionUnit.AU10, "upper lip raiser", [new(FaceFeature.UpperLipLift, -1, 0.4f, 1)]),
        new(ActionUnit.AU12, "lip corner puller",
            [new(FaceFeature.MouthWidth, +1, 2.0f, 0.5f), new(FaceFeature.LipCornerHeight, +1, 0.8f, 0.5f)]),
        new(ActionUnit.AU15, "lip corner depressor", [new(FaceFeature.LipCornerHeight, -1, 0.4f, 1)]),
        new(ActionUnit.AU25, "lips part", [new(FaceFeature.LipGap, +1, 1.5f, 1)]),
        new(ActionUnit.AU26, "jaw drop", [new(FaceFeature.JawOpening, +1, 1.5f, 1)]),
        new(ActionUnit.AU43, "eyes closed", [new(FaceFeature.EyeOpening, -1, 1.0f, 1, Relative: true)]),
    ];

    public static readonly int Count = All.Count;

    public static AuDefinition Of(ActionUnit unit) => All[(int)unit];
}
