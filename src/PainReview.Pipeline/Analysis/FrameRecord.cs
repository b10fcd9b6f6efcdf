using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Faces;

namespace PainReview.Pipeline.Analysis;

/// <summary>
/// What is kept of one frame for scoring: quality, pose and a dozen geometric features (not the
/// landmarks), so a long recording stays small in memory; then its AUs and scores.
/// </summary>
public sealed class FrameRecord
{
    public required int Index { get; init; }
    public required double TimeSeconds { get; init; }
    public required bool Face { get; init; }
    public required float Confidence { get; init; }
    public float? Yaw { get; init; }
    public float? Pitch { get; init; }
    public float? Roll { get; init; }
    public required bool PoseOk { get; init; }
    public bool Detected { get; init; }
    public bool MultipleFaces { get; init; }
    public bool SubjectUncertain { get; init; }
    /// <summary>Raw features (see <see cref="FaceFeature"/>); null when no face.</summary>
    public float[]? Features { get; init; }

    /// <summary>Features after temporal denoising; set by the estimator.</summary>
    public float[]? Smoothed { get; set; }
    /// <summary>AU intensities 0-5 in <see cref="ActionUnit"/> order; null when the frame is unusable.</summary>
    public float[]? ActionUnits { get; set; }
    public double? Hpii { get; set; }
    public double? Pspi { get; set; }
    public bool Apex { get; set; }
    /// <summary>
    /// A smile frame: lip corners pulled (AU12) enough to explain the cheek, nose and lip movement
    /// that also raises HPII; shown to reviewers, exported, and optionally kept out of APEX.
    /// </summary>
    public bool Smile { get; set; }

    /// <summary>A face was found and its pose is within limits: the frame counts for scores.</summary>
    public required bool Usable { get; init; }

    public float? Au(ActionUnit unit) => ActionUnits?[(int)unit];

    public static FrameRecord From(FrameGeometry g)
    {
        float[]? features = null;
        if (g.Face.FaceFound)
        {
            features = new float[FaceFeatures.Count];
            FaceFeatures.Compute(g.Normalized, features, g.GlabellaTexture, g.Pose?.Yaw ?? 0, g.Pose?.Pitch ?? 0);
        }
        return new FrameRecord
        {
            Index = g.Index, TimeSeconds = g.TimeSeconds, Face = g.Face.FaceFound, Confidence = g.Face.Confidence,
            Yaw = g.Pose?.Yaw, Pitch = g.Pose?.Pitch, Roll = g.Pose?.Roll, PoseOk = g.Face.FaceFound && !g.PoseOutOfRange,
            Detected = g.Face.Detected, MultipleFaces = g.Face.MultipleFaces, SubjectUncertain = g.Face.SubjectUncertain,
            Features = features, Usable = features is not null && !g.PoseOutOfRange,
        };
    }
}
