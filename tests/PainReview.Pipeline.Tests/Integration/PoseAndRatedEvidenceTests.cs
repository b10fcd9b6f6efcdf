using System.Collections.Concurrent;
using System.Globalization;
using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Scoring;
using PainReview.Pipeline.Tests.Support;

namespace PainReview.Pipeline.Tests.Integration;

/// <summary>Each clip analysed once for the class (the nodding clip alone is 842 frames).</summary>
public sealed class ClipAnalyses : IDisposable
{
    private readonly PipelineFixture _pipeline = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<RecordingAnalysis>>> _analyses = new();

    public Task<RecordingAnalysis> GetAsync(string clip) => _analyses.GetOrAdd(clip, name => new Lazy<Task<RecordingAnalysis>>(
        () => new RecordingAnalyzer(_pipeline.Pipeline).AnalyzeAsync(TestEnvironment.Clip(name)))).Value;

    public void Dispose() => _pipeline.Dispose();
}

/// <summary>
/// Integration (real clips): head pose does not read as pain, AU4 follows the brows and the glabella,
/// smiles are flagged, and the AUs agree with frames rated by eye (tests/.../Data/au-ratings.csv).
/// </summary>
public sealed class PoseAndRatedEvidenceTests(ClipAnalyses clips) : IClassFixture<ClipAnalyses>
{
    private const string Nodding = "2015-10-15-15-14.avi";
    private const string Distressed = "WolfgangLanger_Pexels.mp4";
    private const string Smiling = "single_face.mp4";

    private static double Pearson(IEnumerable<(double X, double Y)> pairs)
    {
        var list = pairs.ToList();
        return AuAgreement.Pearson(list.Select(p => p.X).ToList(), list.Select(p => p.Y).ToList()) ?? double.NaN;
    }

    [Fact]
    public async Task A_neutral_face_nodding_does_not_read_as_pain()
    {
        // A nearly expressionless young man nods (pitch -29 to +26 degrees) and turns his head.
        var frames = (await clips.GetAsync(Nodding)).Frames.Where(f => f.Usable).ToList();
        Assert.True(frames.Count > 700, $"{frames.Count} usable frames");
        Assert.True(frames.Max(f => f.Pitch!.Value) - frames.Min(f => f.Pitch!.Value) > 40, "the clip must span a wide pitch range");
        double R(Func<FrameRecord, double> score) => Pearson(frames.Select(f => (score(f), (double)f.Pitch!.Value)));
        var hpii = R(f => f.Hpii!.Value);
        Assert.True(Math.Abs(hpii) <= 0.25, $"r(HPII, pitch) = {hpii:0.00}");
        foreach (var unit in new[] { ActionUnit.AU04, ActionUnit.AU09, ActionUnit.AU43 })
        {
            var r = R(f => f.Au(unit)!.Value);
            Assert.True(Math.Abs(r) <= 0.3, $"r({unit}, pitch) = {r:0.00}");
        }
    }

    [Fact]
    public async Task AU4_is_higher_while_crying_than_while_looking_up_and_smiling()
    {
        var frames = (await clips.GetAsync(Distressed)).Frames;
        double Mean(int from, int to, ActionUnit unit) => frames.Where(f => f.Index >= from && f.Index < to && f.Usable).Average(f => f.Au(unit)!.Value);
        // Frames 10-130: crying, brows pulled down and together, eyes squeezed shut.
        // Frames 190-470: relaxed, chin raised 10-15 degrees, looking up, smiling and laughing.
        var crying = Mean(10, 130, ActionUnit.AU04);
        var smiling = Mean(190, 470, ActionUnit.AU04);
        Assert.True(crying > smiling + 1.5, $"AU4 crying {crying:0.00}, looking up and smiling {smiling:0.00}");
    }

    [Fact]
    public async Task Smiles_are_flagged_and_can_be_kept_out_of_APEX()
    {
        var smiling = (await clips.GetAsync(Smiling)).Frames.Where(f => f.Index >= 24 && f.Usable).ToList();
        Assert.True(smiling.Count(f => f.Smile) >= 0.8 * smiling.Count, $"{smiling.Count(f => f.Smile)} of {smiling.Count} broad-smile frames flagged");

        var distressed = (await clips.GetAsync(Distressed)).Frames;
        Assert.DoesNotContain(distressed, f => f.Smile && f.Index is >= 10 and < 130);
        Assert.Contains(distressed, f => f.Smile && f.Index >= 240);

        // Re-scored with the smile rule: no flagged frame is APEX, and the crying still is.
        var config = new AnalysisConfig { Apex = new ApexConfig { SkipSmiles = true } };
        PainScores.Score(distressed, config);
        Assert.DoesNotContain(distressed, f => f.Apex && f.Smile);
        Assert.Contains(distressed, f => f.Apex && f.Index is >= 10 and < 130);
        PainScores.Score(distressed, new AnalysisConfig());
        Assert.Contains(distressed, f => f.Apex && f.Smile);
    }

    [Fact]
    public async Task AUs_agree_with_frames_rated_by_eye()
    {
        var ratings = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "au-ratings.csv"))
            .Where(l => !l.StartsWith('#')).ToList();
        var header = ratings[0].Split(',');
        var rows = ratings.Skip(1).Select(l => l.Split(',')).ToList();
        var analyses = new Dictionary<string, RecordingAnalysis>();
        foreach (var clip in rows.Select(r => r[0]).Distinct()) analyses[clip] = await clips.GetAsync(clip);

        // Measured when the ratings were made: r = 0.77, 0.85, 0.73, 0.62, 0.33, 0.93, 0.84 (41 frames, 3 people).
        var minimum = new Dictionary<ActionUnit, double>
        {
            [ActionUnit.AU04] = 0.65, [ActionUnit.AU06] = 0.75, [ActionUnit.AU07] = 0.6, [ActionUnit.AU09] = 0.5,
            [ActionUnit.AU10] = 0.2, [ActionUnit.AU12] = 0.85, [ActionUnit.AU43] = 0.7,
        };
        var report = new List<string>();
        foreach (var (unit, min) in minimum)
        {
            var column = Array.IndexOf(header, unit.ToString());
            var pairs = rows.Where(r => r[column].Length > 0)
                .Select(r => (Rated: double.Parse(r[column], CultureInfo.InvariantCulture), Frame: analyses[r[0]].Frames[int.Parse(r[1], CultureInfo.InvariantCulture)]))
                .Where(p => p.Frame.Usable)
                .Select(p => (p.Rated, (double)p.Frame.Au(unit)!.Value)).ToList();
            var r = Pearson(pairs);
            report.Add($"{unit} r={r:0.00} n={pairs.Count}");
            Assert.True(pairs.Count >= 30, $"{unit}: only {pairs.Count} rated frames");
            Assert.True(r >= min, $"{unit}: r = {r:0.00} against the rated frames (at least {min}); all: {string.Join("; ", report)}");
        }
    }
}
