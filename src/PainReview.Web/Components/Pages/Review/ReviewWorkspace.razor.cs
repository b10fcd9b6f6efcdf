using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using PainReview.Data.Entities;
using PainReview.Data.Review;
using PainReview.Web.Components.Shared;
using PainReview.Web.Features.Access;
using PainReview.Web.Features.Review;

namespace PainReview.Web.Components.Pages.Review;

/// <summary>
/// The review workspace: the video with its HPII timeline and APEX spans, decisions span by span or
/// in bulk, VAS corrections, signature and reopening, all through <see cref="ReviewService"/>, each
/// change checked against the version the reviewer saw.
/// </summary>
public partial class ReviewWorkspace : PortalComponentBase, IAsyncDisposable
{
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private ReviewMedia Media { get; set; } = default!;

    [Parameter] public Guid RecordingId { get; set; }

    private ReviewModel? model;
    private bool loaded;
    private bool videoReady;
    private double? newVas;
    private string? vasReason;
    private string? decisionReason;
    private string? reopenReason;
    private string? signPassword;
    private string meaning = "Reviewed";
    private IJSObjectReference? module;
    private DotNetObjectReference<ReviewWorkspace>? self;
    private bool attached;

    private bool chartRendered;

    protected override async Task OnPortalInitializedAsync()
    {
        await LoadAsync();
        if (model?.Recording is { Status: RecordingStatus.Completed } recording)
        {
            // The background queue made the copy after analysis; if it has not yet, the page works
            // meanwhile and the video appears when its copy is made (never holding the page).
            videoReady = Media.IsPlayableReady(recording.Id);
            if (!videoReady && RendererInfo.IsInteractive) _ = ShowVideoWhenReadyAsync(recording.Id, recording.StoredFileName);
        }
    }

    private async Task ShowVideoWhenReadyAsync(Guid id, string storedFileName)
    {
        try
        {
            // Made on request (through the same bounded encoders); leaving the page stops the waiting, not the encoding.
            await Media.EnsurePlayableAsync(id, storedFileName, CancellationToken.None).WaitAsync(disposed.Token);
            await InvokeAsync(() => { videoReady = true; StateHasChanged(); });
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await InvokeAsync(() => Snackbar.Add($"The video cannot be shown: {e.Message}", Severity.Error));
        }
    }

    private readonly CancellationTokenSource disposed = new();

    private async Task LoadAsync()
    {
        model = await QueryAsync(async sp =>
        {
            try
            {
                return await sp.GetRequiredService<ReviewService>().LoadAsync(RecordingId);
            }
            catch (AccessException e) when (e.StatusCode != StatusCodes.Status401Unauthorized)
            {
                return null; // not a member, or not a reviewer there: as if it did not exist
            }
        });
        loaded = true;
    }

    private Task OnChartRendered()
    {
        chartRendered = true;
        return AttachAsync();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // The video came after the chart: attach the keys and cursor now.
        if (!attached && chartRendered && videoReady) await AttachAsync();
    }

    private async Task AttachAsync()
    {
        if (attached || model is null || !videoReady) return;
        module ??= await JS.InvokeAsync<IJSObjectReference>("import", "./review.js");
        self ??= DotNetObjectReference.Create(this);
        // The frame times travel beside the circuit (a 30-minute recording has 54,000 of them).
        attached = await module.InvokeAsync<bool>("attach", "timeline", "review-video", self, model.Spans.Select(s => s.StartSeconds).ToArray(),
            $"media/recordings/{RecordingId}/frame-times");
    }

    private async Task RefreshAsync()
    {
        await LoadAsync();
        // The timeline redraws its shading at once (not only after a reload) when it gets the new model.
        StateHasChanged();
        if (module is not null && model is not null)
            await module.InvokeVoidAsync("setApexStarts", model.Spans.Select(s => s.StartSeconds).ToArray());
    }

    private async Task SeekAsync(double seconds)
    {
        if (module is not null) await module.InvokeVoidAsync("seek", "review-video", seconds);
    }

