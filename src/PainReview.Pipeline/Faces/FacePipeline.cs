using System.Threading.Channels;
using System.Diagnostics;
using PainReview.Pipeline.Decoding;
using PainReview.Pipeline.Models;

namespace PainReview.Pipeline.Faces;

/// <summary>
/// Limits beyond which a frame's head pose makes its geometry unreliable. The face mesh is
/// trained for faces up to about 45 degrees of yaw; beyond it the far side of the face is guessed.
/// </summary>
public sealed record QualityOptions
{
    public float MaxAbsYaw { get; init; } = 45;
    public float MaxAbsPitch { get; init; } = 30;
    public float MaxAbsRoll { get; init; } = 45;
}

/// <summary>One frame's face geometry: what the tracker saw, the head pose, and pose-free landmarks.</summary>
public sealed class FrameGeometry
{
    public required int Index { get; init; }
    public required double TimeSeconds { get; init; }
    public required FaceObservation Face { get; init; }
    public HeadPose? Pose { get; init; }
    public required bool PoseOutOfRange { get; init; }
    /// <summary>Landmarks with pose and scale removed (canonical-face centimetres); empty when no face.</summary>
    public required float[] Normalized { get; init; }
    /// <summary>The glabella's texture measured in the image (<see cref="GlabellaPatch"/>); NaN when no face.</summary>
    public float GlabellaTexture { get; init; } = float.NaN;
    public bool Usable => Face.FaceFound && !PoseOutOfRange;
}

/// <summary>Progress of an analysis, for progress bars and live pages.</summary>
public readonly record struct AnalysisProgress(long Frames, long EstimatedFrames, string Stage)
{
    public double Fraction => EstimatedFrames <= 0 ? 0 : Math.Min(1, Frames / (double)EstimatedFrames);
}

/// <summary>Where the time went, per stage, over one run.</summary>
public sealed class StageTimings
{
    public TimeSpan Wall { get; set; }
    /// <summary>Time the consumer waited for decoded frames.</summary>
    public TimeSpan DecodeWait { get; set; }
    public TimeSpan Detect { get; set; }
    public TimeSpan Mesh { get; set; }
    public TimeSpan Pose { get; set; }
    /// <summary>Time spent by the caller's per-frame handler (action units, output).</summary>
    public TimeSpan Handler { get; set; }
}

public sealed record PipelineRun(VideoInfo Video, int Frames, int FramesWithFace, int DetectorRuns, StageTimings Timings)
{
    public double FramesPerSecond => Frames / Math.Max(1e-9, Timings.Wall.TotalSeconds);
}

/// <summary>
/// Video to per-frame face geometry: decode, detect and track, face mesh, head pose. Sessions
/// are created once per pipeline; a pipeline analyses one video at a time.
/// </summary>
public sealed class FacePipeline : IDisposable
{
    private readonly BlazeFaceDetector _front;
    private readonly BlazeFaceDetector? _back;
    private readonly FaceMeshLandmarker _mesh;
    private readonly InferenceOptions _inference;
    private readonly bool _useFarDetector;
    private (BlazeFaceDetector Front, BlazeFaceDetector? Back, FaceMeshLandmarker Mesh)? _secondLane;
    private readonly Lock _laneLock = new();

    public FacePipeline(ModelDirectory models, InferenceOptions? inference = null, bool useFarDetector = true)
    {
        models.EnsureComplete();
        inference ??= new InferenceOptions();
        Models = models;
        _inference = inference;
        _useFarDetector = useFarDetector;
        Canonical = CanonicalFace.Load(models.File(ModelCatalog.CanonicalFace));
        (_front, _back, _mesh) = OpenSessions();
    }

    /// <summary>The far-face detector fires on texture with scores up to about 0.75 on scenes without faces.</summary>
    public const float FarDetectorMinScore = 0.75f;

    public ModelDirectory Models { get; }
    public CanonicalFace Canonical { get; }

    /// <summary>
    /// Frames measured at once: with two, even and odd frames go to two trackers with their own model
    /// sessions on two threads (each tracks from its own frame two back), so the face mesh uses both
    /// cores while ffmpeg decodes. Results are delivered in frame order and do not depend on timing.
    /// </summary>
    public int Lanes { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 2);

    /// <summary>
    /// One lane's sessions (detectors and mesh), warmed up: the first inference of a session is slow
    /// (allocation, kernel selection), so it is paid here rather than on the first frame.
    /// </summary>
    private (BlazeFaceDetector Front, BlazeFaceDetector? Back, FaceMeshLandmarker Mesh) OpenSessions()
    {
        var front = new BlazeFaceDetector(Models.File(ModelCatalog.DetectorFront), BlazeFaceVariant.Front, _inference);
        var back = _useFarDetector
            ? new BlazeFaceDetector(Models.File(ModelCatalog.DetectorBack), BlazeFaceVariant.Back, _inference) { MinScore = FarDetectorMinScore }
            : null;
        var mesh = new FaceMeshLandmarker(Models.File(ModelCatalog.FaceMesh), _inference);
        var blank = new byte[64 * 64 * 3];
        front.Detect(blank, 64, 64);
        back?.Detect(blank, 64, 64);
        mesh.Run(blank, 64, 64, new SquareRegion(32, 32, 64, 0), new float[FaceMeshLandmarker.LandmarkCount * 3]);
        return (front, back, mesh);
    }

