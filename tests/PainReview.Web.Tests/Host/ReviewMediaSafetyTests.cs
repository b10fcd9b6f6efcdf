using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Features.Review;
using PainReview.Web.Infrastructure;

namespace PainReview.Web.Tests.Host;

/// <summary>
/// Real ffmpeg: the playable copy and the thumbnails are made through SafeInput, so a stored file
/// that is a list of other files (stored before uploads were checked for it, or planted in the
/// store) is never decoded as the files it names.
/// </summary>
public sealed class ReviewMediaSafetyTests : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();
    private readonly VideoStore _store;
    private readonly ReviewMedia _media;

    public ReviewMediaSafetyTests()
    {
        _store = new VideoStore(Options.Create(new PortalOptions { DataDirectory = _temp.Path }));
        _media = new ReviewMedia(_store, NullLogger<ReviewMedia>.Instance, Options.Create(new PortalOptions { DataDirectory = _temp.Path }));
        File.Copy(TestEnvironment.Clip("single_face.mp4"), _store.PathOf("other.mp4"));
    }

    public void Dispose() => _temp.Dispose();

    private string Stored(Guid id, string text)
    {
        var name = $"{id:N}.mp4";
        File.WriteAllText(_store.PathOf(name), text);
        return name;
    }

    [Fact]
    public async Task A_real_clip_still_gets_its_playable_copy()
    {
        var id = Guid.NewGuid();
        File.Copy(TestEnvironment.Clip("single_face.mp4"), _store.PathOf($"{id:N}.mp4"));
        var playable = await _media.EnsurePlayableAsync(id, $"{id:N}.mp4", TestContext.Current.CancellationToken);
        Assert.True(new FileInfo(playable).Length > 1000);
        var thumbnail = await _media.EnsureThumbnailAsync(id, $"{id:N}.mp4", 10, 0.4, TestContext.Current.CancellationToken);
        var jpeg = await File.ReadAllBytesAsync(thumbnail, TestContext.Current.CancellationToken);
        Assert.True(jpeg[0] == 0xFF && jpeg[1] == 0xD8);
    }

    [Theory]
    [InlineData("concat")]
    [InlineData("hls")]
    public async Task A_stored_list_of_other_files_gets_no_playable_copy(string kind)
    {
        var id = Guid.NewGuid();
        var stored = Stored(id, kind == "concat"
            ? "ffconcat version 1.0\nfile other.mp4\n"
            : $"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n{_store.PathOf("other.mp4")}\n#EXT-X-ENDLIST\n");
        // The user gets a sentence (a 422, not a 500); ffmpeg's refusal to open the listed file is its cause.
        var e = await Assert.ThrowsAsync<MediaUnavailableException>(() => _media.EnsurePlayableAsync(id, stored, TestContext.Current.CancellationToken));
        Assert.Equal(422, e.StatusCode);
        Assert.Contains("not on whitelist", e.InnerException?.Message);
        Assert.False(File.Exists(Path.Combine(_store.Root, "playback", $"{id:N}.mp4")));
    }

    [Fact]
    public async Task Thumbnails_refuse_a_planted_playable_copy_that_names_other_files()
    {
        var id = Guid.NewGuid();
        var stored = Stored(id, "not read: the playable copy below is already there");
        var playback = Directory.CreateDirectory(Path.Combine(_store.Root, "playback")).FullName;
        await File.WriteAllTextAsync(Path.Combine(playback, $"{id:N}.mp4"), $"ffconcat version 1.0\nfile {Path.GetRelativePath(playback, _store.PathOf("other.mp4"))}\n", TestContext.Current.CancellationToken);
        var e = await Assert.ThrowsAnyAsync<Exception>(() => _media.EnsureThumbnailAsync(id, stored, 3, 0.1, TestContext.Current.CancellationToken));
        Assert.Contains("not on whitelist", e.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(_store.Root, "thumbnails", id.ToString("N")), "*.jpg"));
    }

    [Fact]
    public async Task The_playable_copy_is_capped_at_720_lines_keeps_every_frame_and_copies_are_encoded_one_at_a_time()
    {
        // A 1080p clip at a variable frame rate (a step in the middle): the copy is 1280x720 and keeps every frame.
        var big = Path.Combine(_temp.Path, "big.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-t", "1.5", "-vf", "setpts='if(lt(N,20),N,N+5)/30/TB'", "-fps_mode", "passthrough",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", big);
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in ids) File.Copy(big, _store.PathOf($"{id:N}.mp4"));

        var most = 0;
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested) { most = Math.Max(most, _media.EncodingNow); await Task.Delay(5, TestContext.Current.CancellationToken); }
        }, TestContext.Current.CancellationToken);
        var copies = await Task.WhenAll(ids.Select(id => _media.EnsurePlayableAsync(id, $"{id:N}.mp4", TestContext.Current.CancellationToken)));
        await watching.CancelAsync();
        await watcher;
        Assert.Equal(1, most); // MediaEncoders defaults to 1: never two ffmpeg encoders at once
        Assert.All(ids, id => Assert.True(_media.IsPlayableReady(id)));

        var probe = await FFMpegCore.FFProbe.AnalyseAsync(copies[0], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(720, probe.PrimaryVideoStream!.Height);
        Assert.Equal(1280, probe.PrimaryVideoStream.Width);
        Assert.Equal(CountFrames(big), CountFrames(copies[0]));
        Assert.True(CountFrames(big) >= 35);

        _media.Delete(ids[0]);
        Assert.False(_media.IsPlayableReady(ids[0]));
    }

    private static int CountFrames(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("ffprobe")
        {
            ArgumentList = { "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path },
            RedirectStandardOutput = true,
        };
        using var process = System.Diagnostics.Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