    /// <summary>Runs a review change; a reason typed for it is used once and then cleared, never carried to the next decision.</summary>
    private async Task<bool> Change(Func<ReviewService, int, Task> change, string done, bool consumesReason = false)
    {
        if (consumesReason) decisionReason = null;
        var version = model!.Recording.ReviewVersion;
        ReviewConflictException? conflict = null;
        var failure = await AttemptAsync(async sp =>
        {
            try
            {
                await change(sp.GetRequiredService<ReviewService>(), version);
            }
            catch (ReviewConflictException e)
            {
                conflict = e;
            }
        });
        if (conflict is not null)
        {
            // Someone changed the review since this page loaded it: say so, and offer the newer version.
            Snackbar.Add(conflict.Message, Severity.Warning, o =>
            {
                o.RequireInteraction = true;
                o.Action = "Reload";
                o.ActionColor = Color.Primary;
                o.OnClick = _ => RefreshAsync();
            });
            return false;
        }
        if (failure is not null)
        {
            ShowFailure(failure);
            return false;
        }
        Snackbar.Add(done, Severity.Success);
        await RefreshAsync();
        return true;
    }

    private Task DecideSpanAsync(ApexSpan span, bool accept) =>
        Decide(Enumerable.Range(span.First, span.Length).ToArray(), accept, $"{(accept ? "Accepted" : "Rejected")} the span at {span.StartSeconds:0.00} s.");

    private Task<bool> Decide(int[] frames, bool accept, string done)
    {
        var reason = decisionReason;
        return Change((s, v) => s.DecideAsync(RecordingId, v, frames, accept ? DecisionKind.Accepted : DecisionKind.Rejected, reason), done, consumesReason: true);
    }

    private Task<bool> BulkDecideAsync(SpanSelection selection, DecisionKind decision, string? reason) =>
        Change((s, v) => s.DecideSpansAsync(RecordingId, v, selection, decision, reason),
            $"{(decision == DecisionKind.Accepted ? "Accepted" : "Rejected")} the {ReviewModel.Describe(selection)}, as one decision.");

    private Task WithdrawAddedAsync(int frame) => Decide([frame], false, $"Frame {frame} is no longer added.");

    /// <summary>A/R keys: decide the frame at the playhead when it is APEX (or added).</summary>
    [JSInvokable]
    public async Task DecideAtPlayhead(bool accept, double seconds)
    {
        var frame = model?.FrameAt(seconds);
        if (frame is null) return;
        if (!frame.Apex && model!.VerdictOf(frame.Index) != FrameVerdict.Added)
        {
            Snackbar.Add($"Frame {frame.Index} is not an APEX frame; use 'Add the frame at the playhead' to add it.", Severity.Info);
            return;
        }
        await Decide([frame.Index], accept, $"Frame {frame.Index} {(accept ? "accepted" : "rejected")}.");
        StateHasChanged();
    }

    private async Task AddPlayheadFrameAsync()
    {
        if (module is null) return;
        var seconds = await module.InvokeAsync<double>("currentTime", "review-video");
        var frame = model?.FrameAt(seconds);
        if (frame is null) return;
        var reason = decisionReason;
        await Change((s, v) => s.AddFrameAsync(RecordingId, v, frame.Index, reason), $"Frame {frame.Index} added as APEX.", consumesReason: true);
    }

    private async Task CorrectVasAsync()
    {
        if (newVas is not { } value) return;
        await Change((s, v) => s.CorrectVasAsync(RecordingId, v, value, vasReason ?? ""), $"VAS corrected to {value:0.#}.");
        if (model?.LatestCorrection?.Value == value) { newVas = null; vasReason = null; }
    }

    private async Task SignAsync()
    {
        var password = signPassword;
        signPassword = null; // never kept on the page
        await Change((s, v) => s.SignAsync(RecordingId, v, password, meaning), $"Signed ({meaning}).");
    }

    private async Task ReopenAsync()
    {
        var reason = reopenReason;
        if (await Change((s, v) => s.ReopenAsync(RecordingId, v, reason), "Review reopened; the signature is voided.")) reopenReason = null;
    }

    private static string Format(double? v) => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "–";

    public async ValueTask DisposeAsync()
    {
        await disposed.CancelAsync();
        disposed.Dispose();
        if (module is not null)
        {
            try { await module.InvokeVoidAsync("detach"); await module.DisposeAsync(); }
            catch (JSDisconnectedException) { }
        }
        self?.Dispose();
    }
}
