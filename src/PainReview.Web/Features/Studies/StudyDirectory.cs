using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Web.Features.Access;

namespace PainReview.Web.Features.Studies;

/// <summary>A study as the studies page lists it.</summary>
public sealed record StudyListRow(Guid Id, string Name, bool IsDemo, int Participants, int Recordings, int Completed, DateTime Created);

/// <summary>A study offered in a page's study picker.</summary>
public sealed record StudyChoice(Guid Id, string Name, bool IsDemo, bool TwoRaters);

/// <summary>The overview page's tiles: studies the user sees and their recordings by status.</summary>
public sealed record PortalCounts(int Studies, IReadOnlyDictionary<RecordingStatus, int> RecordingsByStatus)
{
    public int Of(RecordingStatus status) => RecordingsByStatus.GetValueOrDefault(status);
}

/// <summary>
/// The studies the signed-in user may act on, for lists and pickers: every read goes through the
/// study rights (a study the user has no role in is not there).
/// </summary>
public sealed class StudyDirectory(PainReviewDbContext db, StudyAccess access)
{
    /// <summary>The studies in which the user has the permission, by name.</summary>
    public async Task<List<StudyChoice>> ChoicesAsync(StudyPermission permission, CancellationToken ct = default)
    {
        var visible = await access.StudiesAsync(permission);
        return await db.Studies.AsNoTracking().Where(s => visible.Contains(s.Id)).OrderBy(s => s.Name)
            .Select(s => new StudyChoice(s.Id, s.Name, s.IsDemo, s.TwoRaters)).ToListAsync(ct);
    }

    /// <summary>The studies the user sees, with their counts.</summary>
    public async Task<List<StudyListRow>> ListAsync(CancellationToken ct = default)
    {
        var visible = await access.StudiesAsync(StudyPermission.View);
        return await db.Studies.AsNoTracking().Where(s => visible.Contains(s.Id)).OrderBy(s => s.Name)
            .Select(s => new StudyListRow(s.Id, s.Name, s.IsDemo, s.Participants.Count, s.Recordings.Count,
                s.Recordings.Count(r => r.Status == RecordingStatus.Completed), s.CreatedUtc)).ToListAsync(ct);
    }

    /// <summary>How many studies the user sees and how many of their recordings are in each state.</summary>
    public async Task<PortalCounts> CountsAsync(CancellationToken ct = default)
    {
        var visible = await access.StudiesAsync(StudyPermission.View);
        var byStatus = await db.Recordings.AsNoTracking().Where(r => visible.Contains(r.StudyId)).GroupBy(r => r.Status)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        return new PortalCounts(visible.Count, byStatus);
    }
}
