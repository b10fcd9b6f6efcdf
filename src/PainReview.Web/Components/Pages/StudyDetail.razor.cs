using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.Options;
using MudBlazor;
using PainReview.Data.Entities;
using PainReview.Pipeline.Decoding;
using PainReview.Web.Components.Shared;
using PainReview.Web.Features.Access;
using PainReview.Web.Features.Protocols;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Features.Studies;
using PainReview.Web.Infrastructure;

namespace PainReview.Web.Components.Pages;

/// <summary>A study: its participants, recordings (live), uploads, members and protocol.</summary>
public sealed partial class StudyDetail : PortalComponentBase, IDisposable
{
    [Parameter] public Guid StudyId { get; set; }
    [Inject] private RecordingProgress Progress { get; set; } = default!;
    [Inject] private IOptions<PortalOptions> Options { get; set; } = default!;

    private StudyOverview? overview;
    private bool loaded;
    private IDisposable? subscription;

    private PainReview.Data.Entities.Study? study => overview?.Study;
    private IReadOnlyList<Participant> participants => overview?.Participants ?? [];
    private List<StudyRecordingRow> recordings => overview?.Recordings ?? [];
    private IReadOnlyList<StudyMembership.Member> members => overview?.Members ?? [];
    private ProtocolVersion protocol => overview?.Protocol ?? new(1, new(), DateTime.MinValue, "system", null, 0, 0, 0, null, null);
    private IReadOnlyList<ProtocolVersion> history => overview?.ProtocolHistory ?? [];
    private int waitingCount => overview?.WaitingCount ?? 0;
    private bool canManage => overview?.Rights.Manage ?? false;
    private bool canExport => overview?.Rights.Export ?? false;
    private bool canManageMembers => overview?.Rights.ManageMembers ?? false;
    private bool CanEdit => canManage && study is { IsDemo: false };

    // Protocol form.
    private ProtocolEditor? editor;
    private string? protocolReason;
    private List<string> protocolErrors = [];
    private bool savingProtocol;

    // Participant, member and upload forms.
    private string newCode = "";
    private Guid? actionParticipant;
    private string? actionCode, actionReason;
    private string memberEmail = "";
    private string memberRole = Roles.Clinician;
    private Guid? uploadParticipant;
    private string? timepoint;
    private DateTime? recordedOn;
    private double? vas;
    private string? notes;
    private bool uploading;
    private string? uploadingName;
    private int uploadInputKey;
    private readonly List<(bool Ok, string Text)> uploadMessages = [];

    protected override async Task OnPortalInitializedAsync()
    {
        await LoadAsync();
        subscription = Progress.Subscribe(update =>
        {
            if (update.StudyId != StudyId) return;
            _ = InvokeAsync(async () =>
            {
                var row = recordings.FirstOrDefault(r => r.Id == update.RecordingId);
                if (row is null || update.Status is RecordingStatus.Completed or RecordingStatus.Failed or RecordingStatus.Waiting || update.Error == "deleted")
                    await LoadAsync();
                else
                {
                    row.Status = update.Status;
                    row.Progress = update.Progress;
                }
                StateHasChanged();
            });
        });
    }

    private async Task LoadAsync()
    {
        overview = await QueryAsync(sp => sp.GetRequiredService<StudyOverviewService>().LoadAsync(StudyId));
        loaded = true;
    }

    private async Task SaveProtocolAsync()
    {
        if (editor is null) return;
        savingProtocol = true;
        protocolErrors = [];
        var config = editor.Build();
        ProtocolVersion? saved = null;
        var failure = await AttemptAsync(async sp => saved = await sp.GetRequiredService<ProtocolService>().ChangeAsync(StudyId, config, protocol.Version, protocolReason));
        if (failure is null && saved is not null)
        {
            Snackbar.Add($"Protocol version {saved.Version} saved; the study is being re-scored.", Severity.Success);
            protocolReason = null;
            await LoadAsync();
            editor?.Load(protocol.Config);
        }
        else if (failure is not null)
        {
            protocolErrors = failure is ProtocolInvalidException invalid ? [.. invalid.Problems] : [failure.Message];
        }
        savingProtocol = false;
    }

