using PainReview.Pipeline.Scoring;

namespace PainReview.Pipeline.Tests.Unit;

/// <summary>
/// Unit: statistics that count people (one point per participant) and the repeated-measures
/// correlation (Bakdash and Marusich 2017), against numbers worked out by hand on a small table.
/// </summary>
public sealed class PeopleStatisticsTests
{
    // score (x) and VAS (y); P1-P3 three recordings each, P4 one.
    //   P1: (1,2) (2,3) (3,5)   means x 2, y 10/3   dx -1 0 1   dy -4/3 -1/3 5/3   Σdxdy 3   Σdx² 2   Σdy² 42/9
    //   P2: (4,1) (5,1) (6,4)   means x 5, y 2      dx -1 0 1   dy -1 -1 2         Σdxdy 3   Σdx² 2   Σdy² 6
    //   P3: (7,9) (8,7) (9,8)   means x 8, y 8      dx -1 0 1   dy 1 -1 0          Σdxdy -1  Σdx² 2   Σdy² 2
    //   P4: (10,6)              one observation: no within-person change
    private static readonly PersonObservation[] Table =
    [
        new("P1", "week0", 2, 1), new("P1", "week2", 3, 2), new("P1", "week4", 5, 3),
        new("P2", "week0", 1, 4), new("P2", "week2", 1, 5), new("P2", "week4", 4, 6),
        new("P3", "week0", 9, 7), new("P3", "week2", 7, 8), new("P3", "week4", 8, 9),
        new("P4", "week0", 6, 10),
    ];

    [Fact]
    public void Rmcorr_equals_the_hand_computation()
    {
        var rm = PeopleStatistics.RmCorr(Table)!;
        // Σdxdy = 3 + 3 - 1 = 5; Σdx² = 6; Σdy² = 42/9 + 6 + 2 = 38/3; r = 5 / sqrt(6 · 38/3) = 5 / sqrt(76) = 0.573539.
        Assert.Equal(5 / Math.Sqrt(76), rm.R, 12);
        // df = N_obs - N_participants - 1 = 9 - 3 - 1 = 5 (P4 adds one observation and one participant: it cancels).
        Assert.Equal(5, rm.Df);
        Assert.Equal(9, rm.Observations);
        Assert.Equal(3, rm.Participants);
        // t = r · sqrt(df / (1 - r²)) = 0.573539 · sqrt(5 / (51/76)) = 1.565561; two-sided p with 5 df = 0.178227
        // (tables: t(0.90, 5) = 1.476 and t(0.95, 5) = 2.015, so 0.10 < p < 0.20).
        Assert.Equal(0.178227, rm.P, 5);
        // 95% CI: z = atanh(r) = 0.652767, se = 1 / sqrt(df - 1) = 0.5, z ± 1.959964 · 0.5, back through tanh: -0.316003 to 0.926454.
        Assert.Equal(-0.316003, rm.Low, 5);
        Assert.Equal(0.926454, rm.High, 5);
    }

    [Fact]
    public void One_point_per_participant_equals_the_hand_computation()
    {
        var points = PeopleStatistics.Aggregate(Table, byTimepoint: false);
        // Means per participant: P1 (x 2, y 10/3), P2 (5, 2), P3 (8, 8), P4 (10, 6); 3, 3, 3 and 1 recordings.
        Assert.Equal(["P1", "P2", "P3", "P4"], points.Select(p => p.Participant));
        Assert.Equal([2.0, 5, 8, 10], points.Select(p => p.Score));
        Assert.Equal(10.0 / 3, points[0].Vas, 12);
        Assert.Equal([2.0, 8, 6], points.Skip(1).Select(p => p.Vas));
        Assert.Equal([3, 3, 3, 1], points.Select(p => p.Recordings));

        // Pearson over the four people: x mean 6.25, y mean 58/12; Σdxdy = 19.8333, Σdx² = 36.75, Σdy² = 21.6667;
        // r = 19.8333 / sqrt(36.75 · 21.6667) = 0.702863. With df = 2, t / sqrt(t² + 2) = r, so p = 1 - r = 0.297137.
        var r = Correlation.Compute(points.Select(p => p.Score).ToArray(), points.Select(p => p.Vas).ToArray(), CorrelationMethod.Pearson)!;
        Assert.Equal(4, r.N);
        Assert.Equal(0.702863, r.R, 5);
        Assert.Equal(1 - r.R, r.P, 6);
    }

    [Fact]
    public void Several_timepoints_give_one_point_per_participant_and_timepoint()
    {
        Assert.True(PeopleStatistics.SeveralTimepoints(Table));
        var observations = Table.Append(new PersonObservation("P1", " WEEK0 ", 4, 3)).ToList();
        var points = PeopleStatistics.Aggregate(observations, byTimepoint: true);
        // 10 visits (P1 week0 now holds two recordings: VAS (2 + 4) / 2 = 3, score (1 + 3) / 2 = 2).
        Assert.Equal(10, points.Count);
        var visit = points.Single(p => p.Participant == "P1" && p.Timepoint == "week0");
        Assert.Equal((3.0, 2.0, 2), (visit.Vas, visit.Score, visit.Recordings));
    }

    [Fact]
    public void Rmcorr_needs_within_person_change()
    {
        // Every participant seen once: no within-person information at all.
        Assert.Null(PeopleStatistics.RmCorr([new("A", null, 1, 1), new("B", null, 2, 2), new("C", null, 3, 3)]));
    }
}
