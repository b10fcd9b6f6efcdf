using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Web.Features.Access;
using PainReview.Web.Features.Protocols;

namespace PainReview.Web.Features.Studies;

/// <summary>One recording as the study page lists it (status and progress follow live updates).</summary>
public sealed class StudyRecordingRow
{
    public Guid Id { get; init; }
    /// <summary>Only for those who manage the study (Coordinators, Admins); null for reviewers.</summary>
    public string? OriginalFileName { get; init; }
    public DateOnly? RecordedOn { get; init; }
    public string Participant { get; init; } = "";
    public string? Timepoint { get; init; }
    public double? Vas { get; init; }
    public RecordingStatus Status { get; set; }
    public double Progress { get; set; }
    public double? HpiiAll { get; init; }
    public double? HpiiApex { get; init; }
    public DateTime Uploaded { get; init; }
    public int? ProtocolVersion { get; init; }
    public string? Error { get; init; }
}

/// <summary>What the signed-in user may do in the study.</summary>
public sealed record StudyRights(bool Manage, bool Export, bool ManageMembers);

/// <summary>Everything the study page shows, read in one scope as the signed-in user.</summary>
public sealed record StudyOverview(
    Study Study, StudyRights Rights, IReadOnlyList<Participant> Participants, List<StudyRecordingRow> Recordings,
    IReadOnlyList<StudyMembership.Member> Members, IReadOnlyList<ProtocolVersion> ProtocolHistory)
{
    public ProtocolVersion Protocol => ProtocolHistory[0];
    public int WaitingCount => Recordings.Count(r => r.Status == RecordingStatus.Waiting);
}

/// <summary>The study page's reads: nothing of a study its user is not a member of.</summary>
public sealed class StudyOverviewService(PainReviewDbContext db, StudyAccess access, StudyMembership membership, ProtocolService protocols)
{
    /// <summary>The study as the user may see it; null when it does not exist or they are not a member (the same answer).</summary>
    public async Task<StudyOverview?> LoadAsync(Guid studyId)
    {
        if (!await access.CanAsync(studyId, StudyPermission.View)) return null;
        var study = await db.Studies.AsNoTracking().FirstOrDefaultAsync(x => x.Id == studyId);
        if (study is null) return null;
        var rights = new StudyRights(
            await access.CanAsync(studyId, StudyPermission.Manage),
            await access.CanAsync(studyId, StudyPermission.Export),
            await access.CanAsync(studyId, StudyPermission.ManageMembers));
        var participants = await db.Participants.AsNoTracking().Where(x => x.StudyId == studyId).OrderBy(x => x.Code).ToListAsync();
        var manage = rights.Manage;
        var recordings = await db.Recordings.AsNoTracking().Where(x => x.StudyId == studyId).OrderByDescending(x => x.UploadedUtc)
            .Select(x => new StudyRecordingRow
            {
                Id = x.Id, OriginalFileName = manage ? x.OriginalFileName : null, RecordedOn = x.RecordedOn, Participant = x.Participant!.Code,
                Timepoint = x.Timepoint, Vas = x.VasSelfReport, Status = x.Status, Progress = x.Progress, HpiiAll = x.HpiiMeanAll,
                HpiiApex = x.HpiiMeanApex, Uploaded = x.UploadedUtc, ProtocolVersion = x.ProtocolVersion, Error = x.Error,
            }).ToListAsync();
        return new StudyOverview(study, rights, participants, recordings, await membership.ListAsync(studyId), await protocols.HistoryAsync(studyId));
    }
}
