using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Data.Review;
using PainReview.Web.Features.Access;

namespace PainReview.Web.Features.Review;

/// <summary>Which recordings the review queue lists.</summary>
public enum QueueState
{
    Waiting,
    Reviewed,
    All,
}

/// <summary>How the queue is sorted: the reviewer's own assignments first (then oldest upload first), or by a column.</summary>
public enum QueueSort
{
    Mine,
    Uploaded,
    Study,
    Participant,
    Timepoint,
    Hpii,
}

/// <summary>What the queue page asks for: filters, a search (participant code, timepoint or study name), a sort and a page (from 0).</summary>
public sealed record QueueQuery(Guid? StudyId = null, QueueState State = QueueState.Waiting, string? Search = null, QueueSort Sort = QueueSort.Mine,
    bool Descending = false, int Page = 0, int PageSize = 25);

/// <summary>A page of the queue and how many recordings match in all.</summary>
public sealed record QueuePage(IReadOnlyList<QueueEntry> Rows, int Total, int Page, int PageSize);

/// <summary>One recording in a reviewer's queue (VAS and HPII withheld where the reviewer is a blinded rater).</summary>
public sealed record QueueEntry(Guid Id, DateOnly? RecordedOn, string Study, string Participant, string? Timepoint, double? Vas, double? CorrectedVas,
    double? HpiiApex, ReviewState State, string? ReviewedBy, DateTime? ReviewedUtc, DateTime Uploaded, RaterSlot? MySlot, bool Blind, bool SignedByMe,
    bool TwoRaters = false, int RatersSigned = 0)
{
    public bool Mine => MySlot is not null;
    /// <summary>Signed: the decisions in force are, or (two independent reviews) this reviewer signed their own review.</summary>
    public bool Signed => State == ReviewState.Reviewed || SignedByMe;

    /// <summary>
    /// Whether this reviewer has something to do here: an unsigned review; under two independent reviews,
    /// only their own rating until they sign it, and for anyone else (the adjudicator included) nothing
    /// until both raters have signed (then the differences and the decisions in force wait).
    /// </summary>
    public bool ActionableForMe => State != ReviewState.Reviewed && (!TwoRaters
        ? true
        : MySlot is RaterSlot.First or RaterSlot.Second ? !SignedByMe : RatersSigned >= 2);

    /// <summary>The review's state as this reviewer sees it.</summary>
    public string Status => State == ReviewState.Reviewed ? $"reviewed by {ReviewedBy} on {ReviewedUtc:yyyy-MM-dd}"
        : !TwoRaters ? "waiting"
        : MySlot is RaterSlot.First or RaterSlot.Second ? SignedByMe ? "you signed; waiting for the other rater or the adjudicator" : "waiting for your rating"
        : RatersSigned >= 2 ? "both raters signed: differences and decisions in force" : $"raters at work ({RatersSigned} of 2 signed)";
}

/// <summary>
/// The review queue: the analysed recordings (with a usable face) of the studies the user reviews,
/// the user's own assignments first, then oldest upload first. The queue page and the workspace's
/// "next recording in my queue" use this one ordering.
/// </summary>
public sealed class ReviewQueueService(PainReviewDbContext db, StudyAccess access)
{
    /// <summary>Every recording of the queue, the user's own assignments first, then oldest upload first (the order "next recording" follows).</summary>
    public async Task<IReadOnlyList<QueueEntry>> ListAsync(Guid? studyId = null, QueueState state = QueueState.Waiting) =>
        (await PageAsync(new QueueQuery(studyId, state, PageSize: int.MaxValue))).Rows;

