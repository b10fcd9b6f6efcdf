using System.Net.Http.Headers;
using System.Text.Json;
using PainReview.Web.Features;

namespace PainReview.Web.Tests.Support;

/// <summary>Uploads through the portal's HTTP API, as a script or the browser's form data would.</summary>
public static class Uploads
{
    public sealed record Result(System.Net.HttpStatusCode Status, JsonElement Body)
    {
        public Guid Id => Status == System.Net.HttpStatusCode.OK && Body.ValueKind == JsonValueKind.Array && Body[0].TryGetProperty("id", out var id)
            ? Guid.Parse(id.GetString()!)
            : throw new Xunit.Sdk.XunitException($"The upload was not accepted: {(int)Status} {Body}");
        public string? Error => Body.ValueKind == JsonValueKind.Array && Body[0].TryGetProperty("error", out var e) ? e.GetString() : null;
    }

    public static async Task<Result> UploadAsync(HttpClient client, Guid studyId, string fileName, Stream content,
        string participant = PortalFixture.ParticipantCode, string? vas = "4", bool withApiHeader = true)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(participant), "participant");
        if (vas is not null) form.Add(new StringContent(vas), "vas");
        form.Add(new StringContent("baseline"), "timepoint");
        var file = new StreamContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/studies/{studyId}/recordings") { Content = form };
        if (withApiHeader) request.Headers.Add(PortalEndpoints.ApiHeader, "1");
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length > 0 && (text[0] == '[' || text[0] == '{') ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return new Result(response.StatusCode, body);
    }

    public static Task<Result> UploadFileAsync(HttpClient client, Guid studyId, string path, string? asName = null, string participant = PortalFixture.ParticipantCode) =>
        UploadAsync(client, studyId, asName ?? Path.GetFileName(path), File.OpenRead(path), participant);
}
