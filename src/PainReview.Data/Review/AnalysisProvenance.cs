using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PainReview.Data.Review;

/// <summary>
/// What the record keeps of an analysis besides its scores: the tool version, the exact configuration
/// and the model hashes, read from a recording's summary document (written by the pipeline's
/// <c>AnalysisDocument</c>; this project does not depend on the pipeline, so it reads that part by
/// type here and nowhere else). The configuration stays as written so exports carry it byte for byte.
/// </summary>
public sealed record AnalysisProvenance(
    [property: JsonPropertyName("tool")] AnalysisProvenance.ToolStamp Tool,
    [property: JsonPropertyName("config")] JsonObject Config,
    [property: JsonPropertyName("models")] IReadOnlyList<AnalysisProvenance.ModelStamp> Models)
{
    public sealed record ToolStamp([property: JsonPropertyName("name")] string Name, [property: JsonPropertyName("version")] string Version);

    public sealed record ModelStamp(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("file")] string File,
        [property: JsonPropertyName("sha256")] string Sha256,
        [property: JsonPropertyName("source")] string? Source,
        [property: JsonPropertyName("sourceSha256")] string? SourceSha256);

    /// <summary>The provenance of a summary document; null for none or for one that is not a summary document.</summary>
    public static AnalysisProvenance? Of(string? summaryJson)
    {
        if (summaryJson is null) return null;
        try
        {
            return JsonSerializer.Deserialize<AnalysisProvenance>(summaryJson) is { Tool: not null, Config: not null, Models: not null } p ? p : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The model list as JSON, as the document wrote it.</summary>
    public JsonNode ModelsNode() => JsonSerializer.SerializeToNode(Models)!;
}
