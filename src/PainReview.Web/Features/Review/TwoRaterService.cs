using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Data.Review;
using PainReview.Web.Features.Access;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Features.Review;

/// <summary>
/// One APEX span as the two raters and the adjudicator decided it. A rater who accepted some of its
/// frames and rejected others has a mixed verdict; <paramref name="FirstFrames"/> and
/// <paramref name="SecondFrames"/> then say which frames ('A' accepted, 'R' rejected, one letter a frame).
/// Two mixed verdicts agree only when the same frames were accepted: otherwise the frames in force
/// would be left undecided, so the span is a difference for the adjudicator like any other.
/// </summary>
public sealed record SpanAgreement(int First, int Last, SpanVerdict? FirstRater, SpanVerdict? SecondRater, SpanVerdict? Adjudicated,
    string? FirstFrames = null, string? SecondFrames = null)
{
    public bool Differs => FirstRater != SecondRater || (FirstRater == SpanVerdict.Mixed && FirstFrames != SecondFrames);
    /// <summary>The verdict in force at span level: adjudicated, else agreed (frame for frame), else none yet.</summary>
    public SpanVerdict? InForce => Adjudicated ?? (Differs ? null : FirstRater);

    /// <summary>What agreement compares for each rater: the verdict, and for a mixed one the frames it accepted (each pattern its own category).</summary>
    public (string First, string Second)? AgreementPair => FirstRater is { } a && SecondRater is { } b
        ? (Category(a, FirstFrames), Category(b, SecondFrames)) : null;

    private static string Category(SpanVerdict verdict, string? frames) => verdict == SpanVerdict.Mixed ? $"mixed {frames}" : verdict.ToString();

    /// <summary>A rater's verdict in words; a mixed one names its accepted and rejected frames ("mixed: accepted 120-124, rejected 125-130").</summary>
    public string Describe(SpanVerdict? verdict, string? frames)
    {
        if (verdict is not SpanVerdict.Mixed || frames is null) return verdict?.ToString().ToLowerInvariant() ?? "pending";
        var runs = new List<string>();
        for (var i = 0; i < frames.Length;)
        {
            var j = i;
            while (j + 1 < frames.Length && frames[j + 1] == frames[i]) j++;
            runs.Add($"{(frames[i] == 'A' ? "accepted" : "rejected")} {First + i}{(j > i ? $"-{First + j}" : "")}");
            i = j + 1;
        }
        return "mixed: " + string.Join(", ", runs);
    }
}

/// <summary>A recording both raters have signed: its spans and their agreement.</summary>
public sealed record RecordingAgreement(Guid RecordingId, string Participant, string? Timepoint, string FirstRater, string SecondRater,
    IReadOnlyList<SpanAgreement> Spans, Agreement Agreement)
{
    public IEnumerable<SpanAgreement> Differences => Spans.Where(s => s.Differs);
    public int Unresolved => Spans.Count(s => s.Differs && s.Adjudicated is null);
}

/// <summary>The study's agreement: per recording and pooled over every span of every recording both raters signed.</summary>
public sealed record StudyAgreement(Guid StudyId, bool TwoRaters, bool BlindRaters, IReadOnlyList<RecordingAgreement> Recordings, Agreement Pooled, int AwaitingRaters);

/// <summary>Who is assigned where on a recording, for the Coordinator's table.</summary>
public sealed record RecordingRaters(Guid RecordingId, string Participant, string? Timepoint, RaterAssignment? First, RaterAssignment? Second, RaterAssignment? Adjudicator);

/// <summary>
/// Two independent reviews (a study setting): assignments, each rater's own decisions and
/// sign-off, agreement (Cohen's kappa and percent agreement) and adjudication. Which decision is in
/// force follows <see cref="ReviewRules.InForce"/>; the decisions in force are written to the
/// ordinary review decisions so that the summaries, the export and the cohort use them unchanged.
/// </summary>
public sealed class TwoRaterService(PainReviewDbContext db, AuditLog audit, StudyAccess access)
{
    /// <summary>Turns two independent reviews (and the raters' blinding to VAS and HPII) on or off for a study. Coordinators only; audited.</summary>
    public async Task SetModeAsync(Guid studyId, bool twoRaters, bool blindRaters, string? reason)
    {
        await access.RequireStudyAsync(studyId, StudyPermission.Manage, "change how the study is reviewed");
        if (string.IsNullOrWhiteSpace(reason)) throw new PortalValidationException("Give the reason for changing how the study is reviewed.");
        var study = await db.Studies.SingleAsync(s => s.Id == studyId);
        blindRaters = twoRaters && blindRaters;
        if (study.TwoRaters == twoRaters && study.BlindRaters == blindRaters) return;
        var before = new { twoRaters = study.TwoRaters, blindRaters = study.BlindRaters };
        study.TwoRaters = twoRaters;
        study.BlindRaters = blindRaters;
        await audit.AddAsync("study.review-mode", nameof(Study), studyId.ToString(), before: before, after: new { twoRaters, blindRaters },
            reason: reason.Trim(), studyId: studyId);
        await db.SaveChangesAsync();
    }

