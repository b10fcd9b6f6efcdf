using System.Buffers.Binary;
using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Faces;

namespace PainReview.Pipeline.Analysis;

/// <summary>
/// What scoring needs of a frame, as a store keeps it: the raw geometric features as a compact
/// little-endian float32 blob beside the quality flags and pose, so a new configuration can be
/// scored again from stored frames without decoding the video.
/// </summary>
public static class StoredFrames
{
    /// <summary>The features as little-endian float32 values, 4 bytes each.</summary>
    public static byte[] Pack(ReadOnlySpan<float> features)
    {
        var bytes = new byte[features.Length * sizeof(float)];
        for (var i = 0; i < features.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), features[i]);
        return bytes;
    }

    /// <summary>The features back; null when the blob does not hold exactly <paramref name="count"/> values.</summary>
    public static float[]? Unpack(byte[]? blob, int count)
    {
        if (blob is null || count <= 0 || blob.Length != count * sizeof(float)) return null;
        var features = new float[count];
        for (var i = 0; i < count; i++) features[i] = BinaryPrimitives.ReadSingleLittleEndian(blob.AsSpan(i * sizeof(float)));
        return features;
    }

    /// <summary>Whether a stored frame with a face can be scored by this build: its features are those of <see cref="FaceFeatures.Count"/>.</summary>
    public static bool Scorable(bool face, byte[]? blob, int count) =>
        !face || (count == FaceFeatures.Count && blob is not null && blob.Length == count * sizeof(float));

    /// <summary>Within the configuration's head-pose limits (as the face pipeline decides it while decoding).</summary>
    public static bool PoseWithin(float? yaw, float? pitch, float? roll, QualityOptions quality) =>
        yaw is { } y && pitch is { } p && roll is { } r
        && !(Math.Abs(y) > quality.MaxAbsYaw || Math.Abs(p) > quality.MaxAbsPitch || Math.Abs(r) > quality.MaxAbsRoll);

    /// <summary>
    /// A frame as it was before scoring, rebuilt from what was stored: usable again decided with the
    /// configuration's pose limits, so a change of limits takes effect on re-scoring too.
    /// </summary>
    public static FrameRecord Rebuild(int index, double timeSeconds, bool face, float confidence, float? yaw, float? pitch, float? roll,
        bool detected, bool multipleFaces, bool subjectUncertain, float[]? features, QualityOptions quality)
    {
        var poseOk = face && PoseWithin(yaw, pitch, roll, quality);
        return new FrameRecord
        {
            Index = index, TimeSeconds = timeSeconds, Face = face, Confidence = confidence, Yaw = yaw, Pitch = pitch, Roll = roll,
            PoseOk = poseOk, Detected = detected, MultipleFaces = multipleFaces, SubjectUncertain = subjectUncertain,
            Features = face ? features : null, Usable = face && features is not null && poseOk,
        };
    }
}
