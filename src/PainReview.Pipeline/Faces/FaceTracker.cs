using System.Numerics;

namespace PainReview.Pipeline.Faces;

/// <summary>Per-frame face measurements before action units.</summary>
public sealed class FaceObservation
{
    public required bool FaceFound { get; init; }
    /// <summary>Face-presence probability of the mesh (0 when no face was detected).</summary>
    public required float Confidence { get; init; }
    /// <summary>The detector ran on this frame (first frame, or tracking was lost).</summary>
    public required bool Detected { get; init; }
    /// <summary>The detector saw more than one face on this frame.</summary>
    public required bool MultipleFaces { get; init; }
    /// <summary>Several faces were present and the tracked subject could not be told apart with confidence.</summary>
    public required bool SubjectUncertain { get; init; }
    /// <summary>468 x (x, y, z) in image pixels; empty when no face.</summary>
    public required float[] Landmarks { get; init; }
    public required SquareRegion Region { get; init; }
}

/// <summary>
/// Follows one subject through a video: the mesh runs on the region given by the previous
/// frame's landmarks, and the detector runs only when tracking is lost. With several faces it keeps
/// the subject chosen at the start (largest and most central), matching by position and size.
/// </summary>
public sealed class FaceTracker(BlazeFaceDetector front, BlazeFaceDetector? back, FaceMeshLandmarker mesh)
{
    private SquareRegion? _region;
    private Vector2? _lastCenter;
    private float _lastSize;

    /// <summary>Face-presence probability below which tracking counts as lost.</summary>
    public float PresenceThreshold { get; init; } = 0.5f;

    /// <summary>
    /// Face-presence probability a new detection needs before it is followed. Higher than
    /// <see cref="PresenceThreshold"/>: on scenes without faces the detector fires on texture
    /// (scores up to 0.75) and the mesh sometimes half-agrees; real faces score about 1.
    /// </summary>
    public float AcquireThreshold { get; init; } = 0.9f;

    /// <summary>Front-detector score above which the far-face detector is not consulted.</summary>
    public float ConfidentFrontScore { get; init; } = 0.8f;

    public TimeSpan DetectTime { get; private set; }
    public TimeSpan MeshTime { get; private set; }
    public int Detections { get; private set; }

    public void Reset()
    {
        _region = null;
        _lastCenter = null;
    }

    /// <summary>
    /// Takes over what another tracker saw on the frame just before the next one given to this tracker,
    /// as if this tracker had measured it: the next frame is tracked from that observation's landmarks
    /// (or detected afresh when it found no face).
    /// </summary>
    public void Follow(FaceObservation observation)
    {
        if (observation.FaceFound) Found(observation.Landmarks, observation.Confidence, observation.Region, observation.Detected,
            observation.MultipleFaces, observation.SubjectUncertain);
        else _region = null;
    }

    public FaceObservation Track(ReadOnlySpan<byte> rgb, int width, int height) => Track(Decoding.FrameImage.Rgb(rgb, width, height));

    public FaceObservation Track(Decoding.FrameImage image)
    {
        int width = image.Width, height = image.Height;
        var landmarks = new float[FaceMeshLandmarker.LandmarkCount * 3];
        if (_region is { } region)
        {
            var presence = RunMesh(image, region, landmarks);
            if (presence >= PresenceThreshold)
                return Found(landmarks, presence, region, detected: false, multiple: false, uncertain: false);
        }

        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var detections = front.Detect(image);
        if (back is not null && (detections.Count == 0 || detections.Max(d => d.Score) < ConfidentFrontScore))
        {
            // Small or distant faces: the 256 px detector sees them better; keep the more confident set.
            var far = back.Detect(image);
            if (far.Count > 0 && (detections.Count == 0 || far.Max(d => d.Score) > detections.Max(d => d.Score)))
                detections = far;
        }
        DetectTime += System.Diagnostics.Stopwatch.GetElapsedTime(start);
        Detections++;

        if (detections.Count == 0)
        {
            _region = null;
            return Lost(0);
        }

        var (subject, uncertain) = ChooseSubject(detections, width, height);
        var detectionRegion = SquareRegion.FromDetection(subject);
        var detectedPresence = RunMesh(image, detectionRegion, landmarks);
        if (detectedPresence < AcquireThreshold)
        {
            _region = null;
            return Lost(detectedPresence);
        }
        return Found(landmarks, detectedPresence, detectionRegion, detected: true, detections.Count > 1, uncertain);
    }

    private float RunMesh(Decoding.FrameImage image, SquareRegion region, float[] landmarks)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var presence = mesh.Run(image, region, landmarks);
        MeshTime += System.Diagnostics.Stopwatch.GetElapsedTime(start);
        return presence;
    }

    private FaceObservation Found(float[] landmarks, float presence, SquareRegion used, bool detected, bool multiple, bool uncertain)
    {
        var next = SquareRegion.FromLandmarks(landmarks);
        _region = next;
        _lastCenter = new Vector2(next.CenterX, next.CenterY);
        _lastSize = next.Size;
        return new FaceObservation
        {
            FaceFound = true, Confidence = presence, Detected = detected, MultipleFaces = multiple,
            SubjectUncertain = uncertain, Landmarks = landmarks, Region = used,
        };
    }

    private static FaceObservation Lost(float presence) => new()
    {
        FaceFound = false, Confidence = presence, Detected = true, MultipleFaces = false, SubjectUncertain = false,
        Landmarks = [], Region = default,
    };

    /// <summary>
    /// The subject seen last (nearest in position, relative to its size) when there is one; otherwise the
    /// largest, most central face. Uncertain when two candidates are nearly as good.
    /// </summary>
    internal (FaceDetection Subject, bool Uncertain) ChooseSubject(IReadOnlyList<FaceDetection> detections, int width, int height)
    {
        if (detections.Count == 1)
        {
            var only = detections[0];
            var far = _lastCenter is { } c && Vector2.Distance(c, only.Center) > _lastSize;
            return (only, far);
        }

        double Cost(FaceDetection d)
        {
            if (_lastCenter is { } last)
            {
                var size = MathF.Sqrt(d.Area) * 1.5f;
                return Vector2.Distance(last, d.Center) / _lastSize + Math.Abs(Math.Log(size / _lastSize));
            }
            var centre = new Vector2(width / 2f, height / 2f);
            var offCentre = Vector2.Distance(centre, d.Center) / Math.Max(width, height);
            return -Math.Sqrt(d.Area) / Math.Max(width, height) * (1 - offCentre);
        }

        var ranked = detections.Select(d => (d, cost: Cost(d))).OrderBy(x => x.cost).ToArray();
        double best = ranked[0].cost, second = ranked[1].cost;
        var uncertain = _lastCenter is not null
            ? best > 1.0 || second - best < 0.25
            : Math.Abs(second - best) < 0.2 * Math.Abs(best);
        return (ranked[0].d, uncertain);
    }
}