    /// <summary>Assigns a Clinician of the study to a recording as first or second rater or adjudicator. Coordinators only; audited.</summary>
    public async Task AssignAsync(Guid recordingId, RaterSlot slot, string? email)
    {
        var studyId = await access.RequireRecordingAsync(recordingId, StudyPermission.Manage, "assign reviewers");
        if (!Enum.IsDefined(slot)) throw new PortalValidationException("Choose first rater, second rater or adjudicator.");
        var normalized = email?.Trim().ToUpperInvariant();
        var user = string.IsNullOrEmpty(normalized) ? null
            : await db.Users.AsNoTracking().Where(u => u.NormalizedEmail == normalized).Select(u => new { u.Id, u.UserName }).SingleOrDefaultAsync();
        if (user is null || !await db.StudyMembers.AnyAsync(m => m.StudyId == studyId && m.UserId == user.Id && m.Role == Roles.Clinician))
            throw new PortalValidationException("Only a Clinician of this study can be assigned to review its recordings.");
        var assignments = await db.RaterAssignments.Where(a => a.RecordingId == recordingId).ToListAsync();
        if (assignments.Any(a => a.Slot != slot && a.UserId == user.Id))
            throw new PortalValidationException("The two raters and the adjudicator must be three different people.");
        var current = assignments.FirstOrDefault(a => a.Slot == slot);
        if (current?.SignedUtc is not null) throw new PortalValidationException("That rater has signed their review: the assignment cannot change.");
        if (slot != RaterSlot.Adjudicator && await db.RaterDecisions.AnyAsync(d => d.RecordingId == recordingId && d.Slot == slot))
            throw new PortalValidationException("That rater has already decided spans on this recording: the assignment cannot change.");
        var by = await audit.CurrentUserAsync();
        var name = user.UserName ?? email!.Trim();
        if (current is null)
            db.RaterAssignments.Add(new RaterAssignment { RecordingId = recordingId, StudyId = studyId, Slot = slot, UserId = user.Id, UserName = name, AssignedBy = by });
        else
        {
            current.UserId = user.Id;
            current.UserName = name;
            current.AssignedBy = by;
            current.AssignedUtc = DateTime.UtcNow;
        }
        await audit.AddAsync("rater.assigned", nameof(Recording), recordingId.ToString(), before: new { slot = slot.ToString(), rater = current?.UserName },
            after: new { slot = slot.ToString(), rater = name }, studyId: studyId, recordingId: recordingId, user: by);
        await db.SaveChangesAsync();
    }

    public async Task<List<RecordingRaters>> AssignmentsAsync(Guid studyId)
    {
        await access.RequireStudyAsync(studyId, StudyPermission.View, "see the study");
        var recordings = await db.Recordings.AsNoTracking().Where(r => r.StudyId == studyId && r.DeletedUtc == null && r.Status == RecordingStatus.Completed
                && r.Participant!.WithdrawnUtc == null)
            .OrderBy(r => r.Participant!.Code).ThenBy(r => r.Timepoint).Select(r => new { r.Id, r.Participant!.Code, r.Timepoint }).ToListAsync();
        var assignments = (await db.RaterAssignments.AsNoTracking().Where(a => a.StudyId == studyId).ToListAsync()).ToLookup(a => a.RecordingId);
        return recordings.Select(r => new RecordingRaters(r.Id, r.Code, r.Timepoint, assignments[r.Id].FirstOrDefault(a => a.Slot == RaterSlot.First),
            assignments[r.Id].FirstOrDefault(a => a.Slot == RaterSlot.Second), assignments[r.Id].FirstOrDefault(a => a.Slot == RaterSlot.Adjudicator))).ToList();
    }