    /// <summary>
    /// One page of the queue, searched, sorted and paged in the database (a study of thousands of
    /// recordings sends the page, not the study). Sorting by HPII never orders by a value the
    /// reviewer is blinded to: those rows sort as if they had none.
    /// </summary>
    public async Task<QueuePage> PageAsync(QueueQuery q)
    {
        var visible = await access.StudiesAsync(StudyPermission.Review);
        var me = (await access.ActorAsync()).UserId;
        var query = db.Recordings.AsNoTracking().Where(r => r.Status == RecordingStatus.Completed && r.UsableFrames > 0 && visible.Contains(r.StudyId));
        if (q.StudyId is { } study) query = query.Where(r => r.StudyId == study);
        if (q.State == QueueState.Waiting) query = query.Where(r => r.ReviewState == ReviewState.NotReviewed);
        if (q.State == QueueState.Reviewed) query = query.Where(r => r.ReviewState == ReviewState.Reviewed);
        if (q.Search?.Trim().ToLowerInvariant() is { Length: > 0 } term)
            query = query.Where(r => r.Participant!.Code.ToLower().Contains(term) || (r.Timepoint != null && r.Timepoint.ToLower().Contains(term))
                || r.Study!.Name.ToLower().Contains(term));
        var total = await query.CountAsync();
        var assignments = db.RaterAssignments;
        IOrderedQueryable<Recording> By<TKey>(Expression<Func<Recording, TKey>> key) => q.Descending ? query.OrderByDescending(key) : query.OrderBy(key);
        var ordered = q.Sort switch
        {
            QueueSort.Uploaded => By(r => r.UploadedUtc),
            QueueSort.Study => By(r => r.Study!.Name),
            QueueSort.Participant => By(r => r.Participant!.Code),
            QueueSort.Timepoint => By(r => r.Timepoint),
            // The HPII the reviewer may see: none where they are a rater blinded to the labels.
            QueueSort.Hpii => By(r => r.Study!.TwoRaters && r.Study.BlindRaters
                && assignments.Any(a => a.RecordingId == r.Id && a.UserId == me && a.Slot != RaterSlot.Adjudicator) ? null : r.HpiiMeanApex),
            _ => By(r => assignments.Any(a => a.RecordingId == r.Id && a.UserId == me) ? 0 : 1),
        };
        var pageSize = Math.Max(1, q.PageSize);
        var page = Math.Clamp(q.Page, 0, Math.Max(0, (total - 1) / pageSize));
        var found = await ordered.ThenBy(r => r.UploadedUtc).ThenBy(r => r.Id).Skip(page * pageSize).Take(pageSize).Select(r => new
        {
            r.Id, r.RecordedOn, Study = r.Study!.Name, r.Study.TwoRaters, r.Study.BlindRaters, r.Participant!.Code, r.Timepoint, r.VasSelfReport,
            Corrected = r.VasCorrections.OrderByDescending(c => c.AtUtc).ThenByDescending(c => c.Id).Select(c => (double?)c.Value).FirstOrDefault(),
            r.HpiiMeanApex, r.ReviewState, r.ReviewedBy, r.ReviewedUtc, r.UploadedUtc,
            RatersSigned = r.Study.TwoRaters ? assignments.Count(a => a.RecordingId == r.Id && a.Slot != RaterSlot.Adjudicator && a.SignedUtc != null) : 0,
        }).ToListAsync();
        var ids = found.Select(r => r.Id).ToList();
        var mine = (await db.RaterAssignments.AsNoTracking().Where(a => a.UserId == me && ids.Contains(a.RecordingId)).Select(a => new { a.RecordingId, a.Slot, a.SignedUtc }).ToListAsync())
            .GroupBy(a => a.RecordingId).ToDictionary(g => g.Key, g => (Slot: g.Min(a => a.Slot), Signed: g.Any(a => a.SignedUtc != null)));
        // A rater blinded to the VAS and HPII does not see them here either.
        var rows = found.Select(r =>
        {
            RaterSlot? slot = mine.TryGetValue(r.Id, out var m) ? m.Slot : null;
            var blind = ReviewRules.BlindedToLabels(r.TwoRaters, r.BlindRaters, slot);
            return new QueueEntry(r.Id, r.RecordedOn, r.Study, r.Code, r.Timepoint, blind ? null : r.VasSelfReport, blind ? null : r.Corrected,
                blind ? null : r.HpiiMeanApex, r.ReviewState, r.ReviewedBy, r.ReviewedUtc, r.UploadedUtc, slot, blind, slot is not null && m.Signed,
                r.TwoRaters, r.RatersSigned);
        }).ToList();
        return new QueuePage(rows, total, page, pageSize);
    }

    /// <summary>
    /// The recording after this one in the user's queue that waits for them (<see cref="QueueEntry.ActionableForMe"/>:
    /// never another pair's rating under two independent reviews), wrapping to the start of the queue; null when nothing else waits.
    /// </summary>
    public async Task<QueueEntry?> NextAsync(Guid current)
    {
        var queue = (await ListAsync()).Where(r => r.ActionableForMe || r.Id == current).ToList();
        var at = queue.FindIndex(r => r.Id == current);
        return queue.Skip(at + 1).Concat(queue.Take(Math.Max(at, 0))).FirstOrDefault(r => r.Id != current);
    }
}
