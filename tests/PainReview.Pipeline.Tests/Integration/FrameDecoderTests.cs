using PainReview.Pipeline.Decoding;

namespace PainReview.Pipeline.Tests.Integration;

/// <summary>
/// Integration (real ffmpeg): the decoder's own ffmpeg process ends with the decode, however the consumer stops
/// (these pin the ffmpeg process: the in-process decoder's own are in <see cref="InProcessDecoderTests"/>).
/// </summary>
public sealed class FrameDecoderTests : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    private static readonly DecodeOptions Process = new() { Decoder = DecoderChoice.FfmpegProcess };

    /// <summary>The clip under a name of its own (a link: nothing copied), so this test's ffmpeg can be told from others running at the same time.</summary>
    private async Task<VideoInfo> OwnClipAsync(string name)
    {
        var path = _temp.File(name);
        File.CreateSymbolicLink(path, TestEnvironment.Clip("2015-10-15-15-14.avi"));
        return await VideoProbe.ProbeAsync(path, cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>ffmpeg processes whose command line names <paramref name="path"/>.</summary>
    private static int FfmpegRunningOn(string path)
    {
        var count = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _)) continue;
            try
            {
                var arguments = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (arguments.Length > 0 && Path.GetFileName(arguments[0]) == "ffmpeg" && arguments.Contains(path)) count++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while it was read.
            }
        }
        return count;
    }

    private static async Task AssertFfmpegEndsAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (FfmpegRunningOn(path) > 0 && DateTime.UtcNow < deadline) await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Equal(0, FfmpegRunningOn(path));
    }

    [Fact]
    public async Task A_consumer_that_stops_early_leaves_no_ffmpeg_running()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Reads the process table from /proc.");
        var info = await OwnClipAsync("stops-early.avi");
        var seen = 0;
        await foreach (var frame in FrameDecoder.DecodeAsync(info, Process, TestContext.Current.CancellationToken))
        {
            frame.Dispose();
            if (++seen == 1) Assert.Equal(1, FfmpegRunningOn(info.Path));
            if (seen == 10) break;
        }
        await AssertFfmpegEndsAsync(info.Path);
    }

    [Fact]
    public async Task Cancelling_leaves_no_ffmpeg_running_and_no_frame_after_it()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Reads the process table from /proc.");
        var info = await OwnClipAsync("cancelled.avi");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var frame in FrameDecoder.DecodeAsync(info, Process, cts.Token))
            {
                frame.Dispose();
                if (++seen == 10) cts.Cancel();
            }
        });
        Assert.Equal(10, seen);
        await AssertFfmpegEndsAsync(info.Path);
    }

    [Fact]
    public async Task Frames_larger_than_the_pipe_arrive_whole_with_their_times()
    {
        // rgb24 640x480 is 900 KiB a frame, yuv420p 450 KiB: both read whole whatever the pipe's size.
        var info = await OwnClipAsync("whole.avi");
        var yuv = new List<(int Index, double Time)>();
        await foreach (var frame in FrameDecoder.DecodeAsync(info, new DecodeOptions { MaxFrames = 30 }, TestContext.Current.CancellationToken))
            using (frame)
            {
                Assert.Equal(FrameImage.ByteCount(info.FrameWidth, info.FrameHeight, PixelLayout.Yuv420p), frame.Image.Data.Length);
                yuv.Add((frame.Index, frame.TimeSeconds));
            }
        var rgb = new List<(int Index, double Time)>();
        await foreach (var frame in FrameDecoder.DecodeAsync(info, new DecodeOptions { MaxFrames = 30, Layout = PixelLayout.Rgb24 }, TestContext.Current.CancellationToken))
            using (frame)
            {
                Assert.Equal(info.FrameWidth * info.FrameHeight * 3, frame.Pixels.Length);
                rgb.Add((frame.Index, frame.TimeSeconds));
            }
        Assert.Equal(Enumerable.Range(0, 30), yuv.Select(f => f.Index));
        Assert.Equal(yuv, rgb);
        Assert.True(yuv.Zip(yuv.Skip(1)).All(p => p.Second.Time > p.First.Time), "presentation times rise frame by frame");
    }
}