    private async Task CorrectCodeAsync()
    {
        if (actionParticipant is not { } id) return;
        if (await RunAsync(sp => sp.GetRequiredService<RecordCorrections>().CorrectCodeAsync(id, actionCode, actionReason), "Code corrected; the original is kept."))
        {
            actionCode = actionReason = null;
            await LoadAsync();
        }
    }

    private async Task WithdrawAsync()
    {
        if (actionParticipant is not { } id) return;
        if (await RunAsync(sp => sp.GetRequiredService<RecordCorrections>().WithdrawAsync(id, actionReason), "Participant withdrawn: their data is kept, and left out of exports and statistics."))
        {
            actionParticipant = null;
            actionReason = null;
            await LoadAsync();
        }
    }

    private async Task AddMemberAsync()
    {
        if (await RunAsync(sp => sp.GetRequiredService<StudyMembership>().AddAsync(StudyId, memberEmail, memberRole), $"{memberEmail.Trim()} added as {memberRole}."))
        {
            memberEmail = "";
            await LoadAsync();
        }
    }

    private async Task RemoveMemberAsync(StudyMembership.Member member)
    {
        if (await RunAsync(sp => sp.GetRequiredService<StudyMembership>().RemoveAsync(StudyId, member.Id), $"{member.Email} is no longer a {member.Role} in this study."))
            await LoadAsync();
    }

    private async Task SetVideoExportAsync(StudyMembership.Member member, bool allowed)
    {
        if (await RunAsync(sp => sp.GetRequiredService<StudyMembership>().SetVideoExportAsync(StudyId, member.Id, allowed),
                allowed ? $"{member.Email} may now include raw video in exports of this study." : $"{member.Email} may no longer export raw video."))
            await LoadAsync();
    }

    private async Task AddParticipantAsync()
    {
        if (await RunAsync(sp => sp.GetRequiredService<RecordingService>().CreateParticipantAsync(StudyId, newCode), $"Participant {newCode.Trim()} added."))
        {
            newCode = "";
            await LoadAsync();
        }
    }

    private async Task UploadAsync(InputFileChangeEventArgs e)
    {
        if (uploadParticipant is not { } participant) return;
        uploading = true;
        uploadMessages.Clear();
        var limit = Options.Value.MaxUploadBytes;
        var metadata = new UploadMetadata(participant, timepoint, recordedOn is { } d ? DateOnly.FromDateTime(d) : null, vas, notes);
        foreach (var file in e.GetMultipleFiles(100))
        {
            uploadingName = file.Name;
            StateHasChanged();
            if (file.Size > limit)
            {
                uploadMessages.Add((false, $"{file.Name} is {VideoProbe.FormatBytes(file.Size)}, over the upload limit of {VideoProbe.FormatBytes(limit)}."));
                continue;
            }
            var failure = await AttemptAsync(async sp =>
            {
                await using var stream = file.OpenReadStream(limit);
                await sp.GetRequiredService<RecordingService>().UploadAsync(StudyId, file.Name, stream, metadata);
            });
            uploadMessages.Add(failure switch
            {
                null => (true, $"{file.Name} uploaded; analysis queued."),
                PortalValidationException refused => (false, refused.Message),
                IOException interrupted => (false, $"{file.Name}: the upload was interrupted ({interrupted.Message}). Nothing was stored; try again."),
                _ => (false, $"{file.Name} could not be uploaded: {failure.Message}"),
            });
        }
        uploading = false;
        // After an upload the form starts empty, so the next file never inherits this one's participant, date or VAS.
        if (uploadMessages.Any(m => m.Ok))
        {
            uploadParticipant = null;
            timepoint = notes = null;
            recordedOn = null;
            vas = null;
            uploadInputKey++;
        }
        await LoadAsync();
    }

    private static string Format(double? v) => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "–";

    public void Dispose() => subscription?.Dispose();
}
