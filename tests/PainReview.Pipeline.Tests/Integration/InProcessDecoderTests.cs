using PainReview.Pipeline.Decoding;

namespace PainReview.Pipeline.Tests.Integration;

/// <summary>
/// Integration (real ffmpeg and its libraries): the in-process decoder gives the ffmpeg process's frames
/// exactly (count, indexes, times, every byte) wherever it runs, leaves other inputs to the process, fails
/// as the process does, and frees everything when the consumer stops.
/// </summary>
public sealed class InProcessDecoderTests : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    private static readonly DecodeOptions Process = new() { Decoder = DecoderChoice.FfmpegProcess };

    private static void NeedsLibraries() =>
        Assert.SkipWhen(LibavDecoder.Unavailable is not null, $"In-process decoding unavailable here: {LibavDecoder.Unavailable}");

    /// <summary>Decodes with both decoders in lockstep and asserts the same frames; whether the in-process decoder ran.</summary>
    private static async Task<(bool InProcess, string? Why, int Frames)> SameFramesAsync(string path, DecodeOptions? options = null)
    {
        var ct = TestContext.Current.CancellationToken;
        options ??= new DecodeOptions();
        var info = await VideoProbe.ProbeAsync(path, options, ct);
        var report = new FrameDecoder.DecodeReport();
        await using var inProcess = FrameDecoder.DecodeAsync(info, options, report, ct).GetAsyncEnumerator(ct);
        await using var process = FrameDecoder.DecodeAsync(info, options with { Decoder = DecoderChoice.FfmpegProcess }, ct).GetAsyncEnumerator(ct);
        var name = Path.GetFileName(path);
        var frames = 0;
        while (true)
        {
            var a = await inProcess.MoveNextAsync();
            var b = await process.MoveNextAsync();
            Assert.True(a == b, $"{name}: the decoders end at different frames ({frames} frames in common)");
            if (!a) break;
            using var x = inProcess.Current;
            using var y = process.Current;
            Assert.True(x.Index == y.Index, $"{name} frame {frames}: index {x.Index} in-process, {y.Index} from ffmpeg");
            Assert.True(Math.Abs(x.TimeSeconds - y.TimeSeconds) <= 1e-9,
                $"{name} frame {frames}: time {x.TimeSeconds:R} in-process, {y.TimeSeconds:R} from ffmpeg");
            Assert.True((x.Width, x.Height, x.Layout) == (y.Width, y.Height, y.Layout), $"{name} frame {frames}: size or layout differs");
            Assert.True(x.Image.Data.SequenceEqual(y.Image.Data), $"{name} frame {frames}: pixels differ");
            frames++;
        }
        return (report.InProcess, report.WhyNotInProcess, frames);
    }

    [Fact]
    public async Task Every_shared_clip_gives_the_same_frames_through_both_decoders()
    {
        NeedsLibraries();
        string[] notEligible = ["sample_disfa.avi"]; // Cinepak decodes to rgb24: ffmpeg converts it
        var clips = Directory.EnumerateFiles(TestEnvironment.TestDataDirectory)
            .Where(p => !p.EndsWith(".md", StringComparison.OrdinalIgnoreCase)).Order().ToList();
        Assert.NotEmpty(clips);
        foreach (var clip in clips)
        {
            var name = Path.GetFileName(clip);
            var (inProcess, why, frames) = await SameFramesAsync(clip);
            var still = name.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase);
            Assert.True(inProcess == !(still || notEligible.Contains(name)), $"{name}: in-process {inProcess} ({why})");
            if (!inProcess) Assert.False(string.IsNullOrEmpty(why), $"{name}: no reason given for the ffmpeg process");
            Assert.True(frames > 0, name);
        }
    }

    [Fact]
    public async Task Every_kth_frame_and_a_frame_limit_give_the_same_frames()
    {
        NeedsLibraries();
        var clip = TestEnvironment.Clip("WolfgangLanger_Pexels.mp4");
        var (inProcess, _, frames) = await SameFramesAsync(clip, new DecodeOptions { FrameStep = 3 });
        Assert.True(inProcess);
        Assert.Equal(158, frames); // 472 frames, every third from the first
        (inProcess, _, frames) = await SameFramesAsync(clip, new DecodeOptions { FrameStep = 2, MaxFrames = 25 });
        Assert.True(inProcess);
        Assert.Equal(25, frames);
    }

    [Fact]
    public async Task Several_decoder_threads_give_the_same_frames()
    {
        NeedsLibraries();
        foreach (var clip in new[] { "WolfgangLanger_Pexels.mp4", "face_noface.mov" })
        {
            var (inProcess, why, _) = await SameFramesAsync(TestEnvironment.Clip(clip), new DecodeOptions { DecoderThreads = 2 });
            Assert.True(inProcess, why);
        }
    }

    [Fact]
    public async Task Remuxed_clips_with_other_containers_and_start_times_give_the_same_frames()
    {
        NeedsLibraries();
        var mkv = _temp.File("remux.mkv");
        Ffmpeg.Run("-i", TestEnvironment.Clip("WolfgangLanger_Pexels.mp4"), "-c", "copy", mkv);
        var (inProcess, why, _) = await SameFramesAsync(mkv);
        Assert.True(inProcess, why);
        // A file whose timestamps start late: ffmpeg counts from its start.
        var late = _temp.File("late.mkv");
        Ffmpeg.Run("-i", TestEnvironment.Clip("single_face.mp4"), "-c", "copy", "-output_ts_offset", "1.7", late);
        (inProcess, why, _) = await SameFramesAsync(late, new DecodeOptions { MinDecodedShare = 0 }); // its duration counts the offset
        Assert.True(inProcess, why);
    }

    [Fact]
    public async Task Scaled_and_rgb_decodes_are_left_to_ffmpeg()
    {
        NeedsLibraries();
        var clip = TestEnvironment.Clip("no_face.mp4"); // 960x540
        var (inProcess, why, _) = await SameFramesAsync(clip, new DecodeOptions { MaxFrameSide = 640, MaxFrames = 5 });
        Assert.False(inProcess);
        Assert.Contains("scaled", why);
        (inProcess, why, _) = await SameFramesAsync(clip, new DecodeOptions { Layout = PixelLayout.Rgb24, MaxFrames = 5 });
        Assert.False(inProcess);
        Assert.Contains("rgb24", why);
    }

    [Fact]
    public async Task A_truncated_clip_fails_the_same_way_through_both_decoders()
    {
        NeedsLibraries();
        var ct = TestContext.Current.CancellationToken;
        async Task<string> CutAsync(string source)
        {
            var bytes = await File.ReadAllBytesAsync(source, ct);
            var cut = _temp.File("cut-" + Path.GetFileName(source));
            await File.WriteAllBytesAsync(cut, bytes[..(bytes.Length / 3)], ct);
            return cut;
        }

        // An AVI cut short declares no more frames than it holds: the damaged last frames decode, concealed, to the same bytes.
        var (inProcessRan, why, frames) = await SameFramesAsync(await CutAsync(TestEnvironment.Clip("2015-10-15-15-14.avi")));
        Assert.True(inProcessRan, why);
        Assert.InRange(frames, 200, 400);

        // An MP4 with its index first declares all its frames: too few decode.
        var faststart = _temp.File("faststart.mp4");
        Ffmpeg.Run("-i", TestEnvironment.Clip("WolfgangLanger_Pexels.mp4"), "-c", "copy", "-movflags", "+faststart", faststart);
        var info = await VideoProbe.ProbeAsync(await CutAsync(faststart), cancellationToken: ct);
        async Task<(VideoInputException Error, int Frames)> FailsAsync(DecodeOptions options, FrameDecoder.DecodeReport? report)
        {
            var seen = 0;
            var e = await Assert.ThrowsAsync<VideoInputException>(async () =>
            {
                await foreach (var frame in FrameDecoder.DecodeAsync(info, options, report, ct))
                {
                    seen++;
                    frame.Dispose();
                }
            });
            return (e, seen);
        }
        var report = new FrameDecoder.DecodeReport();
        var (inProcess, inProcessFrames) = await FailsAsync(new DecodeOptions(), report);
        var (process, processFrames) = await FailsAsync(Process, null);
        Assert.True(report.InProcess, report.WhyNotInProcess);
        Assert.Equal(VideoInputProblem.Truncated, process.Problem);
        Assert.Equal(process.Problem, inProcess.Problem);
        Assert.Equal(processFrames, inProcessFrames);
        // The same message, ffmpeg's first complaint included (its log lines name the demuxer's address).
        static string WithoutAddresses(string m) => System.Text.RegularExpressions.Regex.Replace(m, "@ 0x[0-9a-f]+", "@ 0x…");
        Assert.Equal(WithoutAddresses(process.Message), WithoutAddresses(inProcess.Message));
    }

    [Fact]
    public async Task Cancelling_midway_or_stopping_early_frees_the_in_process_decoder()
    {
        NeedsLibraries();
        var ct = TestContext.Current.CancellationToken;
        var path = _temp.File("cancel-in-process.avi");
        File.CreateSymbolicLink(path, TestEnvironment.Clip("2015-10-15-15-14.avi"));
        var info = await VideoProbe.ProbeAsync(path, cancellationToken: ct);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var report = new FrameDecoder.DecodeReport();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var frame in FrameDecoder.DecodeAsync(info, new DecodeOptions(), report, cts.Token))
            {
                frame.Dispose();
                if (++seen == 1) Assert.Equal(1, LibavDecoder.RunningOn(path));
                if (seen == 10) cts.Cancel();
            }
        });
        Assert.Equal(10, seen);
        Assert.True(report.InProcess, report.WhyNotInProcess);
        // The decoding thread has ended (native memory freed) by the time the enumeration is over.
        Assert.Equal(0, LibavDecoder.RunningOn(path));

        seen = 0;
        await foreach (var frame in FrameDecoder.DecodeAsync(info, new DecodeOptions(), null, ct))
        {
            frame.Dispose();
            if (++seen == 5) break;
        }
        Assert.Equal(0, LibavDecoder.RunningOn(path));
    }
}
