using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using PainReview.Data.Entities;
using PainReview.Web.Components.Shared;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Components.Pages;

/// <summary>
/// A recording's page: its metadata with corrections beside the values in force, its analysis (live
/// progress while it runs) and, for those who manage the study, cancel, retry, correct and delete.
/// </summary>
public partial class RecordingDetail : PortalComponentBase, IDisposable
{
    [Inject] private RecordingProgress Progress { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;

    [Parameter] public Guid RecordingId { get; set; }

    private RecordingView? view;
    private bool loaded;
    private IDisposable? subscription;

    private string correctField = "timepoint";
    private string? correctValue, correctReason, deleteReason, deletePassword;

    /// <summary>" (originally X)" where the field was corrected since the upload.</summary>
    private string Original(string field) => view?.OriginalOf(field) is { } before ? $" (originally {before})" : "";

    protected override async Task OnPortalInitializedAsync()
    {
        await LoadAsync();
        subscription = Progress.Subscribe(update =>
        {
            if (update.RecordingId != RecordingId) return;
            _ = InvokeAsync(async () =>
            {
                if (view?.Recording is { } recording && update.Status == recording.Status && update.Status == RecordingStatus.Running)
                    recording.Progress = update.Progress;
                else
                    await LoadAsync();
                StateHasChanged();
            });
        });
    }

    private async Task LoadAsync()
    {
        view = await QueryAsync(sp => sp.GetRequiredService<RecordingOverviewService>().GetAsync(RecordingId));
        loaded = true;
    }

    private async Task CorrectAsync()
    {
        if (await RunAsync(sp => sp.GetRequiredService<RecordCorrections>().CorrectRecordingAsync(RecordingId, correctField, correctValue, correctReason), "Correction saved; the original is kept."))
        {
            correctValue = correctReason = null;
            await LoadAsync();
        }
    }

    private async Task CancelAsync()
    {
        await RunAsync(sp => sp.GetRequiredService<RecordingService>().CancelAsync(RecordingId), "Analysis cancelled.");
        await LoadAsync();
    }

    private async Task RetryAsync()
    {
        await RunAsync(sp => sp.GetRequiredService<RecordingService>().RetryAsync(RecordingId), "Analysis queued again.");
        await LoadAsync();
    }

    private async Task DeleteAsync()
    {
        if (view?.Recording is not { } recording) return;
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete this recording?",
            $"{RecordingName.Of(recording)} will be hidden and left out of queues, exports and statistics. Its record and the audit trail stay.",
            yesText: "Delete", cancelText: "Keep it");
        if (confirmed != true) return;
        var studyId = recording.StudyId;
        var (reason, password) = (deleteReason, deletePassword);
        deletePassword = null;
        if (await RunAsync(sp => sp.GetRequiredService<RecordingService>().DeleteAsync(RecordingId, reason, password), "Recording deleted."))
            Navigation.NavigateTo($"studies/{studyId}");
    }

    private static string Format(double? v) => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "–";

    /// <summary>A label figure (HPII, PSPI): "blinded" for a rater blinded to the labels (the value is not even loaded then).</summary>
    private string Blinded(double? v) => view?.BlindedToLabels == true ? "blinded" : Format(v);

    public void Dispose() => subscription?.Dispose();
}
