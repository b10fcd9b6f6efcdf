using PainReview.Data.Entities;
using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Faces;

namespace PainReview.Web.Jobs;

/// <summary>
/// Stored frames to and from the pipeline's frames. Here, beside the jobs that analyse and re-score,
/// so that the data project does not depend on the pipeline (its ONNX Runtime and SkiaSharp).
/// </summary>
public static class FrameMapping
{
    extension(FrameResult)
    {
        public static FrameResult From(Guid recordingId, FrameRecord f)
        {
            var frame = new FrameResult
            {
                RecordingId = recordingId, FrameIndex = f.Index, TimeSeconds = f.TimeSeconds, Face = f.Face, Confidence = f.Confidence,
                Yaw = f.Yaw, Pitch = f.Pitch, Roll = f.Roll, Detected = f.Detected, MultipleFaces = f.MultipleFaces, SubjectUncertain = f.SubjectUncertain,
                Features = f.Features is null ? null : StoredFrames.Pack(f.Features), FeatureCount = f.Features?.Length ?? 0,
            };
            frame.ApplyScores(f);
            return frame;
        }
    }

    extension(FrameResult frame)
    {
        /// <summary>Writes a new scoring of this frame (same frame, same stored features).</summary>
        public void ApplyScores(FrameRecord f)
        {
            float? Au(ActionUnit u) => f.Au(u);
            frame.Usable = f.Usable; frame.PoseOk = f.PoseOk;
            frame.Au01 = Au(ActionUnit.AU01); frame.Au02 = Au(ActionUnit.AU02); frame.Au04 = Au(ActionUnit.AU04); frame.Au06 = Au(ActionUnit.AU06);
            frame.Au07 = Au(ActionUnit.AU07); frame.Au09 = Au(ActionUnit.AU09); frame.Au10 = Au(ActionUnit.AU10); frame.Au12 = Au(ActionUnit.AU12);
            frame.Au15 = Au(ActionUnit.AU15); frame.Au25 = Au(ActionUnit.AU25); frame.Au26 = Au(ActionUnit.AU26); frame.Au43 = Au(ActionUnit.AU43);
            frame.Hpii = f.Hpii; frame.Pspi = f.Pspi; frame.Apex = f.Apex; frame.Smile = f.Smile;
        }

        /// <summary>Whether this stored frame can be scored again by this build (its features are this build's).</summary>
        public bool Scorable => StoredFrames.Scorable(frame.Face, frame.Features, frame.FeatureCount);

        /// <summary>The frame as it was before scoring (features, pose, quality flags), with usable decided by these pose limits.</summary>
        public FrameRecord ToUnscoredRecord(QualityOptions quality) =>
            StoredFrames.Rebuild(frame.FrameIndex, frame.TimeSeconds, frame.Face, frame.Confidence, frame.Yaw, frame.Pitch, frame.Roll,
                frame.Detected, frame.MultipleFaces, frame.SubjectUncertain, StoredFrames.Unpack(frame.Features, frame.FeatureCount), quality);

        /// <summary>The stored frame as the scoring library sees it: AU intensities, no geometry.</summary>
        public FrameRecord ToRecord() => new()
        {
            Index = frame.FrameIndex, TimeSeconds = frame.TimeSeconds, Face = frame.Face, Confidence = frame.Confidence, PoseOk = frame.Usable, Usable = frame.Usable,
            Yaw = frame.Yaw, Pitch = frame.Pitch, Roll = frame.Roll, Smile = frame.Smile, Detected = frame.Detected, MultipleFaces = frame.MultipleFaces,
            SubjectUncertain = frame.SubjectUncertain,
            ActionUnits = frame.Usable ? frame.ActionUnits().Select(v => v ?? 0).ToArray() : null,
        };
    }
}
