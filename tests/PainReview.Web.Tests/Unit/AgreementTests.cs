using PainReview.Data.Entities;
using PainReview.Data.Review;

namespace PainReview.Web.Tests.Unit;

/// <summary>Unit: Cohen's kappa and percent agreement against a hand computation, and the two-rater rules in force.</summary>
public sealed class AgreementTests
{
    [Fact]
    public void Kappa_and_intervals_equal_a_hand_computation()
    {
        // Ten spans. Rater A \ rater B:      B accepted  B rejected
        //   A accepted                           4           2        (A: 6 accepted)
        //   A rejected                           1           3        (A: 4 rejected)
        //                                   (B: 5 accepted, 5 rejected)
        // po = (4 + 3) / 10 = 0.7
        // pe = 0.6 * 0.5 + 0.4 * 0.5 = 0.5
        // kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
        // Fleiss-Cohen-Everitt SE, cells p11 = .4, p12 = .2, p21 = .1, p22 = .3; marginals A .6/.4, B .5/.5; 1 - kappa = .6:
        //   diagonal:     .4 (1 - (.6 + .5) .6)^2 + .3 (1 - (.4 + .5) .6)^2 = .4 * .1156 + .3 * .2116 = .10972
        //   off-diagonal: .6^2 (.2 (.5 + .4)^2 + .1 (.5 + .6)^2) = .36 * (.162 + .121) = .10188
        //   minus (kappa - pe (1 - kappa))^2 = (.4 - .3)^2 = .01
        //   var = (.10972 + .10188 - .01) / (10 * .5^2) = .2016 / 2.5 = .08064; SE = 0.2839718
        // 95% CI = 0.4 +- 1.96 * 0.2839718 = [-0.1565848, 0.9565848]
        // Wilson 7/10, z = 1.96: centre = (0.7 + 3.8416/20) / (1 + 3.8416/10) = 0.89208 / 1.38416 = 0.6444920
        //   half = 1.96 sqrt(0.021 + 3.8416/400) / 1.38416 = 1.96 * 0.1749400 / 1.38416 = 0.2477190
        //   = [0.3967730, 0.8922110]
        var pairs = new List<(SpanVerdict, SpanVerdict)>();
        pairs.AddRange(Enumerable.Repeat((SpanVerdict.Accepted, SpanVerdict.Accepted), 4));
        pairs.AddRange(Enumerable.Repeat((SpanVerdict.Accepted, SpanVerdict.Rejected), 2));
        pairs.AddRange(Enumerable.Repeat((SpanVerdict.Rejected, SpanVerdict.Accepted), 1));
        pairs.AddRange(Enumerable.Repeat((SpanVerdict.Rejected, SpanVerdict.Rejected), 3));

        var a = Agreement.Of(pairs);

        Assert.Equal(10, a.N);
        Assert.Equal(7, a.Agreeing);
        Assert.Equal(0.7, a.PercentAgreement!.Value, 9);
        Assert.Equal(0.5, a.ChanceAgreement!.Value, 9);
        Assert.Equal(0.4, a.Kappa!.Value, 9);
        Assert.Equal(0.2839718, a.KappaSe!.Value, 6);
        Assert.Equal(-0.1565848, a.KappaLow!.Value, 6);
        Assert.Equal(0.9565848, a.KappaHigh!.Value, 6);
        Assert.Equal(Agreement.AnalyticInterval, a.Interval);
        Assert.Equal(0.3967730, a.PercentLow!.Value, 5);
        Assert.Equal(0.8922110, a.PercentHigh!.Value, 5);
    }

    [Fact]
    public void Kappa_is_undefined_when_both_raters_use_one_category_and_empty_when_nothing_is_paired()
    {
        // pe = 1 * 1 = 1: kappa's denominator is zero, yet agreement is complete.
        var same = Agreement.Of(Enumerable.Repeat((SpanVerdict.Accepted, SpanVerdict.Accepted), 5).ToList());
        Assert.Equal(1.0, same.PercentAgreement);
        Assert.Null(same.Kappa);
        var none = Agreement.Of(new List<(SpanVerdict, SpanVerdict)>());
        Assert.Equal(0, none.N);
        Assert.Null(none.PercentAgreement);
        Assert.Null(none.Kappa);
    }

    [Fact]
    public void Adjudicated_decisions_win_and_agreed_ones_stand()
    {
        Assert.Equal(DecisionKind.Accepted, ReviewRules.InForce<DecisionKind>(DecisionKind.Accepted, DecisionKind.Accepted, null));
        Assert.Null(ReviewRules.InForce<DecisionKind>(DecisionKind.Accepted, DecisionKind.Rejected, null));
        Assert.Null(ReviewRules.InForce<DecisionKind>(DecisionKind.Accepted, null, null));
        Assert.Equal(DecisionKind.Rejected, ReviewRules.InForce<DecisionKind>(DecisionKind.Accepted, DecisionKind.Rejected, DecisionKind.Rejected));
        Assert.Equal(DecisionKind.Rejected, ReviewRules.InForce<DecisionKind>(DecisionKind.Accepted, DecisionKind.Accepted, DecisionKind.Rejected));

        Assert.Equal(SpanVerdict.Accepted, ReviewRules.SpanVerdictOf([DecisionKind.Accepted, DecisionKind.Accepted]));
        Assert.Equal(SpanVerdict.Mixed, ReviewRules.SpanVerdictOf([DecisionKind.Accepted, DecisionKind.Rejected]));
        Assert.Null(ReviewRules.SpanVerdictOf([DecisionKind.Accepted, null]));
    }

