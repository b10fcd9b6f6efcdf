using System.Globalization;
using PainReview.Cli.Tests.Support;

namespace PainReview.Cli.Tests;

/// <summary>CLI (real process, real clips): the command-line contract other tools rely on.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Analyze_writes_one_row_per_decoded_frame()
    {
        var csv = _temp.File("frames.csv");
        var result = CliRunner.Run("analyze", TestEnvironment.Clip("single_face.mp4"), "--out", csv);
        Assert.True(result.ExitCode == 0, result.StdErr);
        var lines = File.ReadAllLines(csv);
        Assert.StartsWith("frame,time_s,face,confidence,yaw,pitch,roll", lines[0]);
        Assert.Equal(73, lines.Length);
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(Enumerable.Range(0, 72).Select(i => i.ToString(CultureInfo.InvariantCulture)), rows.Select(r => r[0]));
        Assert.All(rows, r => Assert.Equal(header.Length, r.Length));
        Assert.All(rows, r => Assert.Equal("1", r[2]));
        Assert.All(rows, r => Assert.InRange(double.Parse(r[4], CultureInfo.InvariantCulture), -45, 45));
        Assert.Contains("72 frames", result.StdOut);
    }

    [Fact]
    public void Analyze_with_landmarks_adds_1404_columns()
    {
        var csv = _temp.File("landmarks.csv");
        var result = CliRunner.Run("analyze", TestEnvironment.Clip("single_face.jpg"), "--out", csv, "--landmarks");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var lines = File.ReadAllLines(csv);
        Assert.Equal(2, lines.Length);
        var header = lines[0].Split(',');
        Assert.Equal("z467", header[^1]);
        var row = lines[1].Split(',');
        var x1 = double.Parse(row[Array.IndexOf(header, "x1")], CultureInfo.InvariantCulture);
        Assert.InRange(x1, 150, 450); // the nose tip is on the face, in a 572-pixel-wide photo
    }

    [Theory]
    [InlineData("text", "is not a video")]
    [InlineData("empty", "is empty")]
    [InlineData("missing", "No such file")]
    [InlineData("truncated", "truncated")]
    public void Bad_input_exits_non_zero_with_one_plain_message(string kind, string expected)
    {
        var path = _temp.File($"{kind}.mp4");
        switch (kind)
        {
            case "text": File.WriteAllText(path, "not a video"); break;
            case "empty": File.WriteAllBytes(path, []); break;
            case "truncated": File.WriteAllBytes(path, File.ReadAllBytes(TestEnvironment.Clip("single_face.mp4"))[..20000]); break;
        }
        var result = CliRunner.Run("analyze", path, "--out", _temp.File("out.csv"));
        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("error: ", result.StdErr);
        Assert.Contains(expected, result.StdErr);
        Assert.DoesNotMatch(@"\n\s+at [A-Z][\w.]+\(", result.StdErr);
        Assert.False(File.Exists(_temp.File("out.csv")), "no output is left behind on failure");
    }

    [Theory]
    [InlineData("concat")]
    [InlineData("hls")]
    public void A_list_of_other_files_named_mp4_exits_3_with_one_plain_sentence(string kind)
    {
        var clip = _temp.File("other.mp4");
        File.Copy(TestEnvironment.Clip("single_face.mp4"), clip);
        var evil = _temp.File("evil.mp4");
        File.WriteAllText(evil, kind == "concat"
            ? "ffconcat version 1.0\nfile other.mp4\n"
            : $"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n{clip}\n#EXT-X-ENDLIST\n");
        var result = CliRunner.Run("analyze", evil, "--out", _temp.File("out.csv"));
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("error: evil.mp4 is a playlist or a list of other files (concat, HLS), not a video: such files are refused.", result.StdErr.Trim());
        Assert.False(File.Exists(_temp.File("out.csv")), "no output is left behind on failure");
    }

    [Fact]
    public void Frame_draws_the_face_to_a_png()
    {
        var png = _temp.File("frame.png");
        var result = CliRunner.Run("frame", TestEnvironment.Clip("WolfgangLanger_Pexels.mp4"), "--at", "5", "--draw", "-o", png);
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("face found", result.StdOut);
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }));
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        Assert.Equal((640, 360), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void Frame_outside_the_video_is_a_clear_error()
    {
        var result = CliRunner.Run("frame", TestEnvironment.Clip("single_face.mp4"), "--at", "99", "-o", _temp.File("x.png"));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("outside the video", result.StdErr);
    }

    [Fact]
    public void Bench_reports_all_three_speeds_and_the_ratios()
    {
        var json = _temp.File("bench.json");
        var result = CliRunner.Run("bench", TestEnvironment.Clip("single_face.mp4"), "--json", json);
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("ffmpeg decode only", result.StdOut);
        Assert.Contains("full pipeline", result.StdOut);
        Assert.Matches(@"\d+\.\d\dx ffmpeg", result.StdOut);
        Assert.Contains("peak working set", result.StdOut);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        Assert.True(doc.RootElement.GetProperty("pipelineFps").GetDouble() > 0);
        Assert.Equal(72, doc.RootElement.GetProperty("frames").GetInt32());
        // CPU time per frame (this process and ffmpeg), the figure that holds on a busy machine.
        Assert.Contains("cpu per frame", result.StdOut);
        Assert.True(doc.RootElement.GetProperty("cpuMsPerFrame").GetProperty("pipeline").GetDouble() > 0);
        Assert.True(doc.RootElement.GetProperty("cpuMsPerFrame").GetProperty("ffmpeg").GetDouble() > 0);
    }

    [Fact]
    public void Bench_rounds_interleave_ffmpeg_and_the_pipeline_and_report_the_median_ratios()
    {
        var json = _temp.File("bench-rounds.json");
        var result = CliRunner.Run("bench", TestEnvironment.Clip("single_face.mp4"), "--two-stage", "--rounds", "3", "--json", json);
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("rounds (3, interleaved)", result.StdOut);
        Assert.Contains("median ratio to ffmpeg over the rounds", result.StdOut);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        var rounds = doc.RootElement.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal(3, rounds.Count);
        static double Median(IEnumerable<double> v) => v.Order().ElementAt(1);
        var full = rounds.Select(x => x.GetProperty("pipelineFps").GetDouble() / x.GetProperty("ffmpegFps").GetDouble()).ToList();
        var twoStage = rounds.Select(x => x.GetProperty("twoStageFps").GetDouble() / x.GetProperty("ffmpegFps").GetDouble()).ToList();
        Assert.All(full.Concat(twoStage), r => Assert.True(r > 0));
        Assert.Equal(Median(full), doc.RootElement.GetProperty("medianRatioToFfmpeg").GetDouble(), 9);
        Assert.Equal(Median(twoStage), doc.RootElement.GetProperty("twoStageMedianRatioToFfmpeg").GetDouble(), 9);
        // The first round is the one the detailed figures describe.
        Assert.Equal(doc.RootElement.GetProperty("pipelineFps").GetDouble(), rounds[0].GetProperty("pipelineFps").GetDouble(), 9);

        var refused = CliRunner.Run("bench", TestEnvironment.Clip("single_face.mp4"), "--rounds", "0");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("--rounds must be from 1 to 50", refused.StdErr);
    }

    [Fact]
    public void Models_verify_passes_on_fetched_models()
    {
        var result = CliRunner.Run("models", "verify", "--dir", TestEnvironment.Models.Path);
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("All models verified", result.StdOut);
    }
}
