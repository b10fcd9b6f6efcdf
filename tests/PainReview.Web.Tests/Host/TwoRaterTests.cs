using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data.Entities;
using PainReview.Data.Review;
using PainReview.Web.Features.Access;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Features.Review;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>Host: two independent reviews: blindness, who may decide, agreement and adjudication, all audited.</summary>
[Collection(PortalCollection.Name)]
public sealed class TwoRaterTests(PortalFixture portal) : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();
    private const string First = "rater.one@example.org", Second = "rater.two@example.org", Adjudicator = "adjudicator@example.org", Outsider = "outsider@example.org";

    public void Dispose() => _temp.Dispose();

    private async Task<T> AsAsync<T>(string user, Func<IServiceProvider, Task<T>> work)
    {
        using var scope = await portal.Factory.ScopeAsAsync(user);
        return await work(scope.ServiceProvider);
    }

    private Task AsAsync(string user, Func<IServiceProvider, Task> work) => AsAsync(user, async s => { await work(s); return 0; });

    private Task<ReviewModel> LoadAsync(string user, Guid id) => AsAsync(user, async s => (await s.GetRequiredService<ReviewService>().LoadAsync(id))!);

    private static int[] FramesOf(ApexSpan span) => Enumerable.Range(span.First, span.Length).ToArray();

    private async Task<(Guid Study, Guid Recording)> TwoRaterStudyAsync(string vas = "4")
    {
        var studyId = await portal.Factory.WithDbAsync(async db =>
        {
            var study = new Study { Name = $"Two raters {Guid.NewGuid():N}", CreatedBy = "test" };
            study.Participants.Add(new Participant { Code = PortalFixture.ParticipantCode });
            db.Studies.Add(study);
            await db.SaveChangesAsync();
            await Members.AddRoleUsersAsync(db, study.Id);
            return study.Id;
        });
        foreach (var user in new[] { First, Second, Adjudicator }) await portal.Factory.EnsureMemberAsync(user, Roles.Clinician, studyId);
        await portal.Factory.EnsureMemberAsync(Outsider, Roles.Clinician, portal.StudyId);
        var clip = _temp.File($"{Guid.NewGuid():N}.mp4");
        Ffmpeg.Run("-i", TestEnvironment.Clip("WolfgangLanger_Pexels.mp4"), "-t", "8", "-an", "-c:v", "libx264", "-preset", "ultrafast", "-metadata", $"comment={Guid.NewGuid()}", clip);
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Coordinator));
        var upload = await Uploads.UploadAsync(client, studyId, Path.GetFileName(clip), File.OpenRead(clip), vas: vas);
        Assert.Equal(RecordingStatus.Completed, (await portal.Factory.WaitForAnalysisAsync(upload.Id)).Status);
        return (studyId, upload.Id);
    }

    [Fact]
    public async Task Two_raters_review_blind_agreement_is_kappa_and_the_adjudicator_sets_the_decisions_in_force()
    {
        var (studyId, id) = await TwoRaterStudyAsync();
        var coordinator = PortalFactory.EmailOf(Roles.Coordinator);
        // Only a Coordinator changes the setting, with a reason, audited.
        await Assert.ThrowsAsync<AccessException>(() => AsAsync(First, s => s.GetRequiredService<TwoRaterService>().SetModeAsync(studyId, true, true, "publication")));
        await Assert.ThrowsAsync<PortalValidationException>(() => AsAsync(coordinator, s => s.GetRequiredService<TwoRaterService>().SetModeAsync(studyId, true, true, " ")));
        await AsAsync(coordinator, s => s.GetRequiredService<TwoRaterService>().SetModeAsync(studyId, true, true, "the paper needs inter-rater agreement"));
        // Assignments: Clinicians of the study only, three different people.
        await Assert.ThrowsAsync<PortalValidationException>(() => AsAsync(coordinator, s => s.GetRequiredService<TwoRaterService>().AssignAsync(id, RaterSlot.First, Outsider)));
        await AsAsync(coordinator, async s =>
        {
            var raters = s.GetRequiredService<TwoRaterService>();
            await raters.AssignAsync(id, RaterSlot.First, First);
            await raters.AssignAsync(id, RaterSlot.Second, Second);
            await raters.AssignAsync(id, RaterSlot.Adjudicator, Adjudicator);
        });
        await Assert.ThrowsAsync<PortalValidationException>(() => AsAsync(coordinator, s => s.GetRequiredService<TwoRaterService>().AssignAsync(id, RaterSlot.Second, First)));

        var model = await LoadAsync(First, id);
        var spans = model.Spans;
        Assert.True(spans.Count >= 2, $"the clip gives {spans.Count} APEX span(s); the test needs two");
        // Blinded to VAS and HPII.
        Assert.True(model.BlindedToLabels);
        Assert.Null(model.Recording.VasSelfReport);
        Assert.All(model.Frames, f => Assert.Null(f.Hpii));

        // A non-member gets the answer of a missing recording; an unassigned member of the study is refused.
        await Assert.ThrowsAsync<AccessException>(() => AsAsync(Outsider, s => s.GetRequiredService<ReviewService>().DecideAsync(id, 0, FramesOf(spans[0]), DecisionKind.Accepted, null)));
        var unassigned = await Assert.ThrowsAsync<AccessException>(() =>
            AsAsync(PortalFactory.EmailOf(Roles.Clinician), s => s.GetRequiredService<ReviewService>().DecideAsync(id, 0, FramesOf(spans[0]), DecisionKind.Accepted, null)));
        Assert.Equal(403, unassigned.StatusCode);

        // Rater one: reject, accept, reject, ... Rater two: reject all.
        var firstVerdicts = spans.Select((_, i) => i % 2 == 0 ? DecisionKind.Rejected : DecisionKind.Accepted).ToList();
        for (var i = 0; i < spans.Count; i++)
        {
            var span = spans[i];
            var kind = firstVerdicts[i];
            await AsAsync(First, s => s.GetRequiredService<ReviewService>().DecideAsync(id, 0, FramesOf(span), kind, null));
        }
        // Rater two sees none of rater one's decisions.
        var second = await LoadAsync(Second, id);
        Assert.Empty(second.Decisions);
        Assert.All(second.Spans, s => Assert.Equal(FrameVerdict.Pending, second.VerdictOf(s.First)));
        foreach (var span in spans)
            await AsAsync(Second, s => s.GetRequiredService<ReviewService>().DecideAsync(id, 0, FramesOf(span), DecisionKind.Rejected, null));
        var firstAgain = await LoadAsync(First, id);
        Assert.Equal(firstVerdicts.Count(v => v == DecisionKind.Accepted), firstAgain.Spans.Count(s => firstAgain.VerdictOf(s.First) == FrameVerdict.Accepted));

        // Nothing shows agreement before both have signed.
        await AsAsync(First, s => s.GetRequiredService<ReviewService>().SignAsync(id, 0, PortalFactory.Password, "Reviewed"));
        Assert.Empty((await AsAsync(coordinator, s => s.GetRequiredService<TwoRaterService>().AgreementAsync(studyId))).Recordings);
        await Assert.ThrowsAsync<SignedRecordException>(() => AsAsync(First, s => s.GetRequiredService<ReviewService>().DecideAsync(id, 0, FramesOf(spans[0]), DecisionKind.Accepted, null)));
        await AsAsync(Second, s => s.GetRequiredService<ReviewService>().SignAsync(id, 0, PortalFactory.Password, "Reviewed"));

        // Kappa by hand on the same decisions: a = both accept, b = one accepts two rejects, c = the reverse, d = both reject.
        var n = spans.Count;
        int a = 0, b = firstVerdicts.Count(v => v == DecisionKind.Accepted), c = 0, d = firstVerdicts.Count(v => v == DecisionKind.Rejected);
        var po = (double)(a + d) / n;
        var pe = (double)(a + b) / n * (a + c) / n + (double)(c + d) / n * (b + d) / n;
        var agreement = await AsAsync(coordinator, s => s.GetRequiredService<TwoRaterService>().AgreementAsync(studyId));
        var recording = Assert.Single(agreement.Recordings);
        Assert.Equal(n, recording.Agreement.N);
        Assert.Equal(po, recording.Agreement.PercentAgreement!.Value, 9);
        Assert.Equal((po - pe) / (1 - pe), recording.Agreement.Kappa!.Value, 9);
        Assert.Equal(recording.Agreement.Kappa, agreement.Pooled.Kappa);
        Assert.Equal(b, recording.Differences.Count());

        // Agreed spans are in force already; the differences wait for the adjudicator.
        var before = await LoadAsync(Adjudicator, id);
        Assert.Equal(FrameVerdict.Rejected, before.VerdictOf(spans[0].First));
        Assert.Equal(FrameVerdict.Pending, before.VerdictOf(spans[1].First));
        await Assert.ThrowsAsync<PortalValidationException>(() => AsAsync(Adjudicator, s => s.GetRequiredService<ReviewService>().SignAsync(id, 0, PortalFactory.Password, "Approved")));
        // A rater cannot adjudicate; a reason is needed.
        await Assert.ThrowsAsync<AccessException>(() => AsAsync(First, s => s.GetRequiredService<TwoRaterService>().AdjudicateAsync(id, spans[1].First, DecisionKind.Accepted, "mine")));
        await Assert.ThrowsAsync<PortalValidationException>(() => AsAsync(Adjudicator, s => s.GetRequiredService<TwoRaterService>().AdjudicateAsync(id, spans[1].First, DecisionKind.Accepted, "")));
        foreach (var difference in recording.Differences)
            await AsAsync(Adjudicator, s => s.GetRequiredService<TwoRaterService>().AdjudicateAsync(id, difference.First, DecisionKind.Accepted, "brow lowering is clear"));

        var after = await LoadAsync(Adjudicator, id);
        for (var i = 0; i < n; i++)
            Assert.Equal(i % 2 == 0 ? FrameVerdict.Rejected : FrameVerdict.Accepted, after.VerdictOf(spans[i].First));
        var events = await portal.Factory.WithDbAsync(db => db.AuditEvents.Where(e => e.RecordingId == id).Select(e => new { e.Action, e.User, e.Reason }).ToListAsync());
        Assert.Equal(b, events.Count(e => e.Action == "adjudication.decided" && e.User == Adjudicator && e.Reason == "brow lowering is clear"));
        Assert.Equal(2, events.Count(e => e.Action == "rater.signed"));
        Assert.Contains(events, e => e.Action == "rater.assigned");
        Assert.Equal(1, await portal.Factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.StudyId == studyId && e.Action == "study.review-mode")));
        // Everything resolved: the decisions in force are signed as usual.
        await AsAsync(Adjudicator, s => s.GetRequiredService<ReviewService>().SignAsync(id, after.Recording.ReviewVersion, PortalFactory.Password, "Approved"));
        Assert.True((await LoadAsync(Adjudicator, id)).IsSigned);

        // The export carries each rater's decisions and the adjudicator's, beside the decisions in force.
        var rows = await AsAsync(PortalFactory.EmailOf(Roles.DataManager), async s =>
        {
            var file = await s.GetRequiredService<PainReview.Web.Features.Export.ExportService>()
                .ExportAsync(studyId, PainReview.Data.Export.ExportFormat.Csv, false, false, CancellationToken.None);
            try
            {
                using var zip = System.IO.Compression.ZipFile.OpenRead(file.Path);
                using var reader = new StreamReader(zip.GetEntry("rater_decisions.csv")!.Open());
                return (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
            }
            finally
            {
                File.Delete(file.Path);
            }
        });
        var frames = spans.Sum(s => s.Length);
        Assert.Equal(frames, rows.Count(r => r.Contains(",first,", StringComparison.Ordinal)));
        Assert.Equal(frames, rows.Count(r => r.Contains(",second,", StringComparison.Ordinal)));
        Assert.Equal(recording.Differences.Sum(s => s.Last - s.First + 1), rows.Count(r => r.Contains(",adjudicator,", StringComparison.Ordinal)));
        // Each rater's rows say when that rater signed (the last column); the adjudicator signs nothing.
        Assert.All(rows.Where(r => !r.Contains(",adjudicator,", StringComparison.Ordinal)), r => Assert.Matches(@",\d{4}-\d\d-\d\dT[^,]+$", r.TrimEnd('\r')));
        Assert.All(rows.Where(r => r.Contains(",adjudicator,", StringComparison.Ordinal)), r => Assert.EndsWith(",", r.TrimEnd('\r')));
    }

    /// <summary>A two-rater study (not blinded to labels) whose recording has both raters and the adjudicator assigned.</summary>
    private async Task<(Guid StudyId, Guid RecordingId)> AssignedTwoRaterStudyAsync()
    {
        var (studyId, id) = await TwoRaterStudyAsync();
        var coordinator = PortalFactory.EmailOf(Roles.Coordinator);
        await AsAsync(coordinator, s => s.GetRequiredService<TwoRaterService>().SetModeAsync(studyId, true, false, "inter-rater agreement"));
        await AsAsync(coordinator, async s =>
        {
            var raters = s.GetRequiredService<TwoRaterService>();
            await raters.AssignAsync(id, RaterSlot.First, First);
            await raters.AssignAsync(id, RaterSlot.Second, Second);
            await raters.AssignAsync(id, RaterSlot.Adjudicator, Adjudicator);
        });
        return (studyId, id);
    }

    [Fact]
    public async Task A_raters_bulk_decision_is_one_event_on_their_own_decisions_and_the_other_rater_stays_blind()
    {
        var (_, id) = await AssignedTwoRaterStudyAsync();
        var spans = (await LoadAsync(First, id)).Spans;
        Assert.NotEmpty(spans);

        // The adjudicator does not decide before the raters, in bulk either.
        var refused = await Assert.ThrowsAsync<AccessException>(() =>
            AsAsync(Adjudicator, s => s.GetRequiredService<ReviewService>().DecideSpansAsync(id, 0, SpanSelection.All, DecisionKind.Rejected, null)));
        Assert.Equal(403, refused.StatusCode);

        var decided = await AsAsync(First, s => s.GetRequiredService<ReviewService>().DecideSpansAsync(id, 0, SpanSelection.Pending, DecisionKind.Rejected, "no pain"));
        Assert.Equal(spans.Count, decided.Count);
        var frames = spans.Sum(s => s.Length);
        Assert.Equal(frames, await portal.Factory.WithDbAsync(db => db.RaterDecisions.CountAsync(d => d.RecordingId == id && d.Slot == RaterSlot.First && d.Decision == DecisionKind.Rejected)));
        Assert.Equal(0, await portal.Factory.WithDbAsync(db => db.ReviewDecisions.CountAsync(d => d.RecordingId == id)));
        var events = await portal.Factory.WithDbAsync(db => db.AuditEvents.Where(e => e.RecordingId == id && e.Action.StartsWith("rater.") && e.Action != "rater.assigned").ToListAsync());
        var bulk = Assert.Single(events);
        Assert.Equal(("rater.bulk-rejected", First, "no pain"), (bulk.Action, bulk.User, bulk.Reason));
        Assert.Contains("\"slot\":\"First\"", bulk.After);

        // Rater two still sees every span pending, and their own bulk decision is theirs alone.
        var second = await LoadAsync(Second, id);
        Assert.Empty(second.Decisions);
        Assert.Equal(spans.Count, second.SpansIn(SpanSelection.Pending).Count);
        var firstView = await LoadAsync(First, id);
        Assert.Empty(firstView.SpansIn(SpanSelection.Pending));
        await Assert.ThrowsAsync<PortalValidationException>(() =>
            AsAsync(First, s => s.GetRequiredService<ReviewService>().DecideSpansAsync(id, 0, SpanSelection.Pending, DecisionKind.Accepted, null)));

        await AsAsync(First, s => s.GetRequiredService<ReviewService>().SignAsync(id, 0, PortalFactory.Password, "Reviewed"));
        await Assert.ThrowsAsync<SignedRecordException>(() =>
            AsAsync(First, s => s.GetRequiredService<ReviewService>().DecideSpansAsync(id, 0, SpanSelection.All, DecisionKind.Accepted, null)));

        // The audit page does not show rater two the other rater's events (the bulk decision, the signature) until both have signed.
        await AsAsync(Second, s => s.GetRequiredService<ReviewService>().DecideSpansAsync(id, 0, SpanSelection.All, DecisionKind.Accepted, "pain"));
        var secondClient = await portal.Factory.SignedInAsync(Second);
        async Task<string> AuditPageAsync()
        {
            var response = await secondClient.GetAsync($"/audit?recording={id}", TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            return System.Net.WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
        var blind = await AuditPageAsync();
        Assert.Contains("rater.bulk-accepted", blind);
        Assert.DoesNotContain("rater.bulk-rejected", blind);
        Assert.DoesNotContain("rater.signed", blind);
        Assert.DoesNotContain("no pain", blind);
        await AsAsync(Second, s => s.GetRequiredService<ReviewService>().SignAsync(id, 0, PortalFactory.Password, "Reviewed"));
        var open = await AuditPageAsync();
        Assert.Contains("rater.bulk-rejected", open);
        Assert.Contains("no pain", open);
    }

    [Fact]
    public async Task Raters_who_split_a_span_differently_leave_it_to_the_adjudicator_and_no_frame_pending_in_force()
    {
        var (studyId, id) = await AssignedTwoRaterStudyAsync();
        // The queue: the raters have their rating to do; the adjudicator and another clinician of the study nothing yet, and
        // "next recording" never sends them to another pair's rating.
        Task<QueueEntry> EntryAsync(string user) => AsAsync(user, async s => (await s.GetRequiredService<ReviewQueueService>().ListAsync(studyId)).Single(r => r.Id == id));
        Task<QueueEntry?> NextAsync(string user) => AsAsync(user, s => s.GetRequiredService<ReviewQueueService>().NextAsync(Guid.Empty));
        Assert.True((await EntryAsync(First)).ActionableForMe);
        Assert.Equal("waiting for your rating", (await EntryAsync(Second)).Status);
        foreach (var idle in new[] { Adjudicator, PortalFactory.EmailOf(Roles.Clinician) })
        {
            Assert.False((await EntryAsync(idle)).ActionableForMe);
            Assert.Equal("raters at work (0 of 2 signed)", (await EntryAsync(idle)).Status);
            Assert.NotEqual(id, (await NextAsync(idle))?.Id);
        }
        var spans = (await LoadAsync(First, id)).Spans;
        var span = spans.FirstOrDefault(s => s.Length >= 2) ?? throw new InvalidOperationException("the clip has no APEX span of two frames or more");
        var frames = FramesOf(span);
        var (head, tail) = (frames[..(frames.Length / 2)], frames[(frames.Length / 2)..]);
        // Every other span: both accept. The split span: rater one accepts its first half, rater two its second half.
        foreach (var rater in new[] { First, Second })
            await AsAsync(rater, s => s.GetRequiredService<ReviewService>().DecideSpansAsync(id, 0, SpanSelection.All, DecisionKind.Accepted, null));
        await AsAsync(First, s => s.GetRequiredService<ReviewService>().DecideAsync(id, 0, tail, DecisionKind.Rejected, null));
        await AsAsync(Second, s => s.GetRequiredService<ReviewService>().DecideAsync(id, 0, head, DecisionKind.Rejected, null));
        foreach (var rater in new[] { First, Second })
            await AsAsync(rater, s => s.GetRequiredService<ReviewService>().SignAsync(id, 0, PortalFactory.Password, "Reviewed"));
        Assert.False((await EntryAsync(First)).ActionableForMe);
        Assert.Equal("you signed; waiting for the other rater or the adjudicator", (await EntryAsync(First)).Status);
        Assert.True((await EntryAsync(Adjudicator)).ActionableForMe);

        // Both verdicts are "mixed", but not on the same frames: a difference, not an agreement.
        var recording = Assert.Single((await AsAsync(PortalFactory.EmailOf(Roles.Coordinator), s => s.GetRequiredService<TwoRaterService>().AgreementAsync(studyId))).Recordings);
        var split = Assert.Single(recording.Differences);
        Assert.Equal((span.First, SpanVerdict.Mixed, SpanVerdict.Mixed), (split.First, split.FirstRater!.Value, split.SecondRater!.Value));
        Assert.Equal(1, recording.Unresolved);
        Assert.Equal(spans.Count - 1, recording.Agreement.Agreeing);
        // The agreement page names the frames each rater accepted.
        var page = System.Net.WebUtility.HtmlDecode(await (await portal.Factory.SignedInAsync(Adjudicator)).GetStringAsync($"/studies/{studyId}/agreement", TestContext.Current.CancellationToken));
        Assert.Contains($"mixed: accepted {head[0]}{(head.Length > 1 ? $"-{head[^1]}" : "")}, rejected {tail[0]}{(tail.Length > 1 ? $"-{tail[^1]}" : "")}", page);

        // No frame of the split span is in force, so the decisions in force cannot be signed yet.
        var before = await LoadAsync(Adjudicator, id);
        Assert.All(frames, f => Assert.Equal(FrameVerdict.Pending, before.VerdictOf(f)));
        var refused = await Assert.ThrowsAsync<PortalValidationException>(() =>
            AsAsync(Adjudicator, s => s.GetRequiredService<ReviewService>().SignAsync(id, before.Recording.ReviewVersion, PortalFactory.Password, "Approved")));
        Assert.Contains("wait for the adjudicator", refused.Message);

        await AsAsync(Adjudicator, s => s.GetRequiredService<TwoRaterService>().AdjudicateAsync(id, span.First, DecisionKind.Rejected, "no brow lowering"));
        var after = await LoadAsync(Adjudicator, id);
        Assert.All(frames, f => Assert.Equal(FrameVerdict.Rejected, after.VerdictOf(f)));
        Assert.Equal(0, after.Tally.Pending);
        var audit = await portal.Factory.WithDbAsync(db => db.AuditEvents.SingleAsync(e => e.RecordingId == id && e.Action == "adjudication.decided"));
        Assert.Contains("\"firstRater\":\"Mixed\"", audit.Before);
        Assert.Contains("\"firstRaterFrames\":\"", audit.Before);
        await AsAsync(Adjudicator, s => s.GetRequiredService<ReviewService>().SignAsync(id, after.Recording.ReviewVersion, PortalFactory.Password, "Approved"));
    }

    [Fact]
    public async Task The_cohort_uses_either_raters_decisions_or_the_decisions_in_force()
    {
        var (studyId, id) = await AssignedTwoRaterStudyAsync();
        var model = await LoadAsync(First, id);
        // Rater one accepts every span, rater two rejects every span; both sign.
        await AsAsync(First, s => s.GetRequiredService<ReviewService>().DecideSpansAsync(id, 0, SpanSelection.All, DecisionKind.Accepted, null));
        await AsAsync(Second, s => s.GetRequiredService<ReviewService>().DecideSpansAsync(id, 0, SpanSelection.All, DecisionKind.Rejected, null));
        await AsAsync(First, s => s.GetRequiredService<ReviewService>().SignAsync(id, 0, PortalFactory.Password, "Reviewed"));
        await AsAsync(Second, s => s.GetRequiredService<ReviewService>().SignAsync(id, 0, PortalFactory.Password, "Reviewed"));

        // By hand: HPII over every frame of every span (the stored scores, under the study's protocol).
        var spanFrames = model.Spans.SelectMany(s => Enumerable.Range(s.First, s.Length)).ToHashSet();
        var expected = model.Frames.Where(f => spanFrames.Contains(f.Index) && f.Hpii.HasValue).Average(f => f.Hpii!.Value);
        var dataManager = PortalFactory.EmailOf(Roles.DataManager);
        Task<PainReview.Web.Features.Cohort.CohortReport> CohortAsync(Guid study, bool reviewedOnly, PainReview.Web.Features.Cohort.DecisionSource source) =>
            AsAsync(dataManager, async s =>
            {
                var protocol = await PainReview.Web.Features.Protocols.ProtocolService.CurrentAsync(s.GetRequiredService<PainReview.Data.PainReviewDbContext>(), study);
                return await s.GetRequiredService<PainReview.Web.Features.Cohort.CohortAnalytics>().ComputeAsync(study, reviewedOnly, protocol.Config, CancellationToken.None, source);
            });

        var first = Assert.Single((await CohortAsync(studyId, true, PainReview.Web.Features.Cohort.DecisionSource.FirstRater)).Points);
        Assert.Equal(expected, first.HpiiAccepted!.Value, 6);
        var second = Assert.Single((await CohortAsync(studyId, true, PainReview.Web.Features.Cohort.DecisionSource.SecondRater)).Points);
        Assert.Null(second.HpiiAccepted);
        // In force: nothing is signed in force yet, and every span waits for the adjudicator.
        Assert.Empty((await CohortAsync(studyId, true, PainReview.Web.Features.Cohort.DecisionSource.InForce)).Points);
        Assert.Null(Assert.Single((await CohortAsync(studyId, false, PainReview.Web.Features.Cohort.DecisionSource.InForce)).Points).HpiiAccepted);
        foreach (var span in model.Spans)
            await AsAsync(Adjudicator, s => s.GetRequiredService<TwoRaterService>().AdjudicateAsync(id, span.First, DecisionKind.Accepted, "brow lowering is clear"));
        var inForce = await CohortAsync(studyId, false, PainReview.Web.Features.Cohort.DecisionSource.InForce);
        Assert.Equal(expected, Assert.Single(inForce.Points).HpiiAccepted!.Value, 6);
        Assert.Equal(PainReview.Web.Features.Cohort.DecisionSource.InForce, inForce.Decisions);

        // A study reviewed once has no raters' decisions to choose: a sentence, not an error.
        await portal.Factory.EnsureMemberAsync(dataManager, Roles.DataManager, portal.StudyId);
        var once = await Assert.ThrowsAsync<PortalValidationException>(() => CohortAsync(portal.StudyId, false, PainReview.Web.Features.Cohort.DecisionSource.FirstRater));
        Assert.InRange(once.StatusCode, 400, 499);
        // The HTML report says the same with a 4xx sentence; it takes the choice by name.
        var http = await portal.Factory.SignedInAsync(dataManager);
        var ct = TestContext.Current.CancellationToken;
        var bogus = await http.GetAsync($"/data/cohort-report?study={studyId}&decisions=ThirdRater", ct);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bogus.StatusCode);
        Assert.Contains("decisions must be InForce, FirstRater, SecondRater", await bogus.Content.ReadAsStringAsync(ct));
        var single = await http.GetAsync($"/data/cohort-report?study={portal.StudyId}&decisions=FirstRater", ct);
        Assert.Equal(422, (int)single.StatusCode);
        Assert.Contains("reviewed once", await single.Content.ReadAsStringAsync(ct));
        var report = await http.GetAsync($"/data/cohort-report?study={studyId}&reviewedOnly=false&decisions=secondrater", ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, report.StatusCode);
        Assert.Contains("decisions: the second rater", System.Net.WebUtility.HtmlDecode(await report.Content.ReadAsStringAsync(ct)));
    }

    [Fact]
    public async Task A_blinded_rater_sees_no_vas_nor_hpii_of_their_recording_on_its_page_the_study_page_or_the_audit_trail()
    {
        // Distinctive values, so that no other text on the pages can match them.
        var (studyId, id) = await TwoRaterStudyAsync(vas: "6.85");
        var coordinator = PortalFactory.EmailOf(Roles.Coordinator);
        await AsAsync(coordinator, s => s.GetRequiredService<TwoRaterService>().SetModeAsync(studyId, true, true, "blind the raters to the labels"));
        await AsAsync(coordinator, async s =>
        {
            var raters = s.GetRequiredService<TwoRaterService>();
            await raters.AssignAsync(id, RaterSlot.First, First);
            await raters.AssignAsync(id, RaterSlot.Second, Second);
        });
        // A corrected self-report (audited before and after, the original shown beside the value in force), its reason naming the value.
        await AsAsync(coordinator, s => s.GetRequiredService<RecordCorrections>().CorrectRecordingAsync(id, "vasSelfReport", "7.35", "transcribed as 6.85, the form says 7.35"));
        var analysed = await portal.Factory.WithDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.RecordingId == id && e.Action == "analysis.completed"));
        var analysedHpii = System.Text.Json.JsonDocument.Parse(analysed.After!).RootElement.GetProperty("hpiiMeanAll").GetRawText();
        Assert.Contains('.', analysedHpii);
        await portal.Factory.WithDbAsync(async db =>
        {
            var recording = await db.Recordings.SingleAsync(r => r.Id == id);
            (recording.HpiiMeanAll, recording.HpiiMeanApex, recording.HpiiPeak) = (8.761, 6.543, 9.871);
            return await db.SaveChangesAsync();
        });
        string[] labels = ["6.85", "7.35", "8.76", "6.54", "9.87"];
        var ct = TestContext.Current.CancellationToken;
        async Task<string> PageAsync(HttpClient client, string url)
        {
            var response = await client.GetAsync(url, ct);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            return System.Net.WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(ct));
        }

        // The Coordinator (not a rater) sees every value on the recording and study pages.
        var open = await portal.Factory.SignedInAsync(coordinator);
        var recordingPage = await PageAsync(open, $"/recordings/{id}");
        Assert.All(labels, v => Assert.Contains(v, recordingPage));
        var studyPage = await PageAsync(open, $"/studies/{studyId}");
        Assert.All(new[] { "7.35", "8.76 / 6.54" }, v => Assert.Contains(v, studyPage));
        // The Coordinator does not read the audit trail; a Data Manager (not a rater either) sees every value there.
        var auditPage = await PageAsync(await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.DataManager)), $"/audit?recording={id}");
        Assert.All(new[] { "6.85", "7.35", analysedHpii }, v => Assert.Contains(v, auditPage));

        // A blinded rater sees the recording, its row and its events, never its labels: the prerendered pages carry "blinded" instead.
        foreach (var rater in new[] { First, Second })
        {
            var blind = await portal.Factory.SignedInAsync(rater);
            var pages = new[] { await PageAsync(blind, $"/recordings/{id}"), await PageAsync(blind, $"/studies/{studyId}"), await PageAsync(blind, $"/audit?recording={id}") };
            Assert.All(pages, page => Assert.Contains("blinded", page));
            Assert.All(pages, page => Assert.All(labels.Append(analysedHpii), v => Assert.DoesNotContain(v, page)));
            Assert.Contains("recording.uploaded", pages[2]);
            Assert.Contains("recording.corrected", pages[2]);
            Assert.Contains("analysis.completed", pages[2]);
            // The service says the same as the page.
            var rows = await AsAsync(rater, s => s.GetRequiredService<PainReview.Web.Features.Audit.AuditTrail>().SearchAsync(new(Recording: id.ToString()), ct));
            var corrected = Assert.Single(rows, r => r.Event.Action == "recording.corrected");
            Assert.Equal(("{\"vasSelfReport\":\"blinded\"}", "{\"vasSelfReport\":\"blinded\"}", "blinded"), (corrected.Before, corrected.After, corrected.Reason));
            Assert.Equal((corrected.Before, corrected.After, corrected.Reason), (corrected.Event.Before, corrected.Event.After, corrected.Event.Reason));
            Assert.Contains("\"VasSelfReport\":\"blinded\"", Assert.Single(rows, r => r.Event.Action == "recording.uploaded").After);
        }
    }
}
