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
    /// <summary>The user is a rater blinded to this recording's labels: <see cref="Vas"/> and the HPII figures are left out.</summary>
    public bool BlindedToLabels { get; init; }
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
public sealed class StudyOverviewService(PainReviewDbContext db, StudyAccess access, StudyMembership membership, ProtocolService protocols,
    Review.TwoRaterService raters)
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
        // A rater blinded to the labels sees no VAS nor HPII of the recordings they rate (left out here, not only hidden on the page).
        var blinded = await raters.BlindedRecordingsAsync(studyId);
        var recordings = (await db.Recordings.AsNoTracking().Where(x => x.StudyId == studyId).OrderByDescending(x => x.UploadedUtc)
            .Select(x => new
            {
                x.Id, OriginalFileName = manage ? x.OriginalFileName : null, x.RecordedOn, x.Participant!.Code, x.Timepoint, x.VasSelfReport, x.Status,
                x.Progress, x.HpiiMeanAll, x.HpiiMeanApex, x.UploadedUtc, x.ProtocolVersion, x.Error,
            }).ToListAsync())
            .Select(x =>
            {
                var blind = blinded.Contains(x.Id);
                return new StudyRecordingRow
                {
                    Id = x.Id, OriginalFileName = x.OriginalFileName, RecordedOn = x.RecordedOn, Participant = x.Code,
                    Timepoint = x.Timepoint, Vas = blind ? null : x.VasSelfReport, Status = x.Status, Progress = x.Progress, HpiiAll = blind ? null : x.HpiiMeanAll,
                    HpiiApex = blind ? null : x.HpiiMeanApex, Uploaded = x.UploadedUtc, ProtocolVersion = x.ProtocolVersion, Error = x.Error, BlindedToLabels = blind,
                };
            }).ToList();
        return new StudyOverview(study, rights, participants, recordings, await membership.ListAsync(studyId), await protocols.HistoryAsync(studyId));
    }
}
