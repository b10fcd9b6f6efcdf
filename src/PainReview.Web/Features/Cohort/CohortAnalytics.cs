using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Data.Review;
using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Scoring;
using PainReview.Web.Jobs;

namespace PainReview.Web.Features.Cohort;

/// <summary>Whose decisions say which APEX frames are accepted: the decisions in force, or (two independent reviews) one rater's own.</summary>
public enum DecisionSource
{
    /// <summary>The decisions in force: a single review's, or the spans both raters decided alike and the adjudicator's decisions.</summary>
    InForce,
    FirstRater,
    SecondRater,
}

/// <summary>One recording on the cohort scatter.</summary>
/// <param name="HpiiAccepted">HPII over the APEX frames accepted (or added) in the chosen decisions; null when none is.</param>
public sealed record CohortPoint(Guid RecordingId, string Participant, string? Timepoint, double Vas, bool VasCorrected,
    double? HpiiAll, double? HpiiApex, RecordingSummary Summary, double? HpiiAccepted = null);

public sealed record CohortReport(string Study, bool ReviewedOnly, AnalysisConfig Config, IReadOnlyList<CohortPoint> Points,
    CohortCorrelations Correlations, DateTime ComputedUtc)
{
    /// <summary>Whose decisions the accepted-APEX figures use.</summary>
    public DecisionSource Decisions { get; init; }
    /// <summary>How a decision source reads on the page and in the report.</summary>
    public static string Describe(DecisionSource source) => source switch
    {
        DecisionSource.FirstRater => "the first rater's",
        DecisionSource.SecondRater => "the second rater's",
        _ => "in force (adjudicated where the raters differed)",
    };
    /// <summary>HPII over accepted APEX frames against VAS, one point per recording with an accepted frame.</summary>
    public CorrelationPair HpiiAccepted => CorrelationPair.Of(Points.Where(p => p.HpiiAccepted.HasValue).Select(p => (p.HpiiAccepted!.Value, p.Vas)).ToList());

    /// <summary>The study protocol version the stored AUs were measured under (baseline, smoothing, quality limits).</summary>
    public int ProtocolVersion { get; init; } = 1;
    /// <summary>Recordings still scored under an earlier protocol version (re-scoring under way), or waiting for a neutral recording.</summary>
    public int NotYetRescored { get; init; }
    public int Waiting { get; init; }
    public required PeopleLevel People { get; init; }

    /// <summary>How many participants the recordings matching the filter belong to.</summary>
    public int ParticipantsWhere(Func<CohortPoint, bool> filter) => Points.Where(filter).Select(p => p.Participant).Distinct().Count();
}

/// <summary>One score against VAS counting people: between people (one point each) and within people (rmcorr).</summary>
public sealed record PeopleCorrelation(string Score, IReadOnlyList<PersonPoint> Points, CorrelationPair Between, RepeatedMeasuresCorrelation? Within,
    int Participants, int Recordings);

/// <summary>The cohort counted in people: one point per participant (and timepoint where the study has several).</summary>
public sealed record PeopleLevel(bool ByTimepoint, PeopleCorrelation HpiiAll, PeopleCorrelation HpiiApex)
{
    public static PeopleLevel Of(IReadOnlyList<CohortPoint> points)
    {
        var byTimepoint = PeopleStatistics.SeveralTimepoints(points.Select(p => new PersonObservation(p.Participant, p.Timepoint, p.Vas, 0)));
        PeopleCorrelation For(string name, Func<CohortPoint, double?> score)
        {
            var observations = points.Where(p => score(p).HasValue).Select(p => new PersonObservation(p.Participant, p.Timepoint, p.Vas, score(p)!.Value)).ToList();
            var people = PeopleStatistics.Aggregate(observations, byTimepoint);
            var rm = byTimepoint || observations.GroupBy(o => o.Participant).Any(g => g.Count() > 1) ? PeopleStatistics.RmCorr(observations) : null;
            return new PeopleCorrelation(name, people, CorrelationPair.Of(people.Select(p => (p.Score, p.Vas)).ToList()), rm,
                observations.Select(o => o.Participant).Distinct().Count(), observations.Count);
        }
        return new PeopleLevel(byTimepoint, For("HPII, all frames", p => p.HpiiAll), For("HPII, APEX frames", p => p.HpiiApex));
    }
}

