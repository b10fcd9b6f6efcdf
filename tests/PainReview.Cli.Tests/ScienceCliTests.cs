using System.Globalization;
using System.Text.Json;
using PainReview.Cli.Tests.Support;

namespace PainReview.Cli.Tests;

/// <summary>CLI (real process): the AU columns, summary JSON, configuration, plot and cohort report.</summary>
public sealed class ScienceCliTests : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    private static readonly string ExpectedHeader =
        "frame,time_s,face,confidence,yaw,pitch,roll,AU01,AU02,AU04,AU06,AU07,AU09,AU10,AU12,AU15,AU25,AU26,AU43,hpii,pspi,apex";

    [Fact]
    public void Analyze_writes_the_au_columns_and_a_summary_with_configuration_and_model_hashes()
    {
        var csv = _temp.File("frames.csv");
        var summary = _temp.File("summary.json");
        var result = CliRunner.Run("analyze", TestEnvironment.Clip("face_noface.mov"), "--out", csv, "--summary", summary);
        Assert.True(result.ExitCode == 0, result.StdErr);

        var lines = File.ReadAllLines(csv);
        Assert.StartsWith(ExpectedHeader + ",", lines[0]);
        Assert.Equal(170, lines.Length);
        var header = lines[0].Split(',');
        int Column(string name) => Array.IndexOf(header, name);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        foreach (var row in rows)
        {
            var usable = row[Column("usable")] == "1";
            // AU and score cells are empty exactly where the frame is unusable.
            Assert.Equal(usable, row[Column("AU04")].Length > 0);
            Assert.Equal(usable, row[Column("hpii")].Length > 0);
            Assert.Contains(row[Column("apex")], new[] { "0", "1" });
            if (usable) Assert.InRange(double.Parse(row[Column("AU07")], CultureInfo.InvariantCulture), 0, 5);
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(summary));
        var root = doc.RootElement;
        Assert.Equal("TopQuantile", root.GetProperty("config").GetProperty("apex").GetProperty("strategy").GetString());
        Assert.Equal(1, root.GetProperty("config").GetProperty("hpii").GetProperty("w4").GetDouble());
        var models = root.GetProperty("models").EnumerateArray().ToList();
        Assert.Contains(models, m => m.GetProperty("name").GetString() == "face-mesh" && m.GetProperty("sha256").GetString()!.Length == 64);
        var s = root.GetProperty("summary");
        Assert.Equal(169, s.GetProperty("frames").GetInt32());
        Assert.Equal(rows.Count(r => r[Column("usable")] == "1"), s.GetProperty("usableFrames").GetInt32());
        Assert.Equal(rows.Count(r => r[Column("apex")] == "1"), s.GetProperty("apexFrames").GetInt32());
        Assert.True(s.GetProperty("actionUnits").TryGetProperty("AU07", out _));
        Assert.Equal(64, root.GetProperty("video").GetProperty("sha256").GetString()!.Length);
    }

    [Fact]
    public void Configuration_file_changes_the_apex_strategy_and_weights()
    {
        var config = _temp.File("config.json");
        File.WriteAllText(config, """
            { "apex": { "strategy": "Single" }, "hpii": { "w4": 0, "w67": 0, "w9": 1 } }
            """);
        var csv = _temp.File("single.csv");
        var result = CliRunner.Run("analyze", TestEnvironment.Clip("single_face.mp4"), "--out", csv, "--config", config);
        Assert.True(result.ExitCode == 0, result.StdErr);
        var lines = File.ReadAllLines(csv);
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Single(rows, r => r[Array.IndexOf(header, "apex")] == "1");
        // With only w9 = 1, HPII equals AU9.
        Assert.All(rows, r => Assert.Equal(r[Array.IndexOf(header, "AU09")], r[Array.IndexOf(header, "hpii")]));
    }

    [Fact]
    public void Bad_configuration_is_a_clear_error()
    {
        var config = _temp.File("bad.json");
        File.WriteAllText(config, """{ "apex": { "quantile": 3 } }""");
        var result = CliRunner.Run("analyze", TestEnvironment.Clip("single_face.jpg"), "--out", _temp.File("x.csv"), "--config", config);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("apex.quantile", result.StdErr);
    }

    [Fact]
    public void Plot_draws_the_timeline_png()
    {
        var csv = _temp.File("frames.csv");
        Assert.Equal(0, CliRunner.Run("analyze", TestEnvironment.Clip("single_face.mp4"), "--out", csv).ExitCode);
        var png = _temp.File("timeline.png");
        var result = CliRunner.Run("plot", csv, "-o", png);
        Assert.True(result.ExitCode == 0, result.StdErr);
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        Assert.Equal((1400, 700), (bitmap.Width, bitmap.Height));
        // Something was drawn in the HPII colour.
        var hpiiColour = new SkiaSharp.SKColor(0x1F, 0x3B, 0x73);
        var hits = 0;
        for (var y = 50; y < 350; y += 2)
            for (var x = 70; x < 1230; x += 2)
                if (bitmap.GetPixel(x, y) == hpiiColour) hits++;
        Assert.True(hits > 50, $"{hits} HPII pixels");
    }

    [Fact]
    public void Plot_refuses_a_csv_that_is_not_ours()
    {
        var csv = _temp.File("other.csv");
        File.WriteAllText(csv, "a,b\n1,2\n");
        var result = CliRunner.Run("plot", csv, "-o", _temp.File("x.png"));
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("not a PainReview frames CSV", result.StdErr);
    }

    [Fact]
    public void Cohort_reports_correlations_and_resumes()
    {
        var manifest = _temp.File("manifest.csv");
        File.WriteAllLines(manifest,
        [
            "video,vas,participant",
            $"{TestEnvironment.Clip("single_face.mp4")},2,P01",
            $"{TestEnvironment.Clip("WolfgangLanger_Pexels.mp4")},8,P02",
            $"{TestEnvironment.Clip("changeLighting.wmv")},1,P03",
            $"{TestEnvironment.Clip("sample_disfa.avi")},3,P04",
            $"{TestEnvironment.Clip("face_noface.mov")},6,P05",
        ]);
        var report = _temp.File("report.json");
        var first = CliRunner.Run("cohort", manifest, "--out", report, "--parallel", "2");
        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.Contains("5 of 5 recordings analysed", first.StdOut);

        using (var doc = JsonDocument.Parse(File.ReadAllText(report)))
        {
            var root = doc.RootElement;
            var recordings = root.GetProperty("recordings").EnumerateArray().ToList();
            Assert.Equal(5, recordings.Count);
            Assert.Equal("P02", recordings[1].GetProperty("participant").GetString());
            var correlations = root.GetProperty("correlations");
            Assert.Equal(5, correlations.GetProperty("recordings").GetInt32());
            var pearson = correlations.GetProperty("hpii").GetProperty("allFrames").GetProperty("pearson");
            Assert.Equal(5, pearson.GetProperty("n").GetInt32());
            Assert.InRange(pearson.GetProperty("r").GetDouble(), -1, 1);
            Assert.True(pearson.GetProperty("fisherLow").GetDouble() <= pearson.GetProperty("r").GetDouble());
            // The report's r is the library's r on the reported per-recording means.
            var hpii = recordings.Select(r => r.GetProperty("summary").GetProperty("hpii").GetProperty("meanAll").GetDouble()).ToArray();
            var vas = recordings.Select(r => r.GetProperty("vas").GetDouble()).ToArray();
            Assert.Equal(MathNet.Numerics.Statistics.Correlation.Pearson(hpii, vas), pearson.GetProperty("r").GetDouble(), 9);
            Assert.True(correlations.GetProperty("actionUnits").GetProperty("AU07").TryGetProperty("apex", out _));
            Assert.Equal(JsonValueKind.Null, correlations.GetProperty("hpiiVasAtLeast3").GetProperty("allFrames").GetProperty("pearson").ValueKind);
        }

        var second = CliRunner.Run("cohort", manifest, "--out", report);
        Assert.True(second.ExitCode == 0, second.StdErr);
        Assert.Equal(5, second.StdErr.Split('\n').Count(l => l.Contains("already analysed (resumed)")));
    }

    [Fact]
    public void Cohort_manifest_errors_name_the_line()
    {
        var manifest = _temp.File("manifest.csv");
        File.WriteAllLines(manifest, ["video,vas", $"{TestEnvironment.Clip("single_face.mp4")},eleven"]);
        var result = CliRunner.Run("cohort", manifest, "--out", _temp.File("r.json"));
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("line 2", result.StdErr);
        Assert.Contains("not a number from 0 to 10", result.StdErr);
    }

    [Fact]
    public void Compare_reports_agreement_with_a_hand_coded_reference_and_refuses_bad_input()
    {
        var csv = _temp.File("frames.csv");
        var analyze = CliRunner.Run("analyze", TestEnvironment.Clip("single_face.mp4"), "--out", csv);
        Assert.True(analyze.ExitCode == 0, analyze.StdErr);
        // Frames 0 and 12 neutral, 24-60 a broad smile (as rated in Data/au-ratings.csv).
        var reference = _temp.File("rated.csv");
        File.WriteAllLines(reference, ["frame,AU12,AU04", "0,0,0", "12,0,0", "24,4,0", "36,4,0", "48,4,0", "60,4,0"]);

        var table = CliRunner.Run("compare", csv, reference, "--json");
        Assert.True(table.ExitCode == 0, table.StdErr);
        using var json = JsonDocument.Parse(table.StdOut);
        Assert.Equal("hand-coded", json.RootElement.GetProperty("reference").GetString());
        var rows = json.RootElement.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("unit").GetString()!);
        Assert.Equal(6, rows["AU12"].GetProperty("n").GetInt32());
        Assert.True(rows["AU12"].GetProperty("pearson").GetDouble() > 0.9, table.StdOut);
        Assert.True(rows["AU04"].GetProperty("flat").GetBoolean()); // the reference never codes AU4 here
        Assert.Equal(JsonValueKind.Null, rows["AU04"].GetProperty("pearson").ValueKind);

        var text = CliRunner.Run("compare", csv, reference);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("reference flat", text.StdOut);

        File.WriteAllLines(reference, ["frame,AU12", "0,abc"]);
        var bad = CliRunner.Run("compare", csv, reference);
        Assert.Equal(3, bad.ExitCode);
        Assert.Contains("is not a number", bad.StdErr);
        Assert.DoesNotContain("   at ", bad.StdErr);
    }
}
