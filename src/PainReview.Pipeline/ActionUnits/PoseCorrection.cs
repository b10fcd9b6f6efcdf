namespace PainReview.Pipeline.ActionUnits;

/// <summary>
/// Removes the face mesh's systematic pose leak from the pose-free geometry. The mesh guesses depth,
/// so after the rigid fit vertical distances still change with head pitch (a chin lifted by 25 degrees
/// read as lowered brows and closing eyes) and some with yaw. Each feature is corrected by a fixed
/// amount per degree, learnt once from a neutral face nodding and turning (the OpenFace sample
/// <c>2015-10-15-15-14.avi</c>: pitch -29 to +26, yaw -26 to +30 degrees) by least squares of each raw
/// feature on pitch and |yaw|; see docs/action-units.md.
/// </summary>
/// <remarks>
/// These are constants of the mesh model, not a per-recording regression: a regression fitted to each
/// recording would remove real expression wherever it co-varies with pose (looking up while smiling).
/// Pitch is clamped to +/-30 and |yaw| to 45 degrees, the range the correction was learnt on.
/// </remarks>
public static class PoseCorrection
{
    /// <summary>Centimetres (canonical face) the raw feature moves per 30 degrees of pitch (chin up) and of |yaw|.</summary>
    private static readonly (FaceFeature Feature, float PerPitch30, float PerAbsYaw30)[] Coefficients =
    [
        (FaceFeature.BrowInnerHeight, -0.336f, -0.036f),
        (FaceFeature.BrowOuterHeight, -0.160f, 0.002f),
        (FaceFeature.BrowGap, -0.205f, -0.028f),
        (FaceFeature.EyeOpening, -0.271f, 0.064f),
        (FaceFeature.LowerLidRaise, -0.164f, -0.053f),
        (FaceFeature.LidCheekGap, -0.176f, -0.110f),
        (FaceFeature.EyeNoseWingGap, -0.177f, -0.097f),
        (FaceFeature.NoseLipGap, 0.016f, -0.015f),
        (FaceFeature.MouthWidth, 0.111f, 0.155f),
        (FaceFeature.LipCornerHeight, -0.057f, -0.037f),
        (FaceFeature.LipGap, 0.012f, -0.032f),
        (FaceFeature.JawOpening, 0.349f, -0.450f),
    ];

    /// <summary>Subtracts the pose leak from the landmark features in place.</summary>
    public static void Apply(Span<float> features, float yaw, float pitch)
    {
        if (!float.IsFinite(yaw) || !float.IsFinite(pitch)) return;
        var p = Math.Clamp(pitch, -30f, 30f) / 30f;
        var y = Math.Min(Math.Abs(yaw), 45f) / 30f;
        foreach (var (feature, perPitch, perYaw) in Coefficients)
            features[(int)feature] -= perPitch * p + perYaw * y;
    }
}
