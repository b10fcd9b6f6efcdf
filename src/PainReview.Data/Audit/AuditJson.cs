using System.Text.Json;

namespace PainReview.Data.Audit;

/// <summary>
/// The one way audit values (an event's Before and After) become JSON, for the portal, the
/// command line and the data layer alike: never by hand, so a value with a quote, a backslash or
/// a line break in it is still one valid JSON document.
/// </summary>
public static class AuditJson
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    /// <summary>The value as compact JSON (null stays null; a string becomes a JSON string).</summary>
    public static string? Serialize(object? value) => value is null ? null : JsonSerializer.Serialize(value, value.GetType(), Options);
}
