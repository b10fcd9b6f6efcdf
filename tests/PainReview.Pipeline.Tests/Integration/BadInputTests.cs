using PainReview.Pipeline.Decoding;

namespace PainReview.Pipeline.Tests.Integration;

/// <summary>Integration (real ffmpeg): each kind of bad input gets its own clear error.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    private static async Task<VideoInputException> FailsAsync(string path, DecodeOptions? options = null)
    {
        return await Assert.ThrowsAsync<VideoInputException>(async () =>
        {
            var info = await VideoProbe.ProbeAsync(path, options, cancellationToken: TestContext.Current.CancellationToken);
            await foreach (var frame in FrameDecoder.DecodeAsync(info, options)) frame.Dispose();
        });
    }

    [Fact]
    public async Task Text_renamed_to_mp4_is_not_a_video()
    {
        var path = _temp.File("notes.mp4");
        await File.WriteAllTextAsync(path, "participant notes, not a video\n", TestContext.Current.CancellationToken);
        var e = await FailsAsync(path);
        Assert.Equal(VideoInputProblem.NotAVideo, e.Problem);
        Assert.Contains("notes.mp4 is not a video", e.Message);
        Assert.DoesNotContain(_temp.Path, e.Message);
    }

    [Fact]
    public async Task Empty_file()
    {
        var path = _temp.File("empty.mp4");
        await File.WriteAllBytesAsync(path, [], TestContext.Current.CancellationToken);
        Assert.Equal(VideoInputProblem.Empty, (await FailsAsync(path)).Problem);
    }

    [Fact]
    public async Task Missing_file()
    {
        var e = await FailsAsync(_temp.File("nowhere.mp4"));
        Assert.Equal(VideoInputProblem.Missing, e.Problem);
        Assert.Contains("No such file", e.Message);
    }

    [Fact]
    public async Task Truncated_mp4_without_its_index()
    {
        var path = _temp.File("cut.mp4");
        var bytes = await File.ReadAllBytesAsync(TestEnvironment.Clip("single_face.mp4"), TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(path, bytes[..20000], TestContext.Current.CancellationToken);
        var e = await FailsAsync(path);
        Assert.Equal(VideoInputProblem.Truncated, e.Problem);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public async Task Truncated_mp4_with_its_index_first_decodes_too_few_frames()
    {
        var full = _temp.File("faststart.mp4");
        Ffmpeg.Run("-i", TestEnvironment.Clip("single_face.mp4"), "-c", "copy", "-movflags", "+faststart", full);
        var bytes = await File.ReadAllBytesAsync(full, TestContext.Current.CancellationToken);
        var cut = _temp.File("cut-faststart.mp4");
        await File.WriteAllBytesAsync(cut, bytes[..(bytes.Length / 3)], TestContext.Current.CancellationToken);
        var e = await FailsAsync(cut);
        Assert.Equal(VideoInputProblem.Truncated, e.Problem);
        Assert.Matches(@"only \d+ of about 7\d frames", e.Message);
    }

    [Fact]
    public async Task Audio_only_file_has_no_video()
    {
        var path = _temp.File("voice.m4a");
        Ffmpeg.Run("-f", "lavfi", "-i", "sine=frequency=440:duration=1", path);
        var e = await FailsAsync(path);
        Assert.Equal(VideoInputProblem.NoVideoStream, e.Problem);
        Assert.Contains("no video stream", e.Message);
    }

    [Fact]
    public async Task Unknown_codec_is_named()
    {
        var path = _temp.File("unknown.avi");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=64x64:rate=10:duration=1", "-c:v", "mpeg4", "-vtag", "XVID", path);
        var bytes = await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);
        // Replace the codec's FourCC with one no decoder knows.
        var tag = "XVID"u8.ToArray();
        for (var i = 0; i + 4 <= bytes.Length; i++)
            if (bytes.AsSpan(i, 4).SequenceEqual(tag)) "QQQQ"u8.CopyTo(bytes.AsSpan(i, 4));
        await File.WriteAllBytesAsync(path, bytes, TestContext.Current.CancellationToken);
        var e = await FailsAsync(path);
        Assert.Equal(VideoInputProblem.UnsupportedCodec, e.Problem);
        Assert.Contains("QQQQ", e.Message);
    }

    [Fact]
    public async Task File_over_the_size_limit_is_refused_before_decoding()
    {
        var e = await FailsAsync(TestEnvironment.Clip("single_face.mp4"), new DecodeOptions { MaxFileBytes = 100_000 });
        Assert.Equal(VideoInputProblem.TooLarge, e.Problem);
        Assert.Contains("over the limit of 97.7 KiB", e.Message);
    }

    [Fact]
    public async Task Every_shared_clip_decodes_with_its_real_frame_count()
    {
        (string Clip, int Frames)[] expected =
        [
            ("WolfgangLanger_Pexels.mp4", 472), ("single_face.mp4", 72), ("face_noface.mov", 169), ("noface_face.mov", 169),
            ("2015-10-15-15-14.avi", 842), ("multi_face.avi", 702), ("sample_disfa.avi", 20), ("single_face.jpg", 1),
        ];
        foreach (var (clip, frames) in expected)
        {
            var info = await VideoProbe.ProbeAsync(TestEnvironment.Clip(clip), cancellationToken: TestContext.Current.CancellationToken);
            var count = 0;
            await foreach (var frame in FrameDecoder.DecodeAsync(info, cancellationToken: TestContext.Current.CancellationToken))
            {
                Assert.Equal(count++, frame.Index);
                Assert.Equal(info.FrameWidth * info.FrameHeight * 3, frame.Pixels.Length);
                frame.Dispose();
            }
            Assert.Equal(frames, count);
        }
    }
}
