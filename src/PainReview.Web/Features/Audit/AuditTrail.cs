using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Data.Export;
using PainReview.Web.Features.Access;

namespace PainReview.Web.Features.Audit;

/// <summary>What the audit page asks for: a study, a recording (participant code or id) and a user, each optional.</summary>
public sealed record AuditQuery(Guid? StudyId = null, string? Recording = null, string? User = null, int Limit = AuditTrail.DefaultLimit);

/// <summary>
/// An event as this reader may see it: uploaders' file names (which can name people) only for Admins;
/// for a rater blinded to the recording's labels, its VAS and HPII values (and a VAS correction's reason) read "blinded".
/// </summary>
public sealed record AuditRow(AuditEvent Event, string? Recording, string? Before, string? After, string? Reason);

/// <summary>
/// Reads the audit trail for the audit page: each reader sees the trails of the studies they may
/// audit; events outside any study (accounts, sign-ins) are for Admins; under two independent
/// reviews a rater does not see the other rater's decisions until both have signed, and a rater
/// blinded to the labels sees the events about their recordings with the VAS and HPII values masked.
/// </summary>
public sealed class AuditTrail(PainReviewDbContext db, StudyAccess access, Review.TwoRaterService raters)
{
    public const int DefaultLimit = 500;

    /// <summary>What a masked value reads.</summary>
    public const string BlindedValue = "blinded";

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
        var labelsBlinded = await raters.BlindedRecordingsAsync(ct: ct);
        string? Shown(string? json) => admin ? json : DatasetExporter.Scrub(json);
        return [.. found.Select(a =>
        {
            var name = a.RecordingId is { } rid ? names.GetValueOrDefault(rid, "(deleted)") : null;
            if (a.RecordingId is not { } id || !labelsBlinded.Contains(id)) return new AuditRow(a, name, Shown(a.Before), Shown(a.After), a.Reason);
            var (before, maskedBefore) = MaskLabels(Shown(a.Before), a.Action);
            var (after, maskedAfter) = MaskLabels(Shown(a.After), a.Action);
            // A correction's reason may name the value ("she meant 7"): it is masked with it.
            var reason = (maskedBefore || maskedAfter) && a.Action.EndsWith(".corrected", StringComparison.Ordinal) && a.Reason is not null ? BlindedValue : a.Reason;
            // The event itself (read without tracking, never saved) carries the masked details too, not the values.
            (a.Before, a.After, a.Reason) = (before, after, reason);
            return new AuditRow(a, name, before, after, reason);
        })];
    }

    /// <summary>
    /// An event's details as a rater blinded to the labels sees them: every VAS and HPII (and PSPI) value,
    /// at any depth, reads "blinded", and every value of a VAS correction; whether anything was masked.
    /// Details that are not JSON are masked whole.
    /// </summary>
    public static (string? Json, bool Masked) MaskLabels(string? json, string action)
    {
        if (json is null) return (null, false);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return (BlindedValue, true);
        }
        var masked = Mask(node, action.StartsWith("vas.", StringComparison.Ordinal));
        return (masked ? node!.ToJsonString() : json, masked);
    }

    private static bool Mask(JsonNode? node, bool all)
    {
        var masked = false;
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (all || PainReview.Data.Review.ReviewRules.IsLabelName(key))
                    {
                        if (o[key] is not null) { o[key] = BlindedValue; masked = true; }
                    }
                    else masked |= Mask(o[key], false);
                }
                break;
            case JsonArray array:
                foreach (var item in array) masked |= Mask(item, all);
                break;
        }
        return masked;
    }
}