    /// <param name="analyze">When given, only frames it accepts are measured (the others are decoded and passed over,
    /// and tracking starts afresh after each gap).</param>
    public Task<PipelineRun> RunAsync(VideoInfo video, Action<FrameGeometry> onFrame,
        DecodeOptions? decode = null, QualityOptions? quality = null,
        IProgress<AnalysisProgress>? progress = null, CancellationToken cancellationToken = default, Func<int, bool>? analyze = null) =>
        Lanes > 1 && analyze is null && !video.IsStillImage
            ? RunInLanesAsync(video, onFrame, decode, quality ?? new QualityOptions(), progress, cancellationToken)
            : RunSequentialAsync(video, onFrame, decode, quality, progress, cancellationToken, analyze);

    /// <summary>Two trackers on alternate frames, each on its own thread; geometry handed on in frame order.</summary>
    private async Task<PipelineRun> RunInLanesAsync(VideoInfo video, Action<FrameGeometry> onFrame, DecodeOptions? decode,
        QualityOptions quality, IProgress<AnalysisProgress>? progress, CancellationToken cancellationToken)
    {
        var trackers = new[] { CreateTracker(), CreateSecondLaneTracker() };
        var timings = new StageTimings();
        var wall = Stopwatch.StartNew();
        var estimated = video.EstimatedFrameCount;
        progress?.Report(new AnalysisProgress(0, estimated, "decoding"));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inputs = trackers.Select(_ => Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true })).ToArray();
        var outputs = trackers.Select(_ => Channel.CreateBounded<FrameGeometry>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true })).ToArray();
        var poseTicks = new long[trackers.Length];

        var decodeWait = TimeSpan.Zero;
        var producer = Task.Run(async () =>
        {
            var k = 0;
            try
            {
                var waitStart = Stopwatch.GetTimestamp();
                await foreach (var frame in FrameDecoder.DecodeAsync(video, decode, stop.Token))
                {
                    decodeWait += Stopwatch.GetElapsedTime(waitStart);
                    try { await inputs[k++ % inputs.Length].Writer.WriteAsync(frame, stop.Token); }
                    catch { frame.Dispose(); throw; }
                    waitStart = Stopwatch.GetTimestamp();
                }
                foreach (var input in inputs) input.Writer.TryComplete();
            }
            catch (Exception e)
            {
                foreach (var input in inputs) input.Writer.TryComplete(e);
            }
        }, CancellationToken.None);

        var workers = trackers.Select((tracker, lane) => Task.Run(async () =>
        {
            try
            {
                await foreach (var frame in inputs[lane].Reader.ReadAllAsync(stop.Token))
                {
                    FrameGeometry geometry;
                    using (frame)
                    {
                        var laneTimings = new StageTimings();
                        geometry = Measure(tracker, frame, quality, laneTimings);
                        poseTicks[lane] += laneTimings.Pose.Ticks;
                    }
                    await outputs[lane].Writer.WriteAsync(geometry, stop.Token);
                }
                outputs[lane].Writer.TryComplete();
            }
            catch (Exception e)
            {
                outputs[lane].Writer.TryComplete(e);
            }
        }, CancellationToken.None)).ToArray();

        var sink = new FrameSink(onFrame, progress, timings, estimated);
        try
        {
            while (true)
            {
                var output = outputs[sink.Frames % outputs.Length].Reader;
                if (!await output.WaitToReadAsync(cancellationToken)) break;
                sink.Deliver(await output.ReadAsync(cancellationToken));
            }
            // A lane that failed ends its output with the error (a decode failure reaches both): surface it.
            foreach (var output in outputs) await output.Reader.Completion;
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var input in inputs)
                while (input.Reader.TryRead(out var left)) left.Dispose();
            try { await Task.WhenAll(workers.Append(producer)); } catch (Exception) { /* reported through the channels */ }
            foreach (var input in inputs)
                while (input.Reader.TryRead(out var left)) left.Dispose();
        }

        timings.Detect = trackers.Aggregate(TimeSpan.Zero, (t, x) => t + x.DetectTime);
        timings.Mesh = trackers.Aggregate(TimeSpan.Zero, (t, x) => t + x.MeshTime);
        timings.Pose = TimeSpan.FromTicks(poseTicks.Sum());
        timings.DecodeWait = decodeWait;
        timings.Wall = wall.Elapsed;
        progress?.Report(new AnalysisProgress(sink.Frames, sink.Frames, "done"));
        return new PipelineRun(video, sink.Frames, sink.WithFace, trackers.Sum(t => t.Detections), timings);
    }

    /// <summary>The second lane's own sessions (ONNX sessions and their buffers serve one thread at a time).</summary>
    private (BlazeFaceDetector Front, BlazeFaceDetector? Back, FaceMeshLandmarker Mesh) SecondLane()
    {
        lock (_laneLock)
        {
            _secondLane ??= OpenSessions();
            return _secondLane.Value;
        }
    }

    private async Task<PipelineRun> RunSequentialAsync(VideoInfo video, Action<FrameGeometry> onFrame,
        DecodeOptions? decode, QualityOptions? quality,
        IProgress<AnalysisProgress>? progress, CancellationToken cancellationToken, Func<int, bool>? analyze)
    {
        quality ??= new QualityOptions();
        var tracker = CreateTracker();
        var timings = new StageTimings();
        var wall = Stopwatch.StartNew();
        var estimated = video.EstimatedFrameCount;
        var sink = new FrameSink(onFrame, progress, timings, estimated);
        progress?.Report(new AnalysisProgress(0, estimated, "decoding"));

        var waitStart = Stopwatch.GetTimestamp();
        await foreach (var frame in FrameDecoder.DecodeAsync(video, decode, cancellationToken))
        {
            using (frame)
            {
                timings.DecodeWait += Stopwatch.GetElapsedTime(waitStart);
                if (analyze is not null && !analyze(frame.Index))
                {
                    tracker.Reset();
                    sink.Skip();
                }
                else sink.Deliver(Measure(tracker, frame, quality, timings));
            }
            waitStart = Stopwatch.GetTimestamp();
        }

        timings.Detect = tracker.DetectTime;
        timings.Mesh = tracker.MeshTime;
        timings.Wall = wall.Elapsed;
        progress?.Report(new AnalysisProgress(sink.Frames, sink.Frames, "done"));
        return new PipelineRun(video, sink.Frames, sink.WithFace, tracker.Detections, timings);
    }

    /// <summary>Hands measured frames on in order, times the handler and reports progress at most every 100 ms.</summary>
    private sealed class FrameSink(Action<FrameGeometry> onFrame, IProgress<AnalysisProgress>? progress, StageTimings timings, long estimated)
    {
        private long _lastReport;

        public int Frames { get; private set; }
        public int WithFace { get; private set; }

        public void Deliver(FrameGeometry geometry)
        {
            if (geometry.Face.FaceFound) WithFace++;
            var start = Stopwatch.GetTimestamp();
            onFrame(geometry);
            timings.Handler += Stopwatch.GetElapsedTime(start);
            Skip();
        }

        /// <summary>Counts a frame that was decoded but not measured.</summary>
        public void Skip()
        {
            Frames++;
            if (progress is not null && (Environment.TickCount64 - _lastReport > 100 || Frames == estimated))
            {
                _lastReport = Environment.TickCount64;
                progress.Report(new AnalysisProgress(Frames, Math.Max(estimated, Frames), "analysing"));
            }
        }
    }

    /// <summary>A tracker over this pipeline's models; one per video.</summary>
    public FaceTracker CreateTracker() => new(_front, _back, _mesh);

    /// <summary>A tracker on the second lane's own sessions, for work on a second thread beside <see cref="CreateTracker()"/>.</summary>
    public FaceTracker CreateSecondLaneTracker()
    {
        var lane = SecondLane();
        return new FaceTracker(lane.Front, lane.Back, lane.Mesh);
    }

    /// <summary>Measures one frame: track the face, fit the head pose, remove pose and scale.</summary>
    public FrameGeometry Measure(FaceTracker tracker, VideoFrame frame, QualityOptions? quality = null, StageTimings? timings = null)
    {
        quality ??= new QualityOptions();
        var observation = tracker.Track(frame.Image);
        var poseStart = Stopwatch.GetTimestamp();
        HeadPose? pose = null;
        float[] normalized = [];
        var outOfRange = false;
        var texture = float.NaN;
        if (observation.FaceFound)
        {
            texture = GlabellaPatch.Measure(frame.Image, observation.Landmarks);
            var p = HeadPose.Estimate(observation.Landmarks, Canonical);
            pose = p;
            normalized = new float[observation.Landmarks.Length];
            p.Normalize(observation.Landmarks, normalized);
            outOfRange = Math.Abs(p.Yaw) > quality.MaxAbsYaw || Math.Abs(p.Pitch) > quality.MaxAbsPitch
                || Math.Abs(p.Roll) > quality.MaxAbsRoll;
        }
        if (timings is not null) timings.Pose += Stopwatch.GetElapsedTime(poseStart);
        return new FrameGeometry
        {
            Index = frame.Index, TimeSeconds = frame.TimeSeconds, Face = observation, Pose = pose,
            PoseOutOfRange = outOfRange, Normalized = normalized, GlabellaTexture = texture,
        };
    }

    public void Dispose()
    {
        _front.Dispose();
        _back?.Dispose();
        _mesh.Dispose();
        if (_secondLane is { } lane)
        {
            lane.Front.Dispose();
            lane.Back?.Dispose();
            lane.Mesh.Dispose();
        }
    }
}