    /// <summary>The acting user's slot on a recording, if assigned.</summary>
    public async Task<RaterSlot?> SlotOfAsync(Guid recordingId)
    {
        var actor = await access.ActorAsync();
        return await db.RaterAssignments.AsNoTracking().Where(a => a.RecordingId == recordingId && a.UserId == actor.UserId)
            .Select(a => (RaterSlot?)a.Slot).FirstOrDefaultAsync();
    }

    /// <summary>
    /// The recordings whose VAS and HPII the acting user may not see (<see cref="ReviewRules.BlindedToLabels(bool, bool, RaterSlot?)"/>),
    /// in one study or, without one, in every study: the batch form of <see cref="SlotOfAsync"/> for the pages that list many
    /// recordings (the study page, the audit trail), read in one query.
    /// </summary>
    public async Task<HashSet<Guid>> BlindedRecordingsAsync(Guid? studyId = null, CancellationToken ct = default)
    {
        var actor = await access.ActorAsync();
        var slots = await db.RaterAssignments.AsNoTracking().Where(a => a.UserId == actor.UserId && (studyId == null || a.StudyId == studyId))
            .Join(db.Studies, a => a.StudyId, s => s.Id, (a, s) => new { a.RecordingId, a.Slot, s.TwoRaters, s.BlindRaters })
            .ToListAsync(ct);
        return [.. slots.Where(a => ReviewRules.BlindedToLabels(a.TwoRaters, a.BlindRaters, a.Slot)).Select(a => a.RecordingId)];
    }

    /// <summary>Whether the acting user is blinded to this recording's VAS and HPII (one recording of <see cref="BlindedRecordingsAsync"/>).</summary>
    public async Task<bool> BlindedToLabelsAsync(Study study, Guid recordingId) =>
        study.TwoRaters && ReviewRules.BlindedToLabels(study, await SlotOfAsync(recordingId));

    /// <summary>Agreement per recording and for the study, over the spans of recordings both raters signed (never earlier: the raters are blind).</summary>
    public async Task<StudyAgreement> AgreementAsync(Guid studyId)
    {
        await access.RequireStudyAsync(studyId, StudyPermission.View, "see the study");
        var study = await db.Studies.AsNoTracking().SingleAsync(s => s.Id == studyId);
        var assignments = await db.RaterAssignments.AsNoTracking().Where(a => a.StudyId == studyId && a.Slot != RaterSlot.Adjudicator).ToListAsync();
        var signed = assignments.GroupBy(a => a.RecordingId).Where(g => g.Count() == 2 && g.All(a => a.SignedUtc != null)).Select(g => g.Key).ToList();
        var recordings = await db.Recordings.AsNoTracking().Where(r => signed.Contains(r.Id) && r.DeletedUtc == null && r.Participant!.WithdrawnUtc == null)
            .OrderBy(r => r.Participant!.Code).ThenBy(r => r.Timepoint).Select(r => new { r.Id, r.Participant!.Code, r.Timepoint }).ToListAsync();
        var list = new List<RecordingAgreement>();
        foreach (var r in recordings)
        {
            var spans = await SpansAsync(r.Id);
            var first = assignments.Single(a => a.RecordingId == r.Id && a.Slot == RaterSlot.First);
            var second = assignments.Single(a => a.RecordingId == r.Id && a.Slot == RaterSlot.Second);
            list.Add(new RecordingAgreement(r.Id, r.Code, r.Timepoint, first.UserName, second.UserName, spans, AgreementOf(spans)));
        }
        var awaiting = assignments.Select(a => a.RecordingId).Distinct().Count() - list.Count;
        // Pooled over the study: a participant's spans (of all their recordings) are resampled together for the intervals.
        var byParticipant = list.GroupBy(r => r.Participant).Select(g => (IReadOnlyCollection<(string, string)>)PairsOf(g.SelectMany(r => r.Spans))).ToList();
        return new StudyAgreement(studyId, study.TwoRaters, study.BlindRaters, list, Agreement.Pooled(byParticipant), awaiting);
    }

    /// <summary>
    /// Kappa over the spans both raters decided (a span still pending for either is left out); the
    /// categories are accepted, rejected and each pattern of a mixed span (<see cref="SpanAgreement.AgreementPair"/>).
    /// </summary>
    public static Agreement AgreementOf(IReadOnlyCollection<SpanAgreement> spans) => Agreement.Of(PairsOf(spans));

