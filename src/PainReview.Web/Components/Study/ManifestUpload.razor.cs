using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using MudBlazor;
using PainReview.Data.Entities;
using PainReview.Data.Import;
using PainReview.Web.Components.Shared;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Infrastructure;

namespace PainReview.Web.Components.Study;

/// <summary>A batch described by a manifest CSV chosen together with the videos it names, uploaded and reported row by row.</summary>
public partial class ManifestUpload : PortalComponentBase
{
    [Inject] private IOptions<PortalOptions> Options { get; set; } = default!;


    [Parameter, EditorRequired] public Guid StudyId { get; set; }
    [Parameter] public EventCallback OnUploaded { get; set; }

    private sealed record Outcome(int? Line, string File, bool Done, string Message);

    private const long MaxManifestBytes = 1 << 20;
    private readonly List<Outcome> outcomes = [];
    private string? problem;
    private string? status;
    private bool busy;
    private int inputKey;

    private async Task UploadAsync(InputFileChangeEventArgs e)
    {
        outcomes.Clear();
        problem = null;
        var files = e.GetMultipleFiles(UploadManifest.MaxRows + 1);
        var manifests = files.Where(f => f.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)).ToList();
        if (manifests.Count != 1)
        {
            problem = manifests.Count == 0
                ? "Choose the manifest (a .csv file) together with its videos."
                : "Choose one manifest at a time: several .csv files were chosen.";
            inputKey++;
            return;
        }
        busy = true;
        status = "Reading the manifest…";
        StateHasChanged();
        try
        {
            List<ManifestRow> rows;
            try
            {
                if (manifests[0].Size > MaxManifestBytes) throw new InvalidDataException($"The manifest is over {MaxManifestBytes >> 10} KiB.");
                using var buffer = new MemoryStream();
                await using (var stream = manifests[0].OpenReadStream(MaxManifestBytes)) await stream.CopyToAsync(buffer);
                buffer.Position = 0;
                using var reader = new StreamReader(buffer);
                rows = UploadManifest.Read(reader);
            }
            catch (InvalidDataException ex)
            {
                problem = ex.Message;
                return;
            }
            var byName = files.Where(f => f != manifests[0]).GroupBy(f => f.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            var limit = Options.Value.MaxUploadBytes;
            foreach (var row in rows)
            {
                status = $"Uploading and checking {row.File} (line {row.Line})…";
                StateHasChanged();
                if (row.Error is { } error) { outcomes.Add(new Outcome(row.Line, row.File, false, error)); continue; }
                if (!byName.TryGetValue(row.File, out var file))
                {
                    outcomes.Add(new Outcome(row.Line, row.File, false, $"{row.File} was not among the files chosen with the manifest."));
                    continue;
                }
                if (file.Size > limit)
                {
                    outcomes.Add(new Outcome(row.Line, row.File, false, $"{row.File} is {Pipeline.Decoding.VideoProbe.FormatBytes(file.Size)}, over the upload limit of {Pipeline.Decoding.VideoProbe.FormatBytes(limit)}."));
                    continue;
                }
                outcomes.Add(await UploadRowAsync(row, file, limit));
            }
            var listed = rows.Select(r => r.File).ToHashSet(StringComparer.Ordinal);
            foreach (var extra in byName.Keys.Where(n => !listed.Contains(n)))
                outcomes.Add(new Outcome(null, extra, false, "Not listed in the manifest: not uploaded."));
        }
        finally
        {
            busy = false;
            inputKey++;
        }
        await OnUploaded.InvokeAsync();
    }

    private async Task<Outcome> UploadRowAsync(ManifestRow row, IBrowserFile file, long limit)
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<PainReview.Web.Features.Audit.PortalUser>().Principal = User;
        try
        {
            await using var stream = file.OpenReadStream(limit);
            await scope.ServiceProvider.GetRequiredService<RecordingService>().UploadRowAsync(StudyId, row, stream);
            return new Outcome(row.Line, row.File, true, $"uploaded as {RecordingName.Of(row.Participant, row.Timepoint, row.RecordedOn)}; analysis queued.");
        }
        catch (PortalValidationException ex)
        {
            return new Outcome(row.Line, row.File, false, ex.Message);
        }
        catch (IOException ex)
        {
            return new Outcome(row.Line, row.File, false, $"The upload was interrupted ({ex.Message}). Nothing was stored; try again.");
        }
    }
}
