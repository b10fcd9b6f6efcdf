using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data.Entities;
using PainReview.Data.Review;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Features.Review;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>Host: bulk accept/reject of the spans a selection picks: one audited event naming the spans, optimistic, refused on a signed record.</summary>
[Collection(PortalCollection.Name)]
public sealed class BulkDecisionTests(PortalFixture portal) : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();
    private const string Reviewer = "bulk.reviewer@example.org";

    public void Dispose() => _temp.Dispose();

    private async Task<T> AsAsync<T>(Func<ReviewService, Task<T>> work)
    {
        await portal.Factory.EnsureMemberAsync(Reviewer, Roles.Clinician, portal.StudyId);
        using var scope = await portal.Factory.ScopeAsAsync(Reviewer);
        return await work(scope.ServiceProvider.GetRequiredService<ReviewService>());
    }

    private Task AsAsync(Func<ReviewService, Task> work) => AsAsync(async s => { await work(s); return 0; });

    private Task<ReviewModel> LoadAsync(Guid id) => AsAsync(async s => (await s.LoadAsync(id))!);

    [Fact]
    public async Task A_bulk_reject_of_smile_spans_is_one_audited_event_and_leaves_the_other_spans_alone()
    {
        var clip = _temp.File($"{Guid.NewGuid():N}.mp4");
        Ffmpeg.Run("-i", TestEnvironment.Clip("WolfgangLanger_Pexels.mp4"), "-t", "8", "-an", "-c:v", "libx264", "-preset", "ultrafast", "-metadata", $"comment={Guid.NewGuid()}", clip);
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Coordinator));
        var id = (await Uploads.UploadFileAsync(client, portal.StudyId, clip)).Id;
        Assert.Equal(RecordingStatus.Completed, (await portal.Factory.WaitForAnalysisAsync(id)).Status);

        var spans = (await LoadAsync(id)).Spans;
        Assert.True(spans.Count >= 2, $"the clip gives {spans.Count} APEX span(s); the test needs two");
        // The first span (and the third, if any) are smiles, as the analysis would flag them; nothing else is.
        var smiles = spans.Where((_, i) => i is 0 or 2).ToArray();
        await portal.Factory.WithDbAsync(async db =>
        {
            var frames = await db.FrameResults.Where(f => f.RecordingId == id).ToListAsync();
            foreach (var f in frames) f.Smile = smiles.Any(s => f.FrameIndex >= s.First && f.FrameIndex <= s.Last);
            return await db.SaveChangesAsync();
        });
        // Written behind the portal's back (an analysis would change the recording's stamp): its cached frames are stale.
        portal.Factory.Services.GetRequiredService<ReviewFrameCache>().Forget(id);
        var model = await LoadAsync(id);
        Assert.Equal(smiles.Select(s => s.First), model.SpansIn(SpanSelection.Smiles).Select(s => s.First));
        // A span accepted one by one beforehand.
        var accepted = spans[1];
        await AsAsync(s => s.DecideAsync(id, model.Recording.ReviewVersion, Enumerable.Range(accepted.First, accepted.Length).ToArray(), DecisionKind.Accepted, null));
        model = await LoadAsync(id);
        var eventsBefore = await portal.Factory.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.RecordingId == id));

        // A page based on an older version is refused with a sentence, and nothing changes.
        var stale = await Assert.ThrowsAsync<ReviewConflictException>(() =>
            AsAsync(s => s.DecideSpansAsync(id, model.Recording.ReviewVersion - 1, SpanSelection.Smiles, DecisionKind.Rejected, "smiling")));
        Assert.Contains("Reload", stale.Message);
        Assert.Equal(eventsBefore, await portal.Factory.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.RecordingId == id)));

        var decided = await AsAsync(s => s.DecideSpansAsync(id, model.Recording.ReviewVersion, SpanSelection.Smiles, DecisionKind.Rejected, " smiling, not pain "));
        Assert.Equal(smiles.Select(s => s.First), decided.Select(s => s.First));

        var after = await LoadAsync(id);
        Assert.Equal(model.Recording.ReviewVersion + 1, after.Recording.ReviewVersion);
        foreach (var span in spans)
        {
            var expected = smiles.Contains(span) ? FrameVerdict.Rejected : span == accepted ? FrameVerdict.Accepted : FrameVerdict.Pending;
            Assert.All(Enumerable.Range(span.First, span.Length), f => Assert.Equal(expected, after.VerdictOf(f)));
        }
        var events = await portal.Factory.WithDbAsync(db => db.AuditEvents.Where(a => a.RecordingId == id).OrderBy(a => a.Id).Skip(eventsBefore).ToListAsync());
        var bulk = Assert.Single(events);
        Assert.Equal("apex.bulk-rejected", bulk.Action);
        Assert.Equal(Reviewer, bulk.User);
        Assert.Equal("smiling, not pain", bulk.Reason);
        using (var json = JsonDocument.Parse(bulk.After!))
        {
            Assert.Equal("smiles", json.RootElement.GetProperty("selection").GetString());
            Assert.Equal("Rejected", json.RootElement.GetProperty("decision").GetString());
            Assert.Equal(smiles.Select(s => (s.First, s.Last)),
                json.RootElement.GetProperty("spans").EnumerateArray().Select(s => (s.GetProperty("first").GetInt32(), s.GetProperty("last").GetInt32())));
        }
        using (var json = JsonDocument.Parse(bulk.Before!))
            Assert.All(json.RootElement.GetProperty("spans").EnumerateArray(), s => Assert.Equal("Pending", s.GetProperty("decision").GetString()));

        // "All pending" now picks the spans nobody decided: neither the smiles nor the accepted one.
        var pending = after.SpansIn(SpanSelection.Pending).Select(s => s.First).ToList();
        Assert.Equal(spans.Where(s => !smiles.Contains(s) && s != accepted).Select(s => s.First), pending);
        if (pending.Count > 0)
        {
            await AsAsync(s => s.DecideSpansAsync(id, after.Recording.ReviewVersion, SpanSelection.Pending, DecisionKind.Accepted, null));
            after = await LoadAsync(id);
        }
        Assert.Equal(0, after.Tally.Pending);
        // An empty selection is a sentence (a 4xx), not an error.
        var empty = await Assert.ThrowsAsync<PortalValidationException>(() =>
            AsAsync(s => s.DecideSpansAsync(id, after.Recording.ReviewVersion, SpanSelection.Pending, DecisionKind.Accepted, null)));
        Assert.Equal("There are no pending spans in this recording: nothing was changed.", empty.Message);
        Assert.InRange(empty.StatusCode, 400, 499);
        await Assert.ThrowsAsync<PortalValidationException>(() =>
            AsAsync(s => s.DecideSpansAsync(id, after.Recording.ReviewVersion, (SpanSelection)42, DecisionKind.Accepted, null)));

        // A signed recording is read-only for bulk decisions too.
        await AsAsync(s => s.SignAsync(id, after.Recording.ReviewVersion, PortalFactory.Password, "Reviewed"));
        var signed = await LoadAsync(id);
        var locked = await Assert.ThrowsAsync<SignedRecordException>(() =>
            AsAsync(s => s.DecideSpansAsync(id, signed.Recording.ReviewVersion, SpanSelection.All, DecisionKind.Rejected, null)));
        Assert.Contains("read-only", locked.Message);
        Assert.Equal(409, locked.StatusCode);
    }
}
