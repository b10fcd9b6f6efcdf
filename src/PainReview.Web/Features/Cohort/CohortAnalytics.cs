using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Scoring;
using PainReview.Web.Jobs;

namespace PainReview.Web.Features.Cohort;

/// <summary>One recording on the cohort scatter.</summary>
public sealed record CohortPoint(Guid RecordingId, string Participant, string? Timepoint, double Vas, bool VasCorrected,
    double? HpiiAll, double? HpiiApex, RecordingSummary Summary);

public sealed record CohortReport(string Study, bool ReviewedOnly, AnalysisConfig Config, IReadOnlyList<CohortPoint> Points,
    CohortCorrelations Correlations, DateTime ComputedUtc)
{
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
    public async Task<CohortReport> ComputeAsync(Guid studyId, bool reviewedOnly, AnalysisConfig config, CancellationToken cancellationToken = default)
    {
        await access.RequireStudyAsync(studyId, Access.StudyPermission.Export, "see cohort analytics");
        config.Validate();
        var study = await db.Studies.AsNoTracking().SingleAsync(s => s.Id == studyId, cancellationToken);
        var query = db.Recordings.AsNoTracking().Where(r => r.StudyId == studyId && r.Status == RecordingStatus.Completed && r.UsableFrames > 0
            && r.Participant!.WithdrawnUtc == null);
        if (reviewedOnly) query = query.Where(r => r.ReviewState == ReviewState.Reviewed);
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
            PainScores.Score(frames, config);
            var summary = RecordingSummary.Of(frames, "stored per-frame AUs");
            points.Add(new CohortPoint(r.Id, r.Participant, r.Timepoint, vas.Value, r.Corrected is not null,
                summary.Hpii.MeanAll, summary.Hpii.MeanApex, summary));
        }
        var correlations = CohortCorrelations.Compute(points.Select(p => new CohortRecording(p.RecordingId.ToString(), p.Participant, p.Vas, p.Summary)).ToList());
        var protocol = await Protocols.ProtocolService.CurrentAsync(db, studyId, cancellationToken);
        var behind = await db.Recordings.AsNoTracking().Where(r => r.StudyId == studyId && r.Participant!.WithdrawnUtc == null
            && (r.Status == RecordingStatus.Waiting || (r.Status == RecordingStatus.Completed && r.ProtocolVersion != protocol.Version)))
            .Select(r => r.Status).ToListAsync(cancellationToken);
        return new CohortReport(study.Name, reviewedOnly, config, points, correlations, DateTime.UtcNow)
        {
            ProtocolVersion = protocol.Version, People = PeopleLevel.Of(points),
            Waiting = behind.Count(s => s == RecordingStatus.Waiting), NotYetRescored = behind.Count(s => s == RecordingStatus.Completed),
        };
    }

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
