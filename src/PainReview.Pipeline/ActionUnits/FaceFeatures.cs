using PainReview.Pipeline.Faces;

namespace PainReview.Pipeline.ActionUnits;

/// <summary>
/// Geometric measurements of the pose-free face, in canonical-face centimetres (MediaPipe's
/// canonical face: interocular distance 8.89 cm; y grows downwards). Each is the mean of the
/// subject's right and left side where the face has two, so mirroring the video changes nothing.
/// </summary>
public enum FaceFeature
{
    /// <summary>
    /// Inner brow (55, 107 / 285, 336) above the nasal ridge (1, 4, 5, 195, 197, 6, 168). Up: AU1;
    /// down: AU4. Measured from the rigid nose rather than the eye, whose corners move with the lids.
    /// </summary>
    BrowInnerHeight,
    /// <summary>Outer brow (46, 70, 105 / 276, 300, 334) above the nasal ridge. Up: AU2.</summary>
    BrowOuterHeight,
    /// <summary>Distance between the inner brows (55-285, 107-336). Down: brows drawn together, AU4.</summary>
    BrowGap,
    /// <summary>Upper lid (159/386) to lower lid (145/374). Down: AU7, AU43; up: AU5.</summary>
    EyeOpening,
    /// <summary>Lower lid (145/374, 153/380) above the line of the eye corners. Up: AU7 (and AU6).</summary>
    LowerLidRaise,
    /// <summary>Lower lid (145/374) to the cheek below it (119, 118 / 348, 347). Down: cheeks raised, AU6.</summary>
    LidCheekGap,
    /// <summary>Inner eye corner (133/362) to the top of the nose wing (64, 48 / 294, 278). Down: AU9.</summary>
    EyeNoseWingGap,
    /// <summary>Nose base (2) to the top of the upper lip (0). Down: AU10 (and AU9).</summary>
    NoseLipGap,
    /// <summary>Distance between the lip corners (61-291). Up: AU12.</summary>
    MouthWidth,
    /// <summary>Lip corners (61/291) above the middle of the lips (13/14). Up: AU12; down: AU15.</summary>
    LipCornerHeight,
    /// <summary>Gap between the inner lips (13-14). Up: AU25.</summary>
    LipGap,
    /// <summary>Nose tip (1) to chin (152). Up: AU26.</summary>
    JawOpening,
    /// <summary>
    /// <see cref="EyeNoseWingGap"/> less the part a smile's lip-corner pull explains
    /// (0.25 cm per cm of mouth widening, measured on smiles without nose wrinkling). Down: AU9.
    /// </summary>
    NoseWingLift,
    /// <summary><see cref="NoseLipGap"/> less the part lip-corner pulling explains (0.24 cm per cm). Down: AU10.</summary>
    UpperLipLift,
    /// <summary>
    /// Texture of the glabella (the skin between the brows) from the image: log of the contrast-normalised
    /// gradient energy in a pose-aligned patch. Up: vertical furrows and bulging of a brow lowerer (AU4).
    /// </summary>
    GlabellaTexture,
}

public static class FaceFeatures
{
    public static readonly int Count = Enum.GetValues<FaceFeature>().Length;

    /// <summary>Points on the nose from tip to root: a rigid reference for brow height.</summary>
    private static readonly int[] NasalRidge = [1, 4, 5, 195, 197, 6, 168];

    /// <summary>How much of each cm of mouth widening shows as a shorter eye-to-nose-wing gap in a smile.</summary>
    public const float SmileNoseWingShare = 0.25f;
    /// <summary>How much of each cm of mouth widening shows as a shorter nose-to-lip gap in a smile.</summary>
    public const float SmileUpperLipShare = 0.24f;

    /// <summary>
    /// Computes every feature from pose-free landmarks (468 x 3), the glabella texture measured in the
    /// image (<see cref="GlabellaPatch"/>; NaN when not measured) and the head pose, whose systematic
    /// leak into the geometry <see cref="PoseCorrection"/> removes.
    /// </summary>
    public static void Compute(float[] n, Span<float> features, float glabellaTexture, float yaw, float pitch)
    {
        ComputeGeometry(n, features);
        PoseCorrection.Apply(features, yaw, pitch);
        features[(int)FaceFeature.NoseWingLift] = features[(int)FaceFeature.EyeNoseWingGap]
            + SmileNoseWingShare * features[(int)FaceFeature.MouthWidth];
        features[(int)FaceFeature.UpperLipLift] = features[(int)FaceFeature.NoseLipGap]
            + SmileUpperLipShare * features[(int)FaceFeature.MouthWidth];
        features[(int)FaceFeature.GlabellaTexture] = float.IsFinite(glabellaTexture) ? glabellaTexture : GlabellaPatch.PopulationNeutral;
    }

    /// <summary>Every feature of a frontal face measured without an image (synthetic or canonical geometry).</summary>
    public static void Compute(float[] n, Span<float> features) => Compute(n, features, float.NaN, yaw: 0, pitch: 0);

    /// <summary>The landmark measurements alone, before pose correction (the canonical face's own values).</summary>
    public static void ComputeGeometry(float[] n, Span<float> features)
    {
        float Y(int i) => n[i * 3 + 1];
        float Dist(int a, int b)
        {
            float dx = n[a * 3] - n[b * 3], dy = n[a * 3 + 1] - n[b * 3 + 1], dz = n[a * 3 + 2] - n[b * 3 + 2];
            return MathF.Sqrt(dx * dx + dy * dy + dz * dz);
        }
        float Side(Func<bool, float> measure) => (measure(false) + measure(true)) / 2;
        int P(bool left, int right, int leftIndex) => left ? leftIndex : right;

        var nose = 0f;
        foreach (var i in NasalRidge) nose += Y(i);
        nose /= NasalRidge.Length;
        features[(int)FaceFeature.BrowInnerHeight] = Side(l => nose - (Y(P(l, 55, 285)) + Y(P(l, 107, 336))) / 2);
        features[(int)FaceFeature.BrowOuterHeight] = Side(l =>
            nose - (Y(P(l, 46, 276)) + Y(P(l, 70, 300)) + Y(P(l, 105, 334))) / 3);
        features[(int)FaceFeature.BrowGap] = (Dist(55, 285) + Dist(107, 336)) / 2;
        features[(int)FaceFeature.EyeOpening] = Side(l => Y(P(l, 145, 374)) - Y(P(l, 159, 386)));
        features[(int)FaceFeature.LowerLidRaise] = Side(l =>
            (Y(P(l, 33, 263)) + Y(P(l, 133, 362))) / 2 - (Y(P(l, 145, 374)) + Y(P(l, 153, 380))) / 2);
        features[(int)FaceFeature.LidCheekGap] = Side(l =>
            (Y(P(l, 119, 348)) + Y(P(l, 118, 347))) / 2 - Y(P(l, 145, 374)));
        features[(int)FaceFeature.EyeNoseWingGap] = Side(l =>
            (Dist(P(l, 133, 362), P(l, 64, 294)) + Dist(P(l, 133, 362), P(l, 48, 278))) / 2);
        features[(int)FaceFeature.NoseLipGap] = Dist(2, 0);
        features[(int)FaceFeature.MouthWidth] = Dist(61, 291);
        features[(int)FaceFeature.LipCornerHeight] = (Y(13) + Y(14)) / 2 - (Y(61) + Y(291)) / 2;
        features[(int)FaceFeature.LipGap] = MathF.Max(0, Y(14) - Y(13));
        features[(int)FaceFeature.JawOpening] = Dist(1, 152);
    }
}
