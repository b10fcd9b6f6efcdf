using Microsoft.AspNetCore.Components;
using PainReview.Web.Components.Shared;
using PainReview.Web.Features.Access;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Studies;

namespace PainReview.Web.Components.Pages;

/// <summary>The audit page: the trails the reader may audit, filtered by study, recording and user; Admins verify the hash chain.</summary>
public partial class AuditLog : PortalComponentBase
{
    private List<StudyChoice> studies = [];
    private List<AuditRow> events = [];
    private Guid? study;
    private string? recording;
    private string? user;
    private bool verifying;
    private AuditVerification.Outcome? verification;

    [SupplyParameterFromQuery(Name = "recording")] public string? RecordingQuery { get; set; }

    protected override async Task OnPortalInitializedAsync()
    {
        recording = RecordingQuery;
        studies = await QueryAsync(sp => sp.GetRequiredService<StudyDirectory>().ChoicesAsync(StudyPermission.ViewAudit));
        await LoadAsync();
    }

    private async Task VerifyAsync()
    {
        verifying = true;
        verification = null;
        await RunAsync(async sp => verification = await sp.GetRequiredService<AuditVerification>().VerifyAsync());
        verifying = false;
        await LoadAsync();
    }

    private async Task LoadAsync() =>
        events = await QueryAsync(sp => sp.GetRequiredService<AuditTrail>().SearchAsync(new AuditQuery(study, recording, user)));
}