/// <summary>
/// HPII against VAS across a study, recomputed from the stored per-frame AUs with any HPII
/// weights, APEX strategy or first-quartile filter, without re-analysing a single video.
/// </summary>
public sealed class CohortAnalytics(PainReviewDbContext db, Access.StudyAccess access)
{
    /// <param name="decisions">
    /// Whose decisions define the accepted APEX frames. A rater's own apply to two-rater studies only;
    /// "reviewed only" then means the recordings that rater signed.
    /// </param>
    public async Task<CohortReport> ComputeAsync(Guid studyId, bool reviewedOnly, AnalysisConfig config, CancellationToken cancellationToken = default,
        DecisionSource decisions = DecisionSource.InForce)
    {
        await access.RequireStudyAsync(studyId, Access.StudyPermission.Export, "see cohort analytics");
        if (!Enum.IsDefined(decisions)) throw new Recordings.PortalValidationException("Choose the decisions in force, the first rater's or the second rater's.");
        config.Validate();
        var study = await db.Studies.AsNoTracking().SingleAsync(s => s.Id == studyId, cancellationToken);
        RaterSlot? slot = decisions switch { DecisionSource.FirstRater => RaterSlot.First, DecisionSource.SecondRater => RaterSlot.Second, _ => null };
        if (slot is not null && !study.TwoRaters)
            throw new Recordings.PortalValidationException("This study is reviewed once: there are no separate raters' decisions, only the decisions in force.");
        var query = db.Recordings.AsNoTracking().Where(r => r.StudyId == studyId && r.Status == RecordingStatus.Completed && r.UsableFrames > 0
            && r.Participant!.WithdrawnUtc == null);
        if (reviewedOnly)
            query = slot is { } signedBy
                ? query.Where(r => db.RaterAssignments.Any(a => a.RecordingId == r.Id && a.Slot == signedBy && a.SignedUtc != null))
                : query.Where(r => r.ReviewState == ReviewState.Reviewed);
        var recordings = await query.OrderBy(r => r.UploadedUtc).Select(r => new
        {
            r.Id, Participant = r.Participant!.Code, r.Timepoint, r.VasSelfReport,
            Corrected = r.VasCorrections.OrderByDescending(c => c.AtUtc).ThenByDescending(c => c.Id).Select(c => (double?)c.Value).FirstOrDefault(),
        }).ToListAsync(cancellationToken);

        var points = new List<CohortPoint>();
        foreach (var r in recordings)
        {
            var vas = r.Corrected ?? r.VasSelfReport;
            if (vas is null) continue; // no label, nothing to correlate
            var frames = await FramesAsync(r.Id, cancellationToken);
            // The machine's APEX frames the reviewers decided on, before the cohort's settings pick their own.
            var reviewedApex = frames.Where(f => f.Apex).Select(f => f.Index).ToHashSet();
            PainScores.Score(frames, config);
            var summary = RecordingSummary.Of(frames, "stored per-frame AUs");
            var decided = await DecisionsAsync(r.Id, slot, cancellationToken);
            var accepted = frames.Where(f => f.Hpii.HasValue && ReviewRules.CountsAsAccepted(ReviewRules.VerdictOf(reviewedApex.Contains(f.Index), decided.GetValueOrDefault(f.Index))))
                .Select(f => f.Hpii!.Value).ToList();
            points.Add(new CohortPoint(r.Id, r.Participant, r.Timepoint, vas.Value, r.Corrected is not null,
                summary.Hpii.MeanAll, summary.Hpii.MeanApex, summary, accepted.Count > 0 ? accepted.Average() : null));
        }
        var correlations = CohortCorrelations.Compute(points.Select(p => new CohortRecording(p.RecordingId.ToString(), p.Participant, p.Vas, p.Summary)).ToList());
        var protocol = await Protocols.ProtocolService.CurrentAsync(db, studyId, cancellationToken);
        var behind = await db.Recordings.AsNoTracking().Where(r => r.StudyId == studyId && r.Participant!.WithdrawnUtc == null
            && (r.Status == RecordingStatus.Waiting || (r.Status == RecordingStatus.Completed && r.ProtocolVersion != protocol.Version)))
            .Select(r => r.Status).ToListAsync(cancellationToken);
        return new CohortReport(study.Name, reviewedOnly, config, points, correlations, DateTime.UtcNow)
        {
            Decisions = decisions,
            ProtocolVersion = protocol.Version, People = PeopleLevel.Of(points),
            Waiting = behind.Count(s => s == RecordingStatus.Waiting), NotYetRescored = behind.Count(s => s == RecordingStatus.Completed),
        };
    }

    /// <summary>The decisions in force, or one rater's own, by frame.</summary>
    private async Task<Dictionary<int, ReviewDecision>> DecisionsAsync(Guid recordingId, RaterSlot? slot, CancellationToken ct) => slot is { } s
        ? await db.RaterDecisions.AsNoTracking().Where(d => d.RecordingId == recordingId && d.Slot == s)
            .Select(d => new ReviewDecision { RecordingId = d.RecordingId, FrameIndex = d.FrameIndex, Decision = d.Decision, Reason = d.Reason, Reviewer = d.Reviewer, AtUtc = d.AtUtc })
            .ToDictionaryAsync(d => d.FrameIndex, ct)
        : await db.ReviewDecisions.AsNoTracking().Where(d => d.RecordingId == recordingId).ToDictionaryAsync(d => d.FrameIndex, ct);

    private async Task<List<FrameRecord>> FramesAsync(Guid recordingId, CancellationToken ct) =>
        (await db.FrameResults.AsNoTracking().Where(f => f.RecordingId == recordingId).OrderBy(f => f.FrameIndex).ToListAsync(ct))
        .Select(f => f.ToRecord()).ToList();

    /// <summary>Least-squares line y = a + b x (for the scatter's regression line); null with fewer than two distinct x.</summary>
    public static (double Intercept, double Slope)? Regression(IReadOnlyList<(double X, double Y)> points)
    {
        if (points.Count < 2 || points.Select(p => p.X).Distinct().Count() < 2) return null;
        var (intercept, slope) = MathNet.Numerics.Fit.Line(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
        return (intercept, slope);
    }
}