    private static List<(string, string)> PairsOf(IEnumerable<SpanAgreement> spans) => spans.Select(s => s.AgreementPair).OfType<(string, string)>().ToList();

    /// <summary>
    /// The adjudicator's decision on a span (both raters must have signed): it becomes the decision in
    /// force on every frame of the span. Needs a reason; audited with both raters' verdicts.
    /// </summary>
    public async Task AdjudicateAsync(Guid recordingId, int first, DecisionKind decision, string? reason)
    {
        var studyId = await access.RequireRecordingAsync(recordingId, StudyPermission.Review, "adjudicate reviews");
        if (!Enum.IsDefined(decision)) throw new PortalValidationException("Accept or reject the span.");
        if (string.IsNullOrWhiteSpace(reason)) throw new PortalValidationException("Give the reason for the adjudication.");
        if (!await db.Studies.AnyAsync(st => st.Id == studyId && st.TwoRaters))
            throw new PortalValidationException("This study reviews each recording once: there is nothing to adjudicate.");
        var actor = await access.ActorAsync();
        var assignments = await db.RaterAssignments.AsNoTracking().Where(a => a.RecordingId == recordingId).ToListAsync();
        var adjudicator = assignments.FirstOrDefault(a => a.Slot == RaterSlot.Adjudicator);
        if (adjudicator is not null ? adjudicator.UserId != actor.UserId : assignments.Any(a => a.UserId == actor.UserId))
            throw AccessException.Forbidden(adjudicator is not null ? "adjudicate this recording: another reviewer is its adjudicator" : "adjudicate a recording you rated");
        if (assignments.Count(a => a.Slot != RaterSlot.Adjudicator && a.SignedUtc != null) < 2)
            throw new PortalValidationException("Both raters must sign their reviews before the differences are adjudicated.");
        if (await db.ReviewSignatures.AnyAsync(s => s.RecordingId == recordingId && s.VoidedUtc == null))
            throw new SignedRecordException("This recording's decisions in force are signed and read-only: reopen it with a reason to adjudicate again.");
        var spans = await SpansAsync(recordingId);
        var span = spans.FirstOrDefault(s => s.First == first) ?? throw new PortalValidationException($"No APEX span starts at frame {first}.");
        var frames = Enumerable.Range(span.First, span.Last - span.First + 1).ToList();
        var existing = await db.RaterDecisions.Where(d => d.RecordingId == recordingId && d.Slot == RaterSlot.Adjudicator && frames.Contains(d.FrameIndex)).ToListAsync();
        foreach (var frame in frames)
        {
            var previous = existing.FirstOrDefault(d => d.FrameIndex == frame);
            if (previous is null)
                db.RaterDecisions.Add(new RaterDecision { RecordingId = recordingId, Slot = RaterSlot.Adjudicator, FrameIndex = frame, Decision = decision, Reason = reason.Trim(), Reviewer = actor.Name });
            else
            {
                previous.Decision = decision;
                previous.Reason = reason.Trim();
                previous.Reviewer = actor.Name;
                previous.AtUtc = DateTime.UtcNow;
            }
        }
        await audit.AddAsync("adjudication.decided", "Span", $"{recordingId}:{span.First}-{span.Last}",
            before: new { first = span.First, last = span.Last, firstRater = span.FirstRater?.ToString(), secondRater = span.SecondRater?.ToString(),
                firstRaterFrames = span.FirstFrames, secondRaterFrames = span.SecondFrames, inForce = span.InForce?.ToString() },
            after: new { first = span.First, last = span.Last, adjudicated = decision.ToString() }, reason: reason.Trim(), studyId: studyId, recordingId: recordingId, user: actor.Name);
        await db.SaveChangesAsync();
        await WriteInForceAsync(recordingId, actor.Name);
    }