    [Fact]
    public void Two_mixed_verdicts_agree_only_when_the_same_frames_were_accepted()
    {
        // Frames 10-15: rater one accepts 10-12 and rejects 13-15, rater two the reverse.
        var crossed = new PainReview.Web.Features.Review.SpanAgreement(10, 15, SpanVerdict.Mixed, SpanVerdict.Mixed, null, "AAARRR", "RRRAAA");
        Assert.True(crossed.Differs);
        Assert.Null(crossed.InForce);
        Assert.Equal("mixed: accepted 10-12, rejected 13-15", crossed.Describe(crossed.FirstRater, crossed.FirstFrames));
        Assert.Equal("mixed: rejected 10-12, accepted 13-15", crossed.Describe(crossed.SecondRater, crossed.SecondFrames));
        var same = crossed with { SecondFrames = "AAARRR" };
        Assert.False(same.Differs);
        Assert.Equal(SpanVerdict.Mixed, same.InForce);
        Assert.Equal(SpanVerdict.Accepted, (crossed with { Adjudicated = SpanVerdict.Accepted }).InForce);
        Assert.Equal("accepted", crossed.Describe(SpanVerdict.Accepted, null));
        Assert.Equal("pending", crossed.Describe(null, null));

        // Kappa by hand over four spans: accepted/accepted, rejected/rejected, the crossed mixed pair and the identical one.
        // Categories: accepted, rejected, "mixed AAARRR", "mixed RRRAAA". Agreeing 3 of 4: po = 0.75.
        // Marginals, rater one: A 1/4, R 1/4, AAARRR 2/4; rater two: A 1/4, R 1/4, AAARRR 1/4, RRRAAA 1/4.
        // pe = 1/16 + 1/16 + 2/16 = 0.25; kappa = (0.75 - 0.25) / 0.75 = 2/3.
        var spans = new[]
        {
            new PainReview.Web.Features.Review.SpanAgreement(0, 1, SpanVerdict.Accepted, SpanVerdict.Accepted, null),
            new PainReview.Web.Features.Review.SpanAgreement(3, 4, SpanVerdict.Rejected, SpanVerdict.Rejected, null),
            crossed, same with { First = 20, Last = 25 },
        };
        var agreement = PainReview.Web.Features.Review.TwoRaterService.AgreementOf(spans);
        Assert.Equal(4, agreement.N);
        Assert.Equal(3, agreement.Agreeing);
        Assert.Equal(0.25, agreement.ChanceAgreement!.Value, 12);
        Assert.Equal(2.0 / 3, agreement.Kappa!.Value, 12);
    }

    [Fact]
    public void A_study_pools_every_span_and_resamples_whole_participants_for_its_intervals()
    {
        (SpanVerdict, SpanVerdict)[] Table(int aa, int ar, int ra, int rr) =>
        [
            .. Enumerable.Repeat((SpanVerdict.Accepted, SpanVerdict.Accepted), aa), .. Enumerable.Repeat((SpanVerdict.Accepted, SpanVerdict.Rejected), ar),
            .. Enumerable.Repeat((SpanVerdict.Rejected, SpanVerdict.Accepted), ra), .. Enumerable.Repeat((SpanVerdict.Rejected, SpanVerdict.Rejected), rr),
        ];
        // Five participants with the same table: every resample is that table again, so the interval is the point (kappa 0.4).
        var alike = Enumerable.Range(0, 5).Select(_ => (IReadOnlyCollection<(SpanVerdict, SpanVerdict)>)Table(4, 2, 1, 3)).ToList();
        var same = Agreement.Pooled(alike);
        Assert.Equal((50, 35), (same.N, same.Agreeing));
        Assert.Equal(0.4, same.Kappa!.Value, 9);
        Assert.Equal(0.4, same.KappaLow!.Value, 9);
        Assert.Equal(0.4, same.KappaHigh!.Value, 9);
        Assert.Equal(0.7, same.PercentLow!.Value, 9);
        Assert.StartsWith("percentile bootstrap over 5 participants", same.Interval);

        // Participants who differ (two agree on everything, two on nothing, one in between): the pooled point estimate is
        // the plain one over every span, but the interval is wider than if the 50 spans were independent.
        var apart = new List<IReadOnlyCollection<(SpanVerdict, SpanVerdict)>> { Table(5, 0, 0, 5), Table(5, 0, 0, 5), Table(0, 5, 5, 0), Table(0, 5, 5, 0), Table(4, 2, 1, 3) };
        var pooled = Agreement.Pooled(apart);
        var flat = Agreement.Of(apart.SelectMany(c => c).ToList());
        Assert.Equal(flat.Kappa, pooled.Kappa);
        Assert.Equal(flat.PercentAgreement, pooled.PercentAgreement);
        Assert.True(pooled.KappaHigh - pooled.KappaLow > 1.5 * (flat.KappaHigh - flat.KappaLow), $"{pooled} vs {flat}");
        Assert.InRange(pooled.Kappa!.Value, pooled.KappaLow!.Value, pooled.KappaHigh!.Value);
        // The same decisions give the same interval (a fixed seed), and one participant alone gets the analytic interval.
        Assert.Equal(pooled, Agreement.Pooled(apart));
        Assert.Equal(Agreement.Of(apart[4]), Agreement.Pooled([apart[4]]));
    }
}
