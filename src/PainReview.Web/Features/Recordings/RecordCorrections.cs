using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Web.Features.Access;
using PainReview.Web.Features.Audit;

namespace PainReview.Web.Features.Recordings;

/// <summary>
/// Corrections, not edits: metadata entered at upload (participant, timepoint, recording date,
/// self-reported VAS) and participant codes are corrected with a reason; each correction keeps the
/// value before, and the original is shown and exported beside the value in force. Participants can
/// be withdrawn: their data stays, and leaves exports and statistics from then on.
/// </summary>
public sealed partial class RecordCorrections(PainReviewDbContext db, StudyAccess access, AuditLog audit, Scheduling.IJobScheduler? jobs = null)
{
    public static readonly string[] RecordingFields = ["participant", "timepoint", "recordedOn", "vasSelfReport"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$")]
    private static partial Regex CodePattern();

    public async Task CorrectRecordingAsync(Guid recordingId, string? field, string? value, string? reason)
    {
        var studyId = await access.RequireRecordingAsync(recordingId, StudyPermission.Manage, "correct recordings");
        if (string.IsNullOrWhiteSpace(reason)) throw new PortalValidationException("Give the reason for the correction: it is kept with it.");
        field = RecordingFields.FirstOrDefault(f => f.Equals(field?.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new PortalValidationException($"Only these can be corrected: {string.Join(", ", RecordingFields)}.");
        var recording = await db.Recordings.Include(r => r.Participant).SingleAsync(r => r.Id == recordingId);
        if (await db.ReviewSignatures.AnyAsync(s => s.RecordingId == recordingId && s.VoidedUtc == null))
            throw new Review.SignedRecordException("This recording's review is signed: its reviewer reopens it (with a reason) before its metadata is corrected.");
        value = value?.Trim();
        string? before, after;
        switch (field)
        {
            case "participant":
                var normalized = Participant.Normalize(value ?? "");
                var target = await db.Participants.SingleOrDefaultAsync(p => p.StudyId == studyId && p.NormalizedCode == normalized)
                    ?? throw new PortalValidationException($"There is no participant '{value}' in this study: add it first.");
                before = recording.Participant!.Code;
                after = target.Code;
                recording.ParticipantId = target.Id;
                break;
            case "timepoint":
                if (value is { Length: > 100 }) throw new PortalValidationException("A timepoint has at most 100 characters.");
                before = recording.Timepoint;
                after = string.IsNullOrEmpty(value) ? null : value;
                recording.Timepoint = after;
                break;
            case "recordedOn":
                DateOnly? day = null;
                if (!string.IsNullOrEmpty(value))
                {
                    if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                        throw new PortalValidationException($"'{value}' is not a date in the form YYYY-MM-DD.");
                    if (d > PainReview.Data.Import.RecordingDates.Latest) throw new PortalValidationException("A recording date cannot be in the future.");
                    day = d;
                }
                before = recording.RecordedOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                after = day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                recording.RecordedOn = day;
                break;
            default:
                double? vas = null;
                if (!string.IsNullOrEmpty(value))
                {
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v is < 0 or > 10)
                        throw new PortalValidationException($"VAS '{value}' is not a number from 0 to 10.");
                    vas = v;
                }
                before = recording.VasSelfReport?.ToString("R", CultureInfo.InvariantCulture);
                after = vas?.ToString("R", CultureInfo.InvariantCulture);
                recording.VasSelfReport = vas;
                break;
        }
        if (before == after) throw new PortalValidationException($"The {field} is already {after ?? "empty"}: nothing to correct.");
        var formerParticipant = db.Entry(recording).Property(r => r.ParticipantId).OriginalValue;
        await RecordAsync(studyId, recordingId, recording.ParticipantId, field, before, after, reason.Trim());
        // Under a neutral-recording protocol, who, when and at which timepoint decide which recording is the
        // neutral one: the participants concerned are scored again (from their stored frames).
        if (jobs is not null && field is "participant" or "timepoint" or "recordedOn"
            && (await Protocols.ProtocolService.CurrentAsync(db, studyId)).Config.Baseline.Mode == PainReview.Pipeline.Analysis.BaselineMode.Recording)
            foreach (var participant in new[] { formerParticipant, recording.ParticipantId }.Distinct())
                jobs.QueueParticipantRescore(participant);
    }

    public async Task CorrectCodeAsync(Guid participantId, string? code, string? reason)
    {
        var participant = await db.Participants.SingleOrDefaultAsync(p => p.Id == participantId) ?? throw new PortalValidationException("That participant does not exist.");
        await access.RequireStudyAsync(participant.StudyId, StudyPermission.Manage, "correct participant codes");
        if (string.IsNullOrWhiteSpace(reason)) throw new PortalValidationException("Give the reason for the correction: it is kept with it.");
        code = (code ?? "").Trim();
        if (!CodePattern().IsMatch(code))
            throw new PortalValidationException("A participant code has 2 to 32 letters, digits, '-' or '_', and no spaces: use a pseudonymous code, never a name.");
        var normalized = Participant.Normalize(code);
        if (code == participant.Code) throw new PortalValidationException($"The code is already {code}.");
        if (await db.Participants.AnyAsync(p => p.StudyId == participant.StudyId && p.Id != participantId && p.NormalizedCode == normalized))
            throw new PortalValidationException($"Another participant already has the code {code} (codes are the same whatever their case).");
        var before = participant.Code;
        participant.Code = code;
        await RecordAsync(participant.StudyId, null, participantId, "code", before, code, reason.Trim());
    }

    public async Task WithdrawAsync(Guid participantId, string? reason)
    {
        var participant = await db.Participants.SingleOrDefaultAsync(p => p.Id == participantId) ?? throw new PortalValidationException("That participant does not exist.");
        await access.RequireStudyAsync(participant.StudyId, StudyPermission.Manage, "withdraw participants");
        if (string.IsNullOrWhiteSpace(reason)) throw new PortalValidationException("Give the reason for the withdrawal.");
        if (participant.WithdrawnUtc is not null) throw new PortalValidationException($"{participant.Code} was already withdrawn on {participant.WithdrawnUtc:yyyy-MM-dd}.");
        var actor = await access.ActorAsync();
        participant.WithdrawnUtc = DateTime.UtcNow;
        participant.WithdrawnBy = actor.Name;
        participant.WithdrawalReason = reason.Trim();
        await audit.AddAsync("participant.withdrawn", nameof(Participant), participantId.ToString(), before: new { code = participant.Code, withdrawn = false },
            after: new { code = participant.Code, withdrawn = true }, reason: reason.Trim(), studyId: participant.StudyId, user: actor.Name);
        await db.SaveChangesAsync();
    }

    private async Task RecordAsync(Guid studyId, Guid? recordingId, Guid participantId, string field, string? before, string? after, string reason)
    {
        var actor = await access.ActorAsync();
        db.Corrections.Add(new Correction
        {
            StudyId = studyId, RecordingId = recordingId, ParticipantId = recordingId is null ? participantId : null, Field = field,
            Before = before, After = after, Reason = reason, CorrectedBy = actor.Name,
        });
        await audit.AddAsync(recordingId is null ? "participant.corrected" : "recording.corrected", recordingId is null ? nameof(Participant) : nameof(Recording),
            (recordingId ?? participantId).ToString(), before: new Dictionary<string, string?> { [field] = before }, after: new Dictionary<string, string?> { [field] = after },
            reason: reason, studyId: studyId, recordingId: recordingId, user: actor.Name);
        await db.SaveChangesAsync();
    }
}
