using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Data.Export;
using PainReview.Web.Features.Access;

namespace PainReview.Web.Features.Audit;

/// <summary>What the audit page asks for: a study, a recording (participant code or id) and a user, each optional.</summary>
public sealed record AuditQuery(Guid? StudyId = null, string? Recording = null, string? User = null, int Limit = AuditTrail.DefaultLimit);

/// <summary>An event as this reader may see it: uploaders' file names (which can name people) only for Admins.</summary>
public sealed record AuditRow(AuditEvent Event, string? Recording, string? Before, string? After);

/// <summary>
/// Reads the audit trail for the audit page: each reader sees the trails of the studies they may
/// audit; events outside any study (accounts, sign-ins) are for Admins; under two independent
/// reviews a rater does not see the other rater's decisions until both have signed.
/// </summary>
public sealed class AuditTrail(PainReviewDbContext db, StudyAccess access)
{
    public const int DefaultLimit = 500;

    public async Task<List<AuditRow>> SearchAsync(AuditQuery filter, CancellationToken ct = default)
    {
        var visible = await access.StudiesAsync(StudyPermission.ViewAudit);
        var actor = await access.ActorAsync();
        var admin = actor.IsAdmin;
        var query = db.AuditEvents.AsNoTracking().Where(a => a.StudyId != null ? visible.Contains(a.StudyId.Value) : admin);
        var blindOn = await db.RaterAssignments.AsNoTracking().Where(a => a.UserId == actor.UserId && a.Slot != RaterSlot.Adjudicator)
            .Select(a => a.RecordingId)
            .Where(r => db.RaterAssignments.Count(x => x.RecordingId == r && x.Slot != RaterSlot.Adjudicator && x.SignedUtc != null) < 2)
            .ToListAsync(ct);
        if (blindOn.Count > 0)
            query = query.Where(a => !(a.RecordingId != null && blindOn.Contains(a.RecordingId.Value) && a.Action.StartsWith("rater.") && a.User != actor.Name));
        if (filter.StudyId is { } s) query = query.Where(a => a.StudyId == s);
        if (!string.IsNullOrWhiteSpace(filter.User)) query = query.Where(a => a.User.Contains(filter.User));
        if (!string.IsNullOrWhiteSpace(filter.Recording))
        {
            var term = filter.Recording.Trim();
            var ids = Guid.TryParse(term, out var id) ? [id]
                : await db.Recordings.IgnoreQueryFilters().Where(r => r.Participant!.Code.Contains(term) || (admin && r.OriginalFileName.Contains(term)))
                    .Select(r => r.Id).ToListAsync(ct);
            query = query.Where(a => a.RecordingId != null && ids.Contains(a.RecordingId.Value));
        }
        var found = await query.OrderByDescending(a => a.Id).Take(filter.Limit).ToListAsync(ct);
        var recordingIds = found.Where(a => a.RecordingId is not null).Select(a => a.RecordingId!.Value).Distinct().ToList();
        var names = (await db.Recordings.IgnoreQueryFilters().Where(r => recordingIds.Contains(r.Id))
                .Select(r => new { r.Id, r.Participant!.Code, r.Timepoint, r.RecordedOn, r.DeletedUtc }).ToListAsync(ct))
            .ToDictionary(r => r.Id, r => RecordingName.Of(r.Code, r.Timepoint, r.RecordedOn) + (r.DeletedUtc is null ? "" : " (deleted)"));
        string? Shown(string? json) => admin ? json : DatasetExporter.Scrub(json);
        return [.. found.Select(a => new AuditRow(a, a.RecordingId is { } rid ? names.GetValueOrDefault(rid, "(deleted)") : null, Shown(a.Before), Shown(a.After)))];
    }
}