    /// <summary>
    /// Writes the decisions in force (<see cref="ReviewRules.InForce"/>) to the recording's review
    /// decisions, so the summaries, the export and the cohort use them; audited as one event.
    /// </summary>
    public async Task WriteInForceAsync(Guid recordingId, string user)
    {
        var recording = await db.Recordings.SingleAsync(r => r.Id == recordingId);
        var raters = (await db.RaterDecisions.AsNoTracking().Where(d => d.RecordingId == recordingId).ToListAsync()).ToLookup(d => d.FrameIndex);
        var current = await db.ReviewDecisions.Where(d => d.RecordingId == recordingId).ToDictionaryAsync(d => d.FrameIndex);
        var apex = (await db.FrameResults.AsNoTracking().Where(f => f.RecordingId == recordingId && f.Apex).Select(f => f.FrameIndex).ToListAsync()).ToHashSet();
        var changed = new List<object>();
        foreach (var frame in raters.Select(g => g.Key).Union(current.Keys).Order())
        {
            var of = raters[frame];
            var a = of.FirstOrDefault(d => d.Slot == RaterSlot.First);
            var b = of.FirstOrDefault(d => d.Slot == RaterSlot.Second);
            var adj = of.FirstOrDefault(d => d.Slot == RaterSlot.Adjudicator);
            var inForce = ReviewRules.InForce(a?.Decision, b?.Decision, adj?.Decision);
            var previous = current.GetValueOrDefault(frame);
            if (previous?.Decision == inForce && previous is not null) continue;
            if (inForce is null)
            {
                if (previous is null) continue;
                db.ReviewDecisions.Remove(previous);
            }
            else
            {
                var reviewer = adj is not null ? $"{adj.Reviewer} (adjudicator)" : $"{a!.Reviewer} and {b!.Reviewer}";
                var reason = adj is not null ? adj.Reason : "both raters";
                if (previous is null)
                    db.ReviewDecisions.Add(new ReviewDecision
                    {
                        RecordingId = recordingId, FrameIndex = frame, Decision = inForce.Value, Reason = reason, Reviewer = reviewer,
                        ProtocolVersion = recording.ProtocolVersion, WasApex = apex.Contains(frame),
                    });
                else
                {
                    previous.Decision = inForce.Value;
                    previous.Reason = reason;
                    previous.Reviewer = reviewer;
                    previous.AtUtc = DateTime.UtcNow;
                }
            }
            changed.Add(new { frame, before = previous?.Decision.ToString() ?? "pending", after = inForce?.ToString() ?? "pending" });
        }
        if (changed.Count == 0) return;
        recording.ReviewVersion++;
        await audit.AddAsync("review.in-force", nameof(Recording), recordingId.ToString(), after: new { frames = changed },
            reason: "decisions in force from two independent reviews", studyId: recording.StudyId, recordingId: recordingId, user: user);
        await db.SaveChangesAsync();
    }

    /// <summary>Each machine APEX span with both raters' and the adjudicator's verdicts.</summary>
    public async Task<IReadOnlyList<SpanAgreement>> SpansAsync(Guid recordingId)
    {
        var frames = await db.FrameResults.AsNoTracking().Where(f => f.RecordingId == recordingId).OrderBy(f => f.FrameIndex)
            .Select(f => new ReviewFrame(f.FrameIndex, f.TimeSeconds, f.Usable, null, null, null, null, f.Hpii, f.Apex, f.Smile)).ToListAsync();
        var decisions = (await db.RaterDecisions.AsNoTracking().Where(d => d.RecordingId == recordingId).ToListAsync())
            .ToDictionary(d => (d.Slot, d.FrameIndex), d => d.Decision);
        DecisionKind? At(RaterSlot slot, int frame) => decisions.TryGetValue((slot, frame), out var d) ? d : null;
        SpanVerdict? Of(ApexSpan s, RaterSlot slot) => ReviewRules.SpanVerdictOf(Enumerable.Range(s.First, s.Length).Select(f => At(slot, f)));
        string? FramesOf(ApexSpan s, RaterSlot slot, SpanVerdict? verdict) => verdict == SpanVerdict.Mixed
            ? string.Concat(Enumerable.Range(s.First, s.Length).Select(f => At(slot, f) == DecisionKind.Accepted ? 'A' : 'R')) : null;
        return ReviewModel.FindSpans(frames).Select(s =>
        {
            var (a, b) = (Of(s, RaterSlot.First), Of(s, RaterSlot.Second));
            return new SpanAgreement(s.First, s.Last, a, b, Of(s, RaterSlot.Adjudicator), FramesOf(s, RaterSlot.First, a), FramesOf(s, RaterSlot.Second, b));
        }).ToList();
    }
}
