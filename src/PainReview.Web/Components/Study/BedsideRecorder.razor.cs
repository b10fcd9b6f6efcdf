using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using PainReview.Data.Entities;
using PainReview.Web.Components.Shared;

namespace PainReview.Web.Components.Study;

/// <summary>Recording at the bedside: the browser's camera after the participant's consent is confirmed, uploaded like any other recording.</summary>
public partial class BedsideRecorder : PortalComponentBase, IAsyncDisposable
{
    [Inject] private IJSRuntime JS { get; set; } = default!;

    [Parameter, EditorRequired] public Guid StudyId { get; set; }
    [Parameter] public IReadOnlyList<Participant> Participants { get; set; } = [];
    [Parameter] public EventCallback OnUploaded { get; set; }

    private enum State { Idle, Previewing, Recording, Uploading, Done }

    private sealed record Stopped(long Bytes, double Seconds, string Type);
    private sealed record Answer(int Status, string Body);

    private ElementReference video;
    private State state;
    private string? participant, timepoint;
    private double? vas;
    private bool consent, ok;
    private string? message;

    private async Task OpenAsync()
    {
        message = null;
        if (!consent || string.IsNullOrEmpty(participant)) return;
        var problem = await JS.InvokeAsync<string>("painReviewRecorder.open", video);
        if (!string.IsNullOrEmpty(problem)) { (ok, message) = (false, problem); return; }
        state = State.Previewing;
    }

    private async Task StartAsync()
    {
        var problem = await JS.InvokeAsync<string>("painReviewRecorder.start");
        if (!string.IsNullOrEmpty(problem)) { (ok, message) = (false, problem); return; }
        state = State.Recording;
    }

    private async Task StopAsync()
    {
        state = State.Uploading;
        StateHasChanged();
        var stopped = await JS.InvokeAsync<Stopped>("painReviewRecorder.stop", video);
        if (stopped.Bytes == 0)
        {
            (ok, message, state) = (false, "Nothing was recorded: try again.", State.Done);
            return;
        }
        var today = await JS.InvokeAsync<string>("painReviewRecorder.today");
        var fields = new Dictionary<string, string?>
        {
            ["participant"] = participant, ["timepoint"] = timepoint, ["recordedOn"] = today,
            ["vas"] = vas?.ToString(System.Globalization.CultureInfo.InvariantCulture), ["notes"] = "Recorded at the bedside.",
        };
        var answer = await JS.InvokeAsync<Answer>("painReviewRecorder.upload", StudyId, fields);
        (ok, message) = Outcome(answer);
        if (ok && Id(answer) is { } id)
        {
            // The consent confirmed before the camera opened stays on record with the recording.
            await RunAsync(sp => sp.GetRequiredService<PainReview.Web.Features.Recordings.RecordingService>().RecordBedsideConsentAsync(id, stopped.Seconds, stopped.Bytes, stopped.Type));
            consent = false;
            timepoint = null;
            vas = null;
        }
        state = State.Done;
        await OnUploaded.InvokeAsync();
    }

    private static Guid? Id(Answer answer)
    {
        try
        {
            using var doc = JsonDocument.Parse(answer.Body);
            return doc.RootElement[0].TryGetProperty("id", out var id) && id.TryGetGuid(out var g) ? g : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The API's answer in a sentence: the recording queued, or why it was refused.</summary>
    private static (bool Ok, string Message) Outcome(Answer answer)
    {
        try
        {
            using var doc = JsonDocument.Parse(answer.Body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0)
                return root[0].TryGetProperty("error", out var error)
                    ? (false, error.GetString() ?? "The recording was refused.")
                    : (true, "Recording uploaded; analysis queued.");
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("detail", out var detail)) return (false, detail.GetString() ?? "The recording was refused.");
        }
        catch (JsonException)
        {
        }
        return (false, answer.Status == 0 ? answer.Body : $"The recording was refused ({answer.Status}).");
    }

    private async Task CloseAsync()
    {
        await JS.InvokeVoidAsync("painReviewRecorder.close", video);
        state = State.Idle;
        message = null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await JS.InvokeVoidAsync("painReviewRecorder.close", video);
        }
        catch (Exception e) when (e is JSDisconnectedException or InvalidOperationException or TaskCanceledException)
        {
            // The page is gone: the browser closes the camera with it.
        }
    }
}
