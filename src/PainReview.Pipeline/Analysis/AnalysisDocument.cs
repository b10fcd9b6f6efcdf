using System.Text.Json;
using PainReview.Pipeline.Scoring;

namespace PainReview.Pipeline.Analysis;

/// <summary>
/// The summary document of one analysis (summary.json, and each recording's record in the portal):
/// the scores with the exact configuration, model hashes and input that produced them. Written and
/// read back by this type only, with <see cref="AnalysisConfig.JsonOptions"/>.
/// </summary>
public sealed record AnalysisDocument
{
    public required AnalysisTool Tool { get; init; }
    public required DateTimeOffset CreatedUtc { get; init; }
    public required AnalysedVideo Video { get; init; }
    public required AnalysisConfig Config { get; init; }
    public required IReadOnlyList<AnalysisModel> Models { get; init; }
    /// <summary>The scores; null when a study protocol leaves the recording unscored (waiting for a baseline).</summary>
    public RecordingSummary? Summary { get; init; }
    /// <summary>The study protocol that scored it, when the portal (re)scored it under one.</summary>
    public ProtocolStamp? Protocol { get; init; }
    public string Notice { get; init; } = "Scores complement self-report and clinical judgement; they do not replace them.";

    public string ToJson() => JsonSerializer.Serialize(this, AnalysisConfig.JsonOptions);

    /// <summary>Reads a document written by <see cref="ToJson"/>; a clear error when it is not one.</summary>
    public static AnalysisDocument Read(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<AnalysisDocument>(json, AnalysisConfig.JsonOptions)
                ?? throw new InvalidDataException("The analysis summary is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The analysis summary is not a PainReview summary document: {e.Message}", e);
        }
    }
}

/// <summary>What produced the document.</summary>
public sealed record AnalysisTool(string Name, string Version);

/// <summary>The analysed video as probed.</summary>
public sealed record AnalysedVideo(
    string File, long Bytes, string Sha256, string? Container, string? Codec, int Width, int Height, int Rotation,
    double FrameRate, double DurationSeconds, bool StillImage);

/// <summary>One face model by name, file and hash, and the registry package it was converted from.</summary>
public sealed record AnalysisModel(string Name, string File, string Sha256, string Source, string? SourceSha256);

/// <summary>Which study protocol version scored the recording, with what baseline, and when.</summary>
public sealed record ProtocolStamp(string Study, int Version, string? Baseline, string? WaitingFor, DateTime ScoredUtc);
