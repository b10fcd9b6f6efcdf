using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data.Entities;
using PainReview.Web.Features.Review;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>Host: the review queue is searched, sorted and paged in the database, and sorting never orders by a value the reviewer is blinded to.</summary>
[Collection(PortalCollection.Name)]
public sealed class ReviewQueueTests(PortalFixture portal)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    // A clinician of this test's study alone: its 60 recordings stay out of the other tests' queues.
    private const string Clinician = "queue.clinician@example.org";

    private async Task<QueuePage> PageAsync(QueueQuery query)
    {
        using var scope = await portal.Factory.ScopeAsAsync(Clinician);
        return await scope.ServiceProvider.GetRequiredService<ReviewQueueService>().PageAsync(query);
    }

    /// <summary>A study of 60 analysed recordings (Q-001 ... Q-060, HPII rising with the number, uploaded in that order); Q-060 blinded to the clinician.</summary>
    private async Task<(Guid Study, Dictionary<string, Guid> Recordings)> SeedAsync()
    {
        var recordings = new Dictionary<string, Guid>();
        var studyId = await portal.Factory.WithDbAsync(async db =>
        {
            var study = new Study { Name = $"Queue {Guid.NewGuid():N}", CreatedBy = "test", TwoRaters = true, BlindRaters = true };
            db.Studies.Add(study);
            var start = new DateTime(2026, 1, 1, 8, 0, 0, DateTimeKind.Utc);
            for (var i = 1; i <= 60; i++)
            {
                var participant = new Participant { Code = $"Q-{i:000}" };
                study.Participants.Add(participant);
                var recording = new Recording
                {
                    StudyId = study.Id, Participant = participant, OriginalFileName = $"q{i}.mp4", StoredFileName = $"q-{Guid.NewGuid():N}.mp4",
                    Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), UploadedBy = "fixture", Status = RecordingStatus.Completed,
                    Frames = 10, UsableFrames = 10, Timepoint = i % 2 == 0 ? "week-4" : "baseline", UploadedUtc = start.AddMinutes(i), HpiiMeanApex = i / 10.0,
                };
                db.Recordings.Add(recording);
                recordings[participant.Code] = recording.Id;
            }
            await db.SaveChangesAsync(Ct);
            return study.Id;
        });
        await portal.Factory.EnsureMemberAsync(Clinician, Roles.Clinician, studyId);
        await portal.Factory.WithDbAsync(async db =>
        {
            var clinician = await db.Users.SingleAsync(u => u.NormalizedEmail == Clinician.ToUpperInvariant(), Ct);
            db.RaterAssignments.Add(new RaterAssignment
            {
                RecordingId = recordings["Q-060"], StudyId = studyId, Slot = RaterSlot.First, UserId = clinician.Id, UserName = Clinician, AssignedBy = "test",
            });
            return await db.SaveChangesAsync(Ct);
        });
        return (studyId, recordings);
    }

    [Fact]
    public async Task The_queue_is_searched_sorted_and_paged_in_the_database()
    {
        var (study, recordings) = await SeedAsync();

        // The rater's own assignment first, then oldest upload first; 25 a page.
        var first = await PageAsync(new QueueQuery(study));
        Assert.Equal((60, 0, 25), (first.Total, first.Page, first.Rows.Count));
        Assert.Equal(["Q-060", "Q-001", "Q-002"], first.Rows.Take(3).Select(r => r.Participant));
        var last = await PageAsync(new QueueQuery(study, Page: 2));
        Assert.Equal(10, last.Rows.Count);
        Assert.Equal("Q-059", last.Rows[^1].Participant);
        // A page past the end is the last page, not an empty one.
        Assert.Equal(2, (await PageAsync(new QueueQuery(study, Page: 99))).Page);
        Assert.Equal(60, (await PageAsync(new QueueQuery(study, Page: 0, PageSize: 100))).Rows.Select(r => r.Id).Distinct().Count());

        // Search: participant code (any case), timepoint or study name.
        var search = await PageAsync(new QueueQuery(study, Search: " q-04 "));
        Assert.Equal(10, search.Total);
        Assert.All(search.Rows, r => Assert.StartsWith("Q-04", r.Participant));
        Assert.Equal(30, (await PageAsync(new QueueQuery(study, Search: "WEEK"))).Total);
        Assert.Equal(0, (await PageAsync(new QueueQuery(study, Search: "no such code"))).Total);
        Assert.Equal(0, (await PageAsync(new QueueQuery(study, Search: "%"))).Total);

        // Sorting by a column, either way.
        Assert.Equal("Q-060", (await PageAsync(new QueueQuery(study, Sort: QueueSort.Participant, Descending: true))).Rows[0].Participant);
        Assert.Equal("Q-060", (await PageAsync(new QueueQuery(study, Sort: QueueSort.Uploaded, Descending: true))).Rows[0].Participant);
        // By HPII: Q-060 has the highest, but the clinician is its blinded rater: it sorts as if it had none (last when descending).
        var byHpii = await PageAsync(new QueueQuery(study, Sort: QueueSort.Hpii, Descending: true, PageSize: 100));
        Assert.Equal(["Q-059", "Q-058"], byHpii.Rows.Take(2).Select(r => r.Participant));
        var blinded = byHpii.Rows[^1];
        Assert.Equal((recordings["Q-060"], true, (double?)null), (blinded.Id, blinded.Blind, blinded.HpiiApex));
        var ascending = await PageAsync(new QueueQuery(study, Sort: QueueSort.Hpii, PageSize: 100));
        Assert.Equal(byHpii.Rows.Take(59).Reverse().Select(r => r.Id), ascending.Rows.Where(r => !r.Blind).Select(r => r.Id));

        // The page itself sends one page of rows, and says how many there are in all.
        var client = await portal.Factory.SignedInAsync(Clinician);
        var html = await client.GetStringAsync("/review", Ct);
        Assert.InRange(System.Text.RegularExpressions.Regex.Matches(html, "class=\"[^\"]*queue-row").Count, 1, 25);
        Assert.Contains("1-25 of 60 recordings", html);
    }
}
