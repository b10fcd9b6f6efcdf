using System.Diagnostics;
using PainReview.Pipeline.Decoding;

namespace PainReview.Pipeline.Tests.Integration;

/// <summary>
/// Integration (real ffmpeg): files that name other files (an ffconcat list, an HLS playlist)
/// uploaded under a video's name are refused by ffprobe and ffmpeg alike, and no reference inside
/// them is ever followed.
/// </summary>
public sealed class ReferenceInputTests : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    private static string Sentence(string name) =>
        $"{name} is a playlist or a list of other files (concat, HLS), not a video: such files are refused.";

    /// <summary>A real clip copied beside the attack file, so a relative reference would resolve.</summary>
    private string Victim()
    {
        var path = _temp.File("other.mp4");
        if (!File.Exists(path)) File.Copy(TestEnvironment.Clip("single_face.mp4"), path);
        return path;
    }

    private string Concat(string name, string target)
    {
        var path = _temp.File(name);
        File.WriteAllText(path, $"ffconcat version 1.0\nfile {target}\n");
        return path;
    }

    private string Hls(string name, string target)
    {
        var path = _temp.File(name);
        File.WriteAllText(path, $"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\n{target}\n#EXT-X-ENDLIST\n");
        return path;
    }

    private string Attack(string kind, string name) => kind switch
    {
        "concat" => Concat(name, Path.GetFileName(Victim())),
        "hls" => Hls(name, Victim()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static Task<VideoInputException> ProbeFailsAsync(string path) =>
        Assert.ThrowsAsync<VideoInputException>(() => VideoProbe.ProbeAsync(path, cancellationToken: TestContext.Current.CancellationToken));

    /// <summary>Runs ffmpeg itself, decoding to nowhere; the exit code and what it said.</summary>
    private static (int ExitCode, string StdErr) FfmpegDecode(string path, params string[] inputOptions)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-v", "error", "-nostdin" }.Concat(inputOptions).Concat(["-i", path, "-map", "0:v:0", "-f", "null", "-"]))
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stderr.Result);
    }

    [Fact]
    public void Without_the_allow_list_ffmpeg_follows_the_references_and_with_it_does_not()
    {
        // The attack, reproduced: plain ffmpeg decodes an ffconcat list and an HLS playlist named .mp4
        // as the clip they name (for HLS, a transport-stream copy: HLS segments are TS). With
        // SafeInput's input options, it refuses both.
        var segment = _temp.File("other.ts");
        Ffmpeg.Run("-i", Victim(), "-c", "copy", "-f", "mpegts", segment);
        foreach (var (kind, evil) in new[] { ("concat", Concat("concat-evil.mp4", "other.mp4")), ("hls", Hls("hls-evil.mp4", segment)) })
        {
            var plain = FfmpegDecode(evil);
            Assert.True(plain.ExitCode == 0, $"plain ffmpeg did not decode the {kind} file: {plain.StdErr}");
            var (code, stderr) = FfmpegDecode(evil, SafeInput.Arguments.Split(' '));
            Assert.NotEqual(0, code);
            Assert.Contains("not on whitelist", stderr);
        }
    }

    [Fact]
    public async Task Ffconcat_list_named_mp4_is_refused_by_the_probe()
    {
        var evil = Concat("evil.mp4", Path.GetFileName(Victim()));
        Assert.True(new FileInfo(evil).Length < 100);
        var e = await ProbeFailsAsync(evil);
        Assert.Equal(VideoInputProblem.ReferencesOtherFiles, e.Problem);
        Assert.Equal(Sentence("evil.mp4"), e.Message);
    }

    [Fact]
    public async Task Hls_playlist_naming_an_absolute_path_is_refused_by_the_probe()
    {
        var evil = Hls("playlist.mp4", Victim());
        var e = await ProbeFailsAsync(evil);
        Assert.Equal(VideoInputProblem.ReferencesOtherFiles, e.Problem);
        Assert.Equal(Sentence("playlist.mp4"), e.Message);
        Assert.DoesNotContain(_temp.Path, e.Message);
    }

    [Fact]
    public async Task Plain_m3u_list_is_refused_with_the_same_sentence()
    {
        var path = _temp.File("list.mp4");
        await File.WriteAllTextAsync(path, $"\uFEFF#EXTM3U\n{Victim()}\n", TestContext.Current.CancellationToken);
        var e = await ProbeFailsAsync(path);
        Assert.Equal(VideoInputProblem.ReferencesOtherFiles, e.Problem);
        Assert.Equal(Sentence("list.mp4"), e.Message);
    }

    [Theory]
    [InlineData("concat")]
    [InlineData("hls")]
    public async Task Decoding_directly_refuses_too(string kind)
    {
        // FrameDecoder is handed a file that passed a probe (here: the real clip's metadata) but is
        // then a list of other files: ffmpeg itself must refuse it, not decode the clip it names.
        var evil = Attack(kind, "swapped.mp4");
        var genuine = await VideoProbe.ProbeAsync(_temp.File("other.mp4"), cancellationToken: TestContext.Current.CancellationToken);
        var info = genuine with { Path = evil, FileBytes = new FileInfo(evil).Length };
        var frames = 0;
        var e = await Assert.ThrowsAsync<VideoInputException>(async () =>
        {
            await foreach (var frame in FrameDecoder.DecodeAsync(info, cancellationToken: TestContext.Current.CancellationToken))
            {
                frames++;
                frame.Dispose();
            }
        });
        Assert.Equal(0, frames);
        Assert.Equal(VideoInputProblem.ReferencesOtherFiles, e.Problem);
        Assert.Equal(Sentence("swapped.mp4"), e.Message);
    }

    [Fact]
    public async Task A_playlist_naming_an_existing_file_and_one_naming_a_missing_file_read_the_same()
    {
        // Were a reference followed, the two would differ (one opens, the other is "No such file"),
        // which would let an uploader learn which paths exist on the server.
        var existing = await ProbeFailsAsync(Hls("a.mp4", Victim()));
        var missing = await ProbeFailsAsync(Hls("b.mp4", _temp.File("nowhere.mp4")));
        var outside = await ProbeFailsAsync(Hls("c.mp4", "/etc/passwd"));
        Assert.Equal(existing.Problem, missing.Problem);
        Assert.Equal(existing.Problem, outside.Problem);
        Assert.Equal(existing.Message.Replace("a.mp4", "b.mp4"), missing.Message);
        Assert.Equal(existing.Message.Replace("a.mp4", "c.mp4"), outside.Message);
        Assert.Equal(FirstLines(existing.InnerException!.Message), FirstLines(missing.InnerException!.Message));

        var concatExisting = await ProbeFailsAsync(Concat("d.mp4", "other.mp4"));
        var concatMissing = await ProbeFailsAsync(Concat("e.mp4", "nowhere.mp4"));
        Assert.Equal(concatExisting.Message.Replace("d.mp4", "e.mp4"), concatMissing.Message);

        // What ffprobe said, less the file names and memory addresses.
        static string FirstLines(string message) => System.Text.RegularExpressions.Regex.Replace(message, @"0x[0-9a-f]+|\S+\.mp4", "");
    }

    [Fact]
    public async Task Other_formats_off_the_list_are_refused_with_their_name()
    {
        var path = _temp.File("voice.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-f", "wav", path);
        var e = await ProbeFailsAsync(path);
        Assert.Equal(VideoInputProblem.NotAVideo, e.Problem);
        Assert.Equal("voice.mp4 is in a format PainReview does not accept (wav): upload a video (MP4, MOV, AVI, WMV, MKV, WebM...) or a still image.", e.Message);
    }

    [Fact]
    public async Task Every_shared_clip_and_image_still_probes_and_decodes()
    {
        var files = Directory.EnumerateFiles(TestEnvironment.TestDataDirectory)
            .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".avi" or ".mp4" or ".wmv" or ".mov" or ".jpg")
            .Order().ToList();
        Assert.Contains(files, f => f.EndsWith(".wmv", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var info = await VideoProbe.ProbeAsync(file, cancellationToken: TestContext.Current.CancellationToken);
            var frames = 0;
            await foreach (var frame in FrameDecoder.DecodeAsync(info, new DecodeOptions { MaxFrames = 3 }, TestContext.Current.CancellationToken))
            {
                frames++;
                frame.Dispose();
            }
            Assert.True(frames > 0, $"{Path.GetFileName(file)} decoded no frame");
        }
    }

    [Theory]
    [InlineData("mkv", "")]
    [InlineData("webm", "-c:v libvpx")]
    [InlineData("flv", "")]
    [InlineData("ts", "")]
    [InlineData("mpg", "-c:v mpeg2video")]
    [InlineData("ogv", "-c:v libtheora")]
    [InlineData("3gp", "-c:v mpeg4")]
    [InlineData("h264", "-c:v libx264 -f h264")]
    [InlineData("hevc", "-c:v libx265 -f hevc")]
    [InlineData("y4m", "-pix_fmt yuv420p")]
    [InlineData("png", "-frames:v 1")]
    [InlineData("bmp", "-frames:v 1")]
    [InlineData("webp", "-frames:v 1")]
    [InlineData("tiff", "-frames:v 1")]
    [InlineData("gif", "")]
    [InlineData("jpg", "-frames:v 1")]
    [InlineData("mov", "")]
    [InlineData("avi", "-c:v mjpeg")]
    [InlineData("wmv", "-c:v wmv2")]
    public async Task Formats_users_upload_stay_on_the_list_whatever_their_name(string extension, string options)
    {
        var source = _temp.File($"clip.{extension}");
        Ffmpeg.Run([.. new[] { "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10:duration=1" }, .. options.Split(' ', StringSplitOptions.RemoveEmptyEntries), source]);
        // Stored uploads keep the uploader's extension, which can be wrong: content decides.
        var renamed = _temp.File($"clip-{extension}.bin");
        File.Copy(source, renamed);
        foreach (var path in new[] { source, renamed })
        {
            var info = await VideoProbe.ProbeAsync(path, cancellationToken: TestContext.Current.CancellationToken);
            var frames = 0;
            await foreach (var frame in FrameDecoder.DecodeAsync(info, new DecodeOptions { MaxFrames = 2 }, TestContext.Current.CancellationToken))
            {
                frames++;
                frame.Dispose();
            }
            Assert.True(frames > 0, $"{Path.GetFileName(path)} ({info.Container}) decoded no frame");
        }
    }
}
