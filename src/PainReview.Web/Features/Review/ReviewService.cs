using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Data.Review;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Features.Review;

/// <summary>Another reviewer changed the recording since this page loaded it.</summary>
public sealed class ReviewConflictException(string message) : Exception(message);

/// <summary>The recording is signed: it is read-only until reopened with a reason.</summary>
public sealed class SignedRecordException(string message) : PortalValidationException(message)
{
    public override int StatusCode => StatusCodes.Status409Conflict;
}

/// <summary>
/// Clinicians' decisions on APEX frames, VAS corrections and review state. Every change is audited
/// and optimistic: it names the review version it was based on, and a stale version is refused
/// with a message saying who changed what, never silently overwritten.
/// </summary>
public sealed class ReviewService(PainReviewDbContext db, AuditLog audit, Access.StudyAccess access,
    Microsoft.AspNetCore.Identity.UserManager<ApplicationUser> users, TwoRaterService raters, ReviewFrameCache frameCache)
{
    public async Task<ReviewModel?> LoadAsync(Guid recordingId)
    {
        await access.RequireRecordingAsync(recordingId, Access.StudyPermission.Review, "review recordings");
        var recording = await db.Recordings.AsNoTracking().Include(r => r.Study).Include(r => r.Participant)
            .FirstOrDefaultAsync(r => r.Id == recordingId);
        if (recording is null) return null;
        var slot = recording.Study!.TwoRaters ? await raters.SlotOfAsync(recordingId) : null;
        var assignment = slot is null ? null : await db.RaterAssignments.AsNoTracking().SingleAsync(a => a.RecordingId == recordingId && a.Slot == slot);
        // A rater sees their own decisions only, never the other rater's (nor the decisions in force, which follow from both).
        var decisions = ReviewRules.SeesOtherRater(slot)
            ? await db.ReviewDecisions.AsNoTracking().Where(d => d.RecordingId == recordingId).ToDictionaryAsync(d => d.FrameIndex)
            : await db.RaterDecisions.AsNoTracking().Where(d => d.RecordingId == recordingId && d.Slot == slot)
                .Select(d => new ReviewDecision { RecordingId = d.RecordingId, FrameIndex = d.FrameIndex, Decision = d.Decision, Reason = d.Reason, Reviewer = d.Reviewer, AtUtc = d.AtUtc })
                .ToDictionaryAsync(d => d.FrameIndex);
        var corrections = await db.VasCorrections.AsNoTracking().Where(c => c.RecordingId == recordingId).OrderBy(c => c.AtUtc).ToListAsync();
        var signatures = await db.ReviewSignatures.AsNoTracking().Where(s => s.RecordingId == recordingId).OrderBy(s => s.SignedUtc).ToListAsync();
        var metadata = await db.Corrections.AsNoTracking().Where(c => c.RecordingId == recordingId || c.ParticipantId == recording.ParticipantId).OrderBy(c => c.AtUtc).ToListAsync();
        var blinded = ReviewRules.BlindedToLabels(recording.Study, slot);
        // The frames (54,000 for 30 minutes) are read once per analysis and scoring, not on every decision.
        var analysis = await frameCache.GetAsync(recordingId, blinded, ReviewFrameCache.StampOf(recording), async () =>
        {
            var frames = await db.FrameResults.AsNoTracking().Where(f => f.RecordingId == recordingId).OrderBy(f => f.FrameIndex)
                .Select(f => new ReviewFrame(f.FrameIndex, f.TimeSeconds, f.Usable, f.Au04, f.Au06, f.Au07, f.Au09, f.Hpii, f.Apex, f.Smile))
                .ToListAsync();
            // Blinded raters see neither the VAS nor the HPII.
            return blinded ? frames.Select(f => f with { Hpii = null }).ToList() : frames;
        });
        if (blinded)
        {
            // Blinded raters see neither the VAS (self-report or corrected) nor the HPII.
            ReviewRules.WithholdLabels(recording);
            corrections = [];
            metadata = metadata.Where(c => !ReviewRules.IsLabelName(c.Field)).ToList();
        }
        return new ReviewModel
        {
            Recording = recording, Analysis = analysis, Decisions = decisions, Corrections = corrections, Signatures = signatures, MetadataCorrections = metadata,
            RaterSlot = slot, RaterSignedUtc = assignment?.SignedUtc, BlindedToLabels = blinded,
        };
    }

    /// <summary>Accepts or rejects APEX frames (one frame or a whole span).</summary>
    public async Task DecideAsync(Guid recordingId, int expectedVersion, IReadOnlyCollection<int> frames, DecisionKind decision, string? reason)
    {
        if (await RaterOfAsync(recordingId) is { } rater)
        {
            var user = await audit.CurrentUserAsync();
            var slot = rater.Assignment.Slot.ToString();
            foreach (var (frame, before) in await ApplyAsRaterAsync(rater, frames, decision, reason, user))
                await audit.AddAsync(decision == DecisionKind.Accepted ? "rater.accepted" : "rater.rejected", "Frame", $"{recordingId}:{frame}",
                    before: new { frame, slot, decision = before }, after: new { frame, slot, decision = decision.ToString() },
                    reason: reason, studyId: rater.Recording.StudyId, recordingId: recordingId, user: user);
            // Raters work apart: the recording's review version (which names who changed it) is left alone.
            await db.SaveChangesAsync();
            return;
        }
        await RefuseUnderTwoRatersAsync(recordingId);
        var recording = await ClaimAsync(recordingId, expectedVersion);
        var by = await audit.CurrentUserAsync();
        foreach (var (frame, before) in await ApplyAsync(recording, frames, decision, reason, by))
            await audit.AddAsync(decision == DecisionKind.Accepted ? "apex.accepted" : "apex.rejected", "Frame", $"{recordingId}:{frame}",
                before: new { frame, decision = before }, after: new { frame, decision = decision.ToString() },
                reason: reason, studyId: recording.StudyId, recordingId: recordingId, user: by);
        await SaveAsync(recording);
    }

    /// <summary>
    /// Accepts or rejects every span a selection picks (all pending, all flagged as smiles, all) as
    /// one audited event that names the spans (frame ranges), the decision and the reason. The
    /// selection is made here from the decisions as the acting reviewer sees them (a rater's own,
    /// under two independent reviews), at the version the page was based on.
    /// </summary>
    /// <returns>The spans decided.</returns>
    public async Task<IReadOnlyList<ApexSpan>> DecideSpansAsync(Guid recordingId, int expectedVersion, SpanSelection selection, DecisionKind decision, string? reason)
    {
        if (!Enum.IsDefined(selection)) throw new PortalValidationException("Choose the spans: all pending, all flagged as smiles, or all.");
        if (decision is not (DecisionKind.Accepted or DecisionKind.Rejected)) throw new PortalValidationException("Choose accept or reject.");
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        var rater = await RaterOfAsync(recordingId);
        if (rater is null) await RefuseUnderTwoRatersAsync(recordingId);
        else if (rater.Assignment.SignedUtc is not null) throw new SignedRecordException("You signed your review of this recording: it is read-only.");
        var model = await LoadAsync(recordingId) ?? throw Access.AccessException.RecordingNotFound();
        if (rater is null && model.Recording.ReviewVersion != expectedVersion) throw await ConflictAsync(recordingId);
        if (model.ActiveSignature is { } signed)
            throw new SignedRecordException(
                $"This recording was signed ({signed.Meaning}) by {signed.SignerName} on {signed.SignedUtc:yyyy-MM-dd HH:mm} UTC and is read-only: reopen it with a reason to change it.");
        var spans = model.SpansIn(selection);
        if (spans.Count == 0) throw new PortalValidationException($"There are no {ReviewModel.Describe(selection)} in this recording: nothing was changed.");
        var named = spans.Select(s => new { first = s.First, last = s.Last, decision = SpanVerdictOf(model, s) }).ToList();
        var frames = spans.SelectMany(s => Enumerable.Range(s.First, s.Length)).ToList();
        var user = await audit.CurrentUserAsync();
        var verb = decision == DecisionKind.Accepted ? "accepted" : "rejected";
        var what = selection.ToString().ToLowerInvariant();
        if (rater is not null)
        {
            await ApplyAsRaterAsync(rater, frames, decision, reason, user);
            var slot = rater.Assignment.Slot.ToString();
            await audit.AddAsync($"rater.bulk-{verb}", nameof(Recording), recordingId.ToString(),
                before: new { selection = what, slot, spans = named },
                after: new { selection = what, slot, decision = decision.ToString(), frames = frames.Count, spans = named.Select(s => new { s.first, s.last }) },
                reason: reason, studyId: rater.Recording.StudyId, recordingId: recordingId, user: user);
            await db.SaveChangesAsync();
            return spans;
        }
        var recording = await ClaimAsync(recordingId, expectedVersion);
        await ApplyAsync(recording, frames, decision, reason, user);
        await audit.AddAsync($"apex.bulk-{verb}", nameof(Recording), recordingId.ToString(),
            before: new { selection = what, spans = named },
            after: new { selection = what, decision = decision.ToString(), frames = frames.Count, spans = named.Select(s => new { s.first, s.last }) },
            reason: reason, studyId: recording.StudyId, recordingId: recordingId, user: user);
        await SaveAsync(recording);
        return spans;
    }

    /// <summary>A span's verdict for the audit trail: one verdict for all its frames, else "mixed".</summary>
    private static string SpanVerdictOf(ReviewModel model, ApexSpan span)
    {
        var verdicts = Enumerable.Range(span.First, span.Length).Select(model.VerdictOf).Distinct().ToList();
        return verdicts.Count == 1 ? verdicts[0].ToString() : "mixed";
    }

    /// <summary>Writes decisions in force on machine APEX frames (not saved, not audited); returns each frame's verdict before.</summary>
    private async Task<List<(int Frame, string Before)>> ApplyAsync(Recording recording, IReadOnlyCollection<int> frames, DecisionKind decision, string? reason, string user)
    {
        var recordingId = recording.Id;
        var apex = await db.FrameResults.Where(f => f.RecordingId == recordingId && frames.Contains(f.FrameIndex))
            .Select(f => new { f.FrameIndex, f.Apex }).ToListAsync();
        if (apex.Count != frames.Count) throw new PortalValidationException("Some of those frames do not exist in this recording.");
        var existing = await db.ReviewDecisions.Where(d => d.RecordingId == recordingId && frames.Contains(d.FrameIndex)).ToListAsync();
        var changed = new List<(int, string)>(apex.Count);
        foreach (var frame in apex)
        {
            var previous = existing.FirstOrDefault(d => d.FrameIndex == frame.FrameIndex);
            // A frame decided under an earlier protocol keeps its decision (and can be decided again) even where it is no longer APEX.
            if (!frame.Apex && previous is null)
                throw new PortalValidationException($"Frame {frame.FrameIndex} is not an APEX frame; add it as a missed frame instead.");
            changed.Add((frame.FrameIndex, previous is null ? "pending" : previous.Decision.ToString()));
            if (previous is not null && previous.AddedByReviewer && decision == DecisionKind.Rejected)
            {
                // Rejecting a frame the reviewer added withdraws the addition.
                db.ReviewDecisions.Remove(previous);
            }
            else if (previous is null)
            {
                db.ReviewDecisions.Add(new ReviewDecision
                {
                    RecordingId = recordingId, FrameIndex = frame.FrameIndex, Decision = decision, Reason = reason, Reviewer = user,
                    ProtocolVersion = recording.ProtocolVersion, WasApex = frame.Apex,
                });
            }
            else
            {
                previous.Decision = decision;
                previous.Reason = reason;
                previous.Reviewer = user;
                previous.AtUtc = DateTime.UtcNow;
                previous.ProtocolVersion = recording.ProtocolVersion;
                previous.WasApex = frame.Apex;
            }
        }
        return changed;
    }

    /// <summary>Adds a usable frame the algorithm did not pick as APEX.</summary>
    public async Task AddFrameAsync(Guid recordingId, int expectedVersion, int frameIndex, string? reason)
    {
        if (await RaterOfAsync(recordingId) is not null)
            throw new PortalValidationException("Under two independent reviews the raters decide the machine's APEX spans; adding frames is not part of it.");
        await RefuseUnderTwoRatersAsync(recordingId);
        var recording = await ClaimAsync(recordingId, expectedVersion);
        var frame = await db.FrameResults.SingleOrDefaultAsync(f => f.RecordingId == recordingId && f.FrameIndex == frameIndex)
            ?? throw new PortalValidationException($"Frame {frameIndex} does not exist in this recording.");
        if (!frame.Usable) throw new PortalValidationException($"Frame {frameIndex} has no usable face: it cannot be added.");
        if (frame.Apex) throw new PortalValidationException($"Frame {frameIndex} is already an APEX frame.");
        if (await db.ReviewDecisions.AnyAsync(d => d.RecordingId == recordingId && d.FrameIndex == frameIndex))
            throw new PortalValidationException($"Frame {frameIndex} was already added.");
        var user = await audit.CurrentUserAsync();
        db.ReviewDecisions.Add(new ReviewDecision
        {
            RecordingId = recordingId, FrameIndex = frameIndex, Decision = DecisionKind.Accepted, AddedByReviewer = true, Reason = reason, Reviewer = user,
            ProtocolVersion = recording.ProtocolVersion, WasApex = false,
        });
        await audit.AddAsync("apex.added", "Frame", $"{recordingId}:{frameIndex}", before: new { frame = frameIndex, decision = "not APEX" },
            after: new { frame = frameIndex, decision = "added" }, reason: reason, studyId: recording.StudyId, recordingId: recordingId, user: user);
        await SaveAsync(recording);
    }

    /// <summary>Records a corrected VAS (0-10) with its reason; the self-report stays as it was.</summary>
    public async Task CorrectVasAsync(Guid recordingId, int expectedVersion, double value, string reason)
    {
        if (value is < 0 or > 10 || double.IsNaN(value)) throw new PortalValidationException("A VAS value is between 0 and 10.");
        if (string.IsNullOrWhiteSpace(reason)) throw new PortalValidationException("Give the reason for the correction.");
        if (await RaterOfAsync(recordingId) is { } rater && rater.Blinded)
            throw Access.AccessException.Forbidden("correct the VAS: the study's raters are blinded to it");
        var recording = await ClaimAsync(recordingId, expectedVersion);
        var previous = await db.VasCorrections.Where(c => c.RecordingId == recordingId).OrderByDescending(c => c.AtUtc).ThenByDescending(c => c.Id).FirstOrDefaultAsync();
        var user = await audit.CurrentUserAsync();
        db.VasCorrections.Add(new VasCorrection { RecordingId = recordingId, Value = value, Reason = reason.Trim(), CorrectedBy = user });
        await audit.AddAsync("vas.corrected", nameof(Recording), recordingId.ToString(),
            before: new { vas = previous?.Value ?? recording.VasSelfReport, selfReport = recording.VasSelfReport },
            after: new { vas = value }, reason: reason.Trim(), studyId: recording.StudyId, recordingId: recordingId, user: user);
        await SaveAsync(recording);
    }

    /// <summary>
    /// Signs the review (21 CFR 11.50, 11.70, 11.200): the signer enters their password again and
    /// chooses what the signature means; it is bound to the hash of the review content, and the
    /// recording is read-only from then on.
    /// </summary>
    public async Task<ReviewSignature> SignAsync(Guid recordingId, int expectedVersion, string? password, string? meaning)
    {
        meaning = ReviewRules.SignatureMeanings.FirstOrDefault(m => m.Equals(meaning?.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new PortalValidationException($"Choose what the signature means: {string.Join(" or ", ReviewRules.SignatureMeanings)}.");
        if (await RaterOfAsync(recordingId) is { } rater) return await SignAsRaterAsync(rater, password, meaning);
        await RequireResolvedAsync(recordingId);
        var recording = await ClaimAsync(recordingId, expectedVersion);
        if (recording.Status != RecordingStatus.Completed) throw new PortalValidationException("Only analysed recordings can be signed.");
        if (recording.UsableFrames is not > 0) throw new PortalValidationException("This recording has no usable face: there is nothing to review or sign.");
        var actor = await access.ActorAsync();
        if (await access.ConfirmPasswordAsync(users, password) is not { } user)
        {
            await audit.AddAsync("signature.refused", nameof(Recording), recordingId.ToString(), after: new { reason = "wrong password" },
                studyId: recording.StudyId, recordingId: recordingId, user: actor.Name);
            await db.SaveChangesAsync();
            throw new PortalValidationException("The password is not right: nothing was signed.");
        }
        var decisions = await db.ReviewDecisions.AsNoTracking().Where(d => d.RecordingId == recordingId).ToListAsync();
        var corrections = await db.VasCorrections.AsNoTracking().Where(c => c.RecordingId == recordingId).ToListAsync();
        var code = await db.Participants.Where(p => p.Id == recording.ParticipantId).Select(p => p.Code).SingleAsync();
        var signature = new ReviewSignature
        {
            RecordingId = recordingId, SignerId = user.Id, SignerName = string.IsNullOrWhiteSpace(user.DisplayName) ? user.Email ?? actor.Name : user.DisplayName!,
            SignerEmail = user.Email ?? actor.Name, Meaning = meaning, RecordHash = ReviewRules.RecordHash(recording, decisions, corrections, code),
            AnalysisVersion = ReviewRules.AnalysisVersionOf(recording), ProtocolVersion = recording.ProtocolVersion,
        };
        db.ReviewSignatures.Add(signature);
        recording.ReviewState = ReviewState.Reviewed;
        recording.ReviewedBy = signature.SignerName;
        recording.ReviewedUtc = signature.SignedUtc;
        await audit.AddAsync("review.signed", nameof(Recording), recordingId.ToString(), before: new { state = nameof(ReviewState.NotReviewed) },
            after: new { state = nameof(ReviewState.Reviewed), signer = signature.SignerName, email = signature.SignerEmail, meaning, signedUtc = signature.SignedUtc, recordHash = signature.RecordHash },
            studyId: recording.StudyId, recordingId: recordingId, user: actor.Name);
        await SaveAsync(recording);
        return signature;
    }

    /// <summary>Reopens a signed review: needs a reason, voids the signature (kept, marked voided).</summary>
    public async Task ReopenAsync(Guid recordingId, int expectedVersion, string? reason)
    {
        if (string.IsNullOrWhiteSpace(reason)) throw new PortalValidationException("Give the reason for reopening the review: it voids the signature.");
        var recording = await ClaimAsync(recordingId, expectedVersion, allowSigned: true);
        var active = await db.ReviewSignatures.Where(s => s.RecordingId == recordingId && s.VoidedUtc == null).ToListAsync();
        if (active.Count == 0) throw new PortalValidationException("This review is not signed: there is nothing to reopen.");
        var actor = await access.ActorAsync();
        foreach (var s in active)
        {
            s.VoidedUtc = DateTime.UtcNow;
            s.VoidedBy = actor.Name;
            s.VoidReason = reason.Trim();
        }
        recording.ReviewState = ReviewState.NotReviewed;
        recording.ReviewedBy = null;
        recording.ReviewedUtc = null;
        await audit.AddAsync("review.reopened", nameof(Recording), recordingId.ToString(),
            before: new { state = nameof(ReviewState.Reviewed), signatures = active.Select(s => new { s.SignerName, s.Meaning, s.SignedUtc, s.RecordHash }) },
            after: new { state = nameof(ReviewState.NotReviewed), voided = active.Count }, reason: reason.Trim(),
            studyId: recording.StudyId, recordingId: recordingId, user: actor.Name);
        await SaveAsync(recording);
    }

    /// <summary>The acting rater's place on a recording under two independent reviews; null when the study reviews once.</summary>
    private sealed record RaterContext(Recording Recording, RaterAssignment Assignment, bool Blinded);

    /// <summary>
    /// Under two independent reviews only the recording's two assigned raters decide it; anyone else
    /// (the adjudicator included, who settles differences on the agreement page) is refused.
    /// </summary>
    private async Task<RaterContext?> RaterOfAsync(Guid recordingId)
    {
        await access.RequireRecordingAsync(recordingId, Access.StudyPermission.Review, "review recordings");
        var recording = await db.Recordings.Include(r => r.Study).SingleOrDefaultAsync(r => r.Id == recordingId) ?? throw Access.AccessException.RecordingNotFound();
        if (!recording.Study!.TwoRaters) return null;
        var actor = await access.ActorAsync();
        var assignment = await db.RaterAssignments.SingleOrDefaultAsync(a => a.RecordingId == recordingId && a.UserId == actor.UserId);
        if (assignment is null || assignment.Slot == RaterSlot.Adjudicator) return null;
        return new RaterContext(recording, assignment, ReviewRules.BlindedToLabels(recording.Study, assignment.Slot));
    }

    /// <summary>In a two-rater study, work on the decisions in force waits until both raters signed and every difference is adjudicated.</summary>
    private async Task RequireResolvedAsync(Guid recordingId)
    {
        var recording = await db.Recordings.AsNoTracking().Include(r => r.Study).SingleOrDefaultAsync(r => r.Id == recordingId) ?? throw Access.AccessException.RecordingNotFound();
        if (!recording.Study!.TwoRaters) return;
        var signed = await db.RaterAssignments.CountAsync(a => a.RecordingId == recordingId && a.Slot != RaterSlot.Adjudicator && a.SignedUtc != null);
        if (signed < 2)
            throw Access.AccessException.Forbidden("decide or sign this recording: the study has two independent reviews, and only its two assigned raters decide it until both have signed");
        var unresolved = (await raters.SpansAsync(recordingId)).Count(s => s.InForce is null);
        if (unresolved > 0)
            throw new PortalValidationException($"{unresolved} span(s) the raters decided differently wait for the adjudicator.");
    }

    /// <summary>Under two independent reviews the decisions in force come from the raters and the adjudicator only.</summary>
    private async Task RefuseUnderTwoRatersAsync(Guid recordingId)
    {
        if (await db.Recordings.AnyAsync(r => r.Id == recordingId && r.Study!.TwoRaters))
            throw Access.AccessException.Forbidden(
                "decide this recording: the study has two independent reviews, so only its two assigned raters decide it and the adjudicator settles their differences");
    }

    /// <summary>Writes a rater's own decisions (not saved, not audited); returns each frame's verdict before.</summary>
    private async Task<List<(int Frame, string Before)>> ApplyAsRaterAsync(RaterContext rater, IReadOnlyCollection<int> frames, DecisionKind decision, string? reason, string user)
    {
        if (rater.Assignment.SignedUtc is not null) throw new SignedRecordException("You signed your review of this recording: it is read-only.");
        var recordingId = rater.Recording.Id;
        var apex = await db.FrameResults.Where(f => f.RecordingId == recordingId && frames.Contains(f.FrameIndex)).Select(f => new { f.FrameIndex, f.Apex }).ToListAsync();
        if (apex.Count != frames.Count) throw new PortalValidationException("Some of those frames do not exist in this recording.");
        if (apex.FirstOrDefault(f => !f.Apex) is { } notApex) throw new PortalValidationException($"Frame {notApex.FrameIndex} is not an APEX frame.");
        var slot = rater.Assignment.Slot;
        var existing = await db.RaterDecisions.Where(d => d.RecordingId == recordingId && d.Slot == slot && frames.Contains(d.FrameIndex)).ToListAsync();
        var changed = new List<(int, string)>(apex.Count);
        foreach (var frame in apex)
        {
            var previous = existing.FirstOrDefault(d => d.FrameIndex == frame.FrameIndex);
            changed.Add((frame.FrameIndex, previous?.Decision.ToString() ?? "pending"));
            if (previous is null)
                db.RaterDecisions.Add(new RaterDecision { RecordingId = recordingId, Slot = slot, FrameIndex = frame.FrameIndex, Decision = decision, Reason = reason, Reviewer = user });
            else
            {
                previous.Decision = decision;
                previous.Reason = reason;
                previous.Reviewer = user;
                previous.AtUtc = DateTime.UtcNow;
            }
        }
        return changed;
    }

    private async Task<ReviewSignature> SignAsRaterAsync(RaterContext rater, string? password, string meaning)
    {
        var recordingId = rater.Recording.Id;
        if (rater.Assignment.SignedUtc is not null) throw new SignedRecordException("You have already signed your review of this recording.");
        var slot = rater.Assignment.Slot;
        var spans = await raters.SpansAsync(recordingId);
        var pending = spans.Count(s => (slot == RaterSlot.First ? s.FirstRater : s.SecondRater) is null);
        if (pending > 0) throw new PortalValidationException($"Decide every APEX span before signing: {pending} span(s) are still pending.");
        var actor = await access.ActorAsync();
        if (await access.ConfirmPasswordAsync(users, password) is not { } user)
        {
            await audit.AddAsync("signature.refused", nameof(Recording), recordingId.ToString(), after: new { reason = "wrong password", slot = slot.ToString() },
                studyId: rater.Recording.StudyId, recordingId: recordingId, user: actor.Name);
            await db.SaveChangesAsync();
            throw new PortalValidationException("The password is not right: nothing was signed.");
        }
        var mine = await db.RaterDecisions.AsNoTracking().Where(d => d.RecordingId == recordingId && d.Slot == slot).OrderBy(d => d.FrameIndex)
            .Select(d => new { d.FrameIndex, decision = d.Decision.ToString(), d.Reason, d.Reviewer }).ToListAsync();
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { recording = recordingId, slot = slot.ToString(), decisions = mine })));
        rater.Assignment.SignedUtc = DateTime.UtcNow;
        await audit.AddAsync("rater.signed", nameof(Recording), recordingId.ToString(), before: new { slot = slot.ToString(), state = "deciding" },
            after: new { slot = slot.ToString(), state = "signed", signer = actor.Name, meaning, signedUtc = rater.Assignment.SignedUtc, recordHash = hash },
            studyId: rater.Recording.StudyId, recordingId: recordingId, user: actor.Name);
        await db.SaveChangesAsync();
        var both = await db.RaterAssignments.CountAsync(a => a.RecordingId == recordingId && a.Slot != RaterSlot.Adjudicator && a.SignedUtc != null) == 2;
        if (both) await raters.WriteInForceAsync(recordingId, actor.Name);
        // The rater's own sign-off; the signature of the decisions in force comes after adjudication.
        return new ReviewSignature
        {
            RecordingId = recordingId, SignerId = user.Id, SignerName = string.IsNullOrWhiteSpace(user.DisplayName) ? user.Email ?? actor.Name : user.DisplayName!,
            SignerEmail = user.Email ?? actor.Name, Meaning = meaning, RecordHash = hash, SignedUtc = rater.Assignment.SignedUtc.Value,
        };
    }

    private async Task<Recording> ClaimAsync(Guid recordingId, int expectedVersion, bool allowSigned = false)
    {
        await access.RequireRecordingAsync(recordingId, Access.StudyPermission.Review, "review recordings");
        var recording = await db.Recordings.SingleOrDefaultAsync(r => r.Id == recordingId)
            ?? throw Access.AccessException.RecordingNotFound();
        if (recording.ReviewVersion != expectedVersion) throw await ConflictAsync(recordingId);
        if (!allowSigned && await db.ReviewSignatures.AsNoTracking().Where(s => s.RecordingId == recordingId && s.VoidedUtc == null).FirstOrDefaultAsync() is { } signed)
            throw new SignedRecordException(
                $"This recording was signed ({signed.Meaning}) by {signed.SignerName} on {signed.SignedUtc:yyyy-MM-dd HH:mm} UTC and is read-only: reopen it with a reason to change it.");
        return recording;
    }

    private async Task SaveAsync(Recording recording)
    {
        recording.ReviewVersion++;
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            throw await ConflictAsync(recording.Id);
        }
    }

    private async Task<ReviewConflictException> ConflictAsync(Guid recordingId)
    {
        var last = await db.AuditEvents.AsNoTracking().Where(a => a.RecordingId == recordingId && a.User != "system")
            .OrderByDescending(a => a.Id).FirstOrDefaultAsync();
        var who = last is null ? "Another reviewer" : $"{last.User} ({last.Action} at {last.AtUtc:HH:mm:ss} UTC)";
        return new ReviewConflictException($"{who} changed this recording after you opened it. Reload to see their changes; nothing of yours was saved.");
    }
}
