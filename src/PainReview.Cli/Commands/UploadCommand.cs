using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using PainReview.Data.Import;

namespace PainReview.Cli.Commands;

/// <summary>
/// 'painreview upload': a batch of recordings described by a manifest CSV, sent row by row to a
/// portal's API with a personal API token; each row's outcome is reported, and one refused row
/// never stops the others.
/// </summary>
internal static class UploadCommand
{
    public const string TokenVariable = "PAINREVIEW_TOKEN";

    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "The portal's address, e.g. https://painreview.example.org", Required = true };
        var token = new Option<string?>("--token") { Description = $"A personal API token (prt_...); default: ${TokenVariable}." };
        var study = new Option<string>("--study") { Description = "The study's id or name.", Required = true };
        var manifest = new Option<FileInfo>("--manifest") { Description = "CSV with the columns file,participant,timepoint,recorded_on,vas,notes; files are found beside it.", Required = true };
        var command = new Command("upload", "Upload a batch of recordings described by a manifest CSV to a portal (API token); reports each row's outcome.")
        {
            server, token, study, manifest,
        };
        command.SetAction(async (r, ct) =>
        {
            var file = r.GetValue(manifest)!;
            if (!file.Exists) throw new FileNotFoundException($"No manifest at {file.FullName}.");
            var secret = r.GetValue(token) ?? Environment.GetEnvironmentVariable(TokenVariable);
            if (string.IsNullOrWhiteSpace(secret)) throw new InvalidDataException($"Give an API token with --token or ${TokenVariable} (create one with 'painreview tokens create').");
            var rows = UploadManifest.Read(file.FullName);
            if (!Uri.TryCreate(r.GetValue(server), UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
                throw new InvalidDataException($"--server '{r.GetValue(server)}' is not an http or https address.");
            using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromHours(2) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret.Trim());
            var studyId = await StudyIdAsync(client, r.GetValue(study)!, ct);

            int done = 0, refused = 0;
            foreach (var row in rows)
            {
                var (ok, message) = row.Error is { } error ? (false, error) : await UploadAsync(client, studyId, file.DirectoryName!, row, ct);
                if (ok) done++; else refused++;
                Console.WriteLine($"line {row.Line}  {row.File}  {(ok ? "done" : "refused")}: {message}");
            }
            Console.WriteLine($"{done} done, {refused} refused.");
            return refused == 0 ? CliErrors.Ok : CliErrors.BadInput;
        });
        return command;
    }

    private static async Task<Guid> StudyIdAsync(HttpClient client, string study, CancellationToken ct)
    {
        using var response = await SendAsync(client, new HttpRequestMessage(HttpMethod.Get, "api/studies"), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new InvalidDataException($"The portal refused the token: {Detail(body, response.StatusCode)}");
        using var doc = JsonDocument.Parse(body);
        Guid? wanted = Guid.TryParse(study, out var byId) ? byId : null;
        var matches = doc.RootElement.EnumerateArray()
            .Select(s => (Id: Guid.Parse(s.GetProperty("id").GetString()!), Name: s.GetProperty("name").GetString()))
            .Where(s => wanted is { } w ? s.Id == w : s.Name == study)
            .Select(s => s.Id).ToList();
        return matches.Count == 1 ? matches[0] : throw new InvalidDataException($"No study '{study}' among the studies this token's user belongs to.");
    }

    private static async Task<(bool Ok, string Message)> UploadAsync(HttpClient client, Guid studyId, string folder, ManifestRow row, CancellationToken ct)
    {
        var path = Path.Combine(folder, row.File);
        if (!File.Exists(path)) return (false, $"There is no file {row.File} beside the manifest.");
        await using var stream = File.OpenRead(path);
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in row.Fields()) form.Add(new StringContent(value), name);
        var content = new StreamContent(stream);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "file", row.File);
        using var response = await SendAsync(client, new HttpRequestMessage(HttpMethod.Post, $"api/studies/{studyId}/recordings") { Content = form }, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.UnprocessableEntity && body.StartsWith('['))
        {
            using var doc = JsonDocument.Parse(body);
            var result = doc.RootElement[0];
            return result.TryGetProperty("error", out var e)
                ? (false, e.GetString() ?? "refused")
                : (true, $"recording {result.GetProperty("id").GetString()}, analysis {result.GetProperty("status").GetString()?.ToLowerInvariant()}");
        }
        return (false, Detail(body, response.StatusCode));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            using (request) return await client.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new IOException($"Cannot reach the portal at {client.BaseAddress}: {e.Message}", e);
        }
    }

    /// <summary>The sentence of a problem details answer (RFC 9457), else the status.</summary>
    private static string Detail(string body, HttpStatusCode status)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("detail", out var detail)) return detail.GetString() ?? status.ToString();
        }
        catch (JsonException) { }
        return $"the portal answered {(int)status} {status}.";
    }
}
