using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Pipeline.Analysis;
using PainReview.Web.Features.Access;

namespace PainReview.Web.Features.Recordings;

/// <summary>One action unit's means over the recording.</summary>
public sealed record ActionUnitMeans(string Unit, double? MeanAll, double? MeanApex, double? Peak);

/// <summary>
/// A recording as its page shows it: the recording with study and participant, what the user may do
/// with it, its corrections (the originals are shown beside the values in force) and its summary.
/// For a rater blinded to the labels (<see cref="PainReview.Data.Review.ReviewRules.BlindedToLabels(Study, RaterSlot?)"/>)
/// the VAS, its corrections and the HPII and PSPI figures are left out here, on the server, and <see cref="BlindedToLabels"/> is set.
/// </summary>
public sealed record RecordingView(Recording Recording, bool CanManage, bool CanReview, bool Signed, IReadOnlyList<Correction> Corrections,
    IReadOnlyList<ActionUnitMeans> ActionUnits, string? Baseline, bool BlindedToLabels = false)
{
    /// <summary>The value a field had before its first correction, when it was corrected since the upload.</summary>
    public string? OriginalOf(string field) => Corrections.FirstOrDefault(c => c.Field == field) is { } first ? first.Before ?? "empty" : null;
}

/// <summary>Reads a recording for its page; a recording of a study the user is not a member of reads as one that does not exist.</summary>
public sealed class RecordingOverviewService(PainReviewDbContext db, StudyAccess access, Review.TwoRaterService raters)
{
    public async Task<RecordingView?> GetAsync(Guid recordingId, CancellationToken ct = default)
    {
        var found = await db.Recordings.AsNoTracking().Include(r => r.Study).Include(r => r.Participant).FirstOrDefaultAsync(r => r.Id == recordingId, ct);
        if (found is null || !await access.CanAsync(found.StudyId, StudyPermission.View)) return null;
        var corrections = await db.Corrections.AsNoTracking().Where(c => c.RecordingId == recordingId).OrderBy(c => c.AtUtc).ThenBy(c => c.Id).ToListAsync(ct);
        var signed = await db.ReviewSignatures.AnyAsync(s => s.RecordingId == recordingId && s.VoidedUtc == null, ct);
        var summary = found.SummaryJson is { } json ? AnalysisDocument.Read(json).Summary : null;
        var blinded = await raters.BlindedToLabelsAsync(found.Study!, recordingId);
        if (blinded)
        {
            // As in the review workspace: neither the VAS (nor its corrections) nor the HPII or PSPI figures.
            PainReview.Data.Review.ReviewRules.WithholdLabels(found);
            corrections = [.. corrections.Where(c => !PainReview.Data.Review.ReviewRules.IsLabelName(c.Field))];
        }
        return new RecordingView(found,
            await access.CanAsync(found.StudyId, StudyPermission.Manage),
            await access.CanAsync(found.StudyId, StudyPermission.Review),
            signed, corrections,
            summary is null ? [] : [.. summary.ActionUnits.Select(au => new ActionUnitMeans(au.Key, au.Value.MeanAll, au.Value.MeanApex, au.Value.Peak))],
            summary?.Baseline, blinded);
    }
}
