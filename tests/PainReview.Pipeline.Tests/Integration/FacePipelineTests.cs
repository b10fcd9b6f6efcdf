using PainReview.Pipeline.Decoding;
using PainReview.Pipeline.Faces;
using PainReview.Pipeline.Tests.Support;

namespace PainReview.Pipeline.Tests.Integration;

/// <summary>Integration (real clips, real ffmpeg and models): video to per-frame face geometry.</summary>
public sealed class FacePipelineTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    [Fact]
    public async Task Distressed_face_clip_has_a_face_in_almost_every_frame_with_landmarks_on_it()
    {
        var (run, frames) = await fixture.RunAsync(TestEnvironment.Clip("WolfgangLanger_Pexels.mp4"));
        Assert.Equal(472, run.Frames);
        Assert.Equal(Enumerable.Range(0, 472), frames.Select(f => f.Index));
        Assert.True(run.FramesWithFace >= 465, $"face in {run.FramesWithFace}/472 frames");
        // Detection ran once; tracking carried the rest.
        Assert.True(run.DetectorRuns <= 5, $"detector ran {run.DetectorRuns} times");
        foreach (var f in frames.Where(f => f.Face.FaceFound))
        {
            var lm = f.Face.Landmarks;
            // Landmarks inside the 640x360 frame, face about a third of the width: 468 points of a real face.
            var xs = Enumerable.Range(0, 468).Select(i => lm[i * 3]).ToArray();
            var ys = Enumerable.Range(0, 468).Select(i => lm[i * 3 + 1]).ToArray();
            Assert.InRange(xs.Min(), 0, 640);
            Assert.InRange(xs.Max(), 0, 640);
            Assert.InRange(xs.Max() - xs.Min(), 120, 320);
            // Eyes above the nose tip above the chin.
            Assert.True(lm[33 * 3 + 1] < lm[1 * 3 + 1] && lm[1 * 3 + 1] < lm[152 * 3 + 1]);
        }
        // Timestamps increase at about 23.98 frames per second.
        Assert.Equal(471 / 23.976, frames[^1].TimeSeconds, 0.05);
    }

    [Fact]
    public async Task Variable_frame_rate_clip_keeps_every_decoded_frame_and_loses_the_face_when_it_leaves()
    {
        var (run, frames) = await fixture.RunAsync(TestEnvironment.Clip("face_noface.mov"));
        Assert.Equal(169, run.Frames);
        Assert.All(frames.Take(60), f => Assert.True(f.Face.FaceFound, $"frame {f.Index}"));
        Assert.All(frames.TakeLast(60), f => Assert.False(f.Face.FaceFound, $"frame {f.Index}"));
        // Real timestamps, not index / nominal rate: strictly increasing.
        Assert.All(frames.Zip(frames.Skip(1)), p => Assert.True(p.Second.TimeSeconds > p.First.TimeSeconds));
    }

    [Fact]
    public async Task Face_entering_the_frame_is_picked_up()
    {
        var (_, frames) = await fixture.RunAsync(TestEnvironment.Clip("noface_face.mov"));
        Assert.All(frames.Take(60), f => Assert.False(f.Face.FaceFound, $"frame {f.Index}"));
        // The clip fades to black on its very last frame.
        Assert.All(frames.SkipLast(1).TakeLast(60), f => Assert.True(f.Face.FaceFound, $"frame {f.Index}"));
    }

    [Fact]
    public async Task Clip_without_a_face_reports_none()
    {
        var (run, frames) = await fixture.RunAsync(TestEnvironment.Clip("no_face.mp4"));
        Assert.True(run.Frames >= 90);
        Assert.Equal(0, run.FramesWithFace);
        Assert.All(frames, f => Assert.Empty(f.Face.Landmarks));
    }

    [Fact]
    public async Task Several_faces_one_consistent_subject()
    {
        var (run, frames) = await fixture.RunAsync(TestEnvironment.Clip("multi_face.avi"));
        Assert.Equal(702, run.Frames);
        Assert.True(frames.Count(f => f.Face.FaceFound) >= 690);
        Assert.Contains(frames, f => f.Face.MultipleFaces);
        // The tracked face never jumps to another person: its centre moves less than half a face a frame.
        var centres = frames.Where(f => f.Face.FaceFound).Select(f => (f.Index, X: f.Face.Landmarks[1 * 3], Size: f.Face.Region.Size)).ToList();
        foreach (var (a, b) in centres.Zip(centres.Skip(1)))
            Assert.True(Math.Abs(b.X - a.X) < a.Size / 2, $"jump between frames {a.Index} and {b.Index}");
    }

    [Fact]
    public async Task Still_face_has_stable_head_pose()
    {
        using var temp = TestEnvironment.TempDirectory();
        var still = temp.File("still.mp4");
        Ffmpeg.Run("-loop", "1", "-i", TestEnvironment.Clip("single_face.jpg"), "-t", "2", "-r", "15",
            "-vf", "scale=572:562,format=yuv420p", "-c:v", "libx264", "-crf", "18", still);
        var (_, frames) = await fixture.RunAsync(still);
        var poses = frames.Where(f => f.Pose is not null).Select(f => f.Pose!.Value).ToList();
        Assert.True(poses.Count >= 28);
        Assert.True(StandardDeviation(poses.Select(p => p.Yaw)) < 0.5, "yaw jitter");
        Assert.True(StandardDeviation(poses.Select(p => p.Pitch)) < 0.5, "pitch jitter");
        Assert.True(StandardDeviation(poses.Select(p => p.Roll)) < 0.5, "roll jitter");
    }

    [Fact]
    public async Task Turned_photos_read_as_turned()
    {
        var (_, frontal) = await fixture.RunAsync(TestEnvironment.Clip("0-f1-su-ph.jpg"));
        var (_, fifteen) = await fixture.RunAsync(TestEnvironment.Clip("15-f13-anc-ph.jpg"));
        var (_, fortyFive) = await fixture.RunAsync(TestEnvironment.Clip("45-m7-di-ph.jpg"));
        float Yaw(List<FrameGeometry> f) => Math.Abs(Assert.Single(f).Pose!.Value.Yaw);
        Assert.True(Yaw(frontal) < 6, $"frontal yaw {Yaw(frontal)}");
        Assert.InRange(Yaw(fifteen), 7, 25);
        Assert.InRange(Yaw(fortyFive), 30, 60);
        Assert.False(Assert.Single(fortyFive).PoseOutOfRange, "the default yaw limit is 45 degrees");
    }

    [Fact]
    public async Task Rotation_metadata_is_applied_before_analysis()
    {
        using var temp = TestEnvironment.TempDirectory();
        // A phone-style recording: pixels stored sideways, with metadata saying how to turn them upright.
        var sideways = temp.File("sideways.mp4");
        Ffmpeg.Run("-i", TestEnvironment.Clip("single_face.mp4"), "-vf", "transpose=clock", "-c:v", "libx264", "-crf", "18", sideways);
        var rotated = temp.File("rotated.mp4");
        Ffmpeg.Run("-i", sideways, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated);
        var info = await VideoProbe.ProbeAsync(rotated, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal((360, 640), (info.Width, info.Height));
        Assert.Equal(90, info.Rotation);
        Assert.Equal((640, 360), (info.FrameWidth, info.FrameHeight));
        var (run, frames) = await fixture.RunAsync(rotated);
        Assert.True(run.FramesWithFace >= 70);
        // Upright after rotation: level eyes, the eyes above the mouth.
        Assert.All(frames.Where(f => f.Face.FaceFound), f =>
        {
            Assert.InRange(f.Pose!.Value.Roll, -10, 10);
            Assert.True(f.Face.Landmarks[159 * 3 + 1] < f.Face.Landmarks[13 * 3 + 1]);
        });
    }

    [Fact]
    public async Task Cancellation_stops_the_run_promptly()
    {
        var info = await VideoProbe.ProbeAsync(TestEnvironment.Clip("2015-10-15-15-14.avi"), cancellationToken: TestContext.Current.CancellationToken);
        using var cts = new CancellationTokenSource();
        var seen = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Pipeline.RunAsync(info, _ =>
        {
            if (++seen == 50) cts.Cancel();
        }, cancellationToken: cts.Token));
        Assert.InRange(seen, 50, 60);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Progress_is_reported_up_to_the_last_frame()
    {
        var info = await VideoProbe.ProbeAsync(TestEnvironment.Clip("single_face.mp4"), cancellationToken: TestContext.Current.CancellationToken);
        var reports = new List<AnalysisProgress>();
        await fixture.Pipeline.RunAsync(info, _ => { }, progress: new SynchronousProgress<AnalysisProgress>(reports.Add),
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(reports.Count >= 2);
        Assert.Equal(1.0, reports[^1].Fraction);
        Assert.Equal(72, reports[^1].Frames);
    }

    private static double StandardDeviation(IEnumerable<float> values)
    {
        var v = values.Select(x => (double)x).ToArray();
        var mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
    }
}

/// <summary>IProgress that reports on the caller's thread (Progress&lt;T&gt; posts asynchronously).</summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
