using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Decoding;
using PainReview.Pipeline.Faces;
using PainReview.Pipeline.Models;
using PainReview.Pipeline.Scoring;

namespace PainReview.Pipeline.Analysis;

/// <summary>One analysed recording: every frame's record, the summary, and what produced them.</summary>
public sealed record RecordingAnalysis(
    VideoInfo Video, IReadOnlyList<FrameRecord> Frames, RecordingSummary Summary, AnalysisConfig Config,
    IReadOnlyList<ModelManifestEntry> Models, PipelineRun Run, TimeSpan ScoringTime, string VideoSha256)
{
    /// <summary>The summary document: scores plus the exact configuration, model hashes and input.</summary>
    public AnalysisDocument ToSummaryDocument() => new()
    {
        Tool = new AnalysisTool("PainReview", AppVersion),
        CreatedUtc = DateTimeOffset.UtcNow,
        Video = new AnalysedVideo(Path.GetFileName(Video.Path), Video.FileBytes, VideoSha256, Video.Container, Video.Codec,
            Video.Width, Video.Height, Video.Rotation, Video.FrameRate, Video.Duration.TotalSeconds, Video.IsStillImage),
        Config = Config,
        Models = Models.Select(m => new AnalysisModel(m.Name, m.File, m.Sha256, $"{m.SourcePackage}@{m.SourceVersion}:{m.SourceFile}", m.SourceSha256)).ToList(),
        Summary = Summary,
    };

    public string SummaryJson() => ToSummaryDocument().ToJson();

    public static string AppVersion =>
        typeof(RecordingAnalysis).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}

/// <summary>
/// Video to scores: the face pipeline, then features, neutral baseline, denoising, AUs, HPII, PSPI
/// and APEX. The web portal, the CLI and the tests call it the same way.
/// </summary>
public sealed class RecordingAnalyzer(FacePipeline pipeline)
{
    /// <summary>Below this many usable frames a recording has no baseline of its own.</summary>
    public const int MinimumFramesForOwnBaseline = 10;

    public async Task<RecordingAnalysis> AnalyzeAsync(string path, AnalysisConfig? config = null, DecodeOptions? decode = null,
        Action<FrameGeometry>? onGeometry = null, IProgress<AnalysisProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        config ??= new AnalysisConfig();
        config.Validate();
        var info = await VideoProbe.ProbeAsync(path, decode, cancellationToken);
        var sha = Task.Run(() => Sha256(info.Path), cancellationToken);

        NeutralBaseline? neutral = null;
        if (config.Baseline.Mode == BaselineMode.Recording)
            neutral = await NeutralRecordingAsync(config.Baseline.Recording!, config, decode, cancellationToken);

        var frames = new List<FrameRecord>();
        var run = await pipeline.RunAsync(info, g =>
        {
            frames.Add(FrameRecord.From(g));
            onGeometry?.Invoke(g);
        }, decode, config.Quality, progress, cancellationToken);

        var scoring = Stopwatch.StartNew();
        var baseline = Score(frames, config, pipeline.Canonical, info.IsStillImage, neutral);
        var summary = RecordingSummary.Of(frames, baseline);
        scoring.Stop();

        var models = pipeline.Models.Manifest?.Models ?? [];
        return new RecordingAnalysis(info, frames, summary, config, models, run, scoring.Elapsed, await sha);
    }

    /// <summary>
    /// Denoises features, fixes the neutral baseline, estimates AUs and scores every frame.
    /// Returns a description of the baseline used.
    /// </summary>
    public static string Score(IReadOnlyList<FrameRecord> frames, AnalysisConfig config, CanonicalFace canonical,
        bool stillImage, NeutralBaseline? neutralRecording = null)
    {
        ActionUnitEstimator.Smooth(frames, config.Smoothing);
        var usable = frames.Count(f => f.Usable);
        NeutralBaseline baseline;
        if (stillImage || config.Baseline.Mode == BaselineMode.Population)
            baseline = NeutralBaseline.Population(canonical);
        else if (config.Baseline.Mode == BaselineMode.Recording && neutralRecording is not null)
            baseline = neutralRecording;
        else if (config.Baseline.Mode == BaselineMode.Range)
        {
            var range = frames.Where(f => f.TimeSeconds >= config.Baseline.RangeStartSeconds && f.TimeSeconds <= config.Baseline.RangeEndSeconds);
            baseline = NeutralBaseline.Median(range, $"neutral range {config.Baseline.RangeStartSeconds}-{config.Baseline.RangeEndSeconds} s");
        }
        else if (usable < MinimumFramesForOwnBaseline)
            baseline = NeutralBaseline.Population(canonical) with { Source = $"population (canonical face): only {usable} usable frames" };
        else
            baseline = NeutralBaseline.Percentile(frames, config.Baseline.Percentile);

        ActionUnitEstimator.Estimate(frames, baseline);
        PainScores.Score(frames, config);
        return baseline.Source;
    }

    private async Task<NeutralBaseline> NeutralRecordingAsync(string path, AnalysisConfig config, DecodeOptions? decode, CancellationToken ct)
    {
        var info = await VideoProbe.ProbeAsync(path, decode, ct);
        var frames = new List<FrameRecord>();
        await pipeline.RunAsync(info, g => frames.Add(FrameRecord.From(g)), decode, config.Quality, cancellationToken: ct);
        return NeutralFrom(frames, config, $"neutral recording {Path.GetFileName(path)}");
    }

    /// <summary>
    /// The neutral baseline a separate neutral recording gives (its frames before scoring): the
    /// median of each denoised feature over its usable frames.
    /// </summary>
    public static NeutralBaseline NeutralFrom(IReadOnlyList<FrameRecord> frames, AnalysisConfig config, string source)
    {
        ActionUnitEstimator.Smooth(frames, config.Smoothing);
        return NeutralBaseline.Median(frames, source);
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
