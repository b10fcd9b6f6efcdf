using PainReview.Data.Review;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data.Entities;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Features.Review;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>Host: review decisions, VAS corrections, review state, optimistic concurrency and their audit.</summary>
[Collection(PortalCollection.Name)]
public sealed class ReviewTests(PortalFixture portal) : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    private async Task<Guid> CompletedRecordingAsync()
    {
        var clip = _temp.File($"{Guid.NewGuid():N}.mp4");
        Ffmpeg.Run("-i", TestEnvironment.Clip("WolfgangLanger_Pexels.mp4"), "-t", "8", "-an", "-c:v", "libx264", "-preset", "ultrafast", "-metadata", $"comment={Guid.NewGuid()}", clip);
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Coordinator));
        var upload = await Uploads.UploadFileAsync(client, portal.StudyId, clip);
        var recording = await portal.Factory.WaitForAnalysisAsync(upload.Id);
        Assert.Equal(RecordingStatus.Completed, recording.Status);
        return upload.Id;
    }

    private async Task<T> AsAsync<T>(string user, Func<ReviewService, Task<T>> work)
    {
        await portal.Factory.EnsureMemberAsync(user, Roles.Clinician, portal.StudyId);
        using var scope = await portal.Factory.ScopeAsAsync(user);
        return await work(scope.ServiceProvider.GetRequiredService<ReviewService>());
    }

    private Task AsAsync(string user, Func<ReviewService, Task> work) => AsAsync(user, async s => { await work(s); return 0; });

    private Task<ReviewModel> LoadAsync(Guid id) => AsAsync(PortalFactory.EmailOf(Roles.Clinician), async s => (await s.LoadAsync(id))!);

    [Fact]
    public async Task Decisions_change_the_accepted_summary_and_are_audited()
    {
        var id = await CompletedRecordingAsync();
        var model = await LoadAsync(id);
        Assert.NotEmpty(model.Spans);
        // Before anyone decides, every machine APEX frame is pending, and none counts as accepted.
        Assert.Equal(model.Recording.ApexFrames, model.Tally.Pending);
        Assert.Equal(0, model.Tally.Accepted);
        Assert.Empty(model.AcceptedApexFrames);
        Assert.Null(model.HpiiMeanAcceptedApex);
        var lowest = model.Spans.MinBy(s => s.PeakHpii)!;
        await AsAsync("alice@example.org", s => s.DecideAsync(id, model.Recording.ReviewVersion, Enumerable.Range(lowest.First, lowest.Length).ToArray(), DecisionKind.Accepted, null));
        model = await LoadAsync(id);
        Assert.Equal(lowest.Length, model.Tally.Accepted);
        Assert.Equal(model.Recording.ApexFrames - lowest.Length, model.Tally.Pending);
        // Accept the rest, so that rejecting one span below lowers the accepted mean.
        var others = model.Spans.Where(s => s.First != lowest.First).SelectMany(s => Enumerable.Range(s.First, s.Length)).ToArray();
        await AsAsync("alice@example.org", s => s.DecideAsync(id, model.Recording.ReviewVersion, others, DecisionKind.Accepted, null));
        model = await LoadAsync(id);
        Assert.Equal(0, model.Tally.Pending);
        Assert.Equal(model.Recording.HpiiMeanApex!.Value, model.HpiiMeanAcceptedApex!.Value, 6);

        var span = model.Spans.MaxBy(s => s.PeakHpii)!;
        var frames = Enumerable.Range(span.First, span.Length).ToArray();
        await AsAsync("alice@example.org", s => s.DecideAsync(id, model.Recording.ReviewVersion, frames, DecisionKind.Rejected, "blink"));

        var after = await LoadAsync(id);
        Assert.All(frames, f => Assert.Equal(FrameVerdict.Rejected, after.VerdictOf(f)));
        Assert.Equal(model.AcceptedApexFrames.Count() - span.Length, after.AcceptedApexFrames.Count());
        Assert.True(after.HpiiMeanAcceptedApex < model.HpiiMeanAcceptedApex, "rejecting the highest span lowers the accepted mean");
        Assert.Equal(model.Recording.ReviewVersion + 1, after.Recording.ReviewVersion);

        // A missed frame is added; a non-APEX frame cannot be 'rejected'.
        var missed = after.Frames.First(f => f.Usable && !f.Apex);
        await AsAsync("alice@example.org", s => s.AddFrameAsync(id, after.Recording.ReviewVersion, missed.Index, "grimace the algorithm missed"));
        var added = await LoadAsync(id);
        Assert.Equal(FrameVerdict.Added, added.VerdictOf(missed.Index));
        Assert.Contains(added.AcceptedApexFrames, f => f.Index == missed.Index);
        var notApex = added.Frames.First(f => f.Usable && !f.Apex && f.Index != missed.Index);
        await Assert.ThrowsAsync<PortalValidationException>(() =>
            AsAsync("alice@example.org", s => s.DecideAsync(id, added.Recording.ReviewVersion, [notApex.Index], DecisionKind.Rejected, null)));

        var audit = await portal.Factory.WithDbAsync(db => db.AuditEvents.Where(a => a.RecordingId == id && a.User == "alice@example.org").ToListAsync());
        Assert.Equal(span.Length, audit.Count(a => a.Action == "apex.rejected"));
        Assert.All(audit.Where(a => a.Action == "apex.rejected"), a =>
        {
            Assert.Equal("blink", a.Reason);
            Assert.Contains("Accepted", a.Before);
            Assert.Contains("Rejected", a.After);
        });
        Assert.Single(audit, a => a.Action == "apex.added");
    }

    [Fact]
    public async Task Vas_correction_needs_a_reason_keeps_the_self_report_and_is_audited()
    {
        var id = await CompletedRecordingAsync();
        var model = await LoadAsync(id);
        await Assert.ThrowsAsync<PortalValidationException>(() => AsAsync("bob@example.org", s => s.CorrectVasAsync(id, model.Recording.ReviewVersion, 3, " ")));
        await Assert.ThrowsAsync<PortalValidationException>(() => AsAsync("bob@example.org", s => s.CorrectVasAsync(id, model.Recording.ReviewVersion, 11, "typo")));
        await AsAsync("bob@example.org", s => s.CorrectVasAsync(id, model.Recording.ReviewVersion, 2.5, "re-rated at interview"));

        var after = await LoadAsync(id);
        Assert.Equal(4, after.Recording.VasSelfReport);
        Assert.Equal(2.5, after.EffectiveVas);
        var audit = await portal.Factory.WithDbAsync(db => db.AuditEvents.SingleAsync(a => a.RecordingId == id && a.Action == "vas.corrected"));
        Assert.Equal("bob@example.org", audit.User);
        Assert.Equal("re-rated at interview", audit.Reason);
        Assert.Contains("\"vas\":4", audit.Before);
        Assert.Contains("\"vas\":2.5", audit.After);
    }

    [Fact]
    public async Task Two_reviewers_never_silently_overwrite_each_other()
    {
        var id = await CompletedRecordingAsync();
        var seenByBoth = (await LoadAsync(id)).Recording.ReviewVersion;
        await AsAsync("first@example.org", s => s.CorrectVasAsync(id, seenByBoth, 5, "first reviewer"));

        var conflict = await Assert.ThrowsAsync<ReviewConflictException>(() =>
            AsAsync("second@example.org", s => s.CorrectVasAsync(id, seenByBoth, 8, "second reviewer, working from an old page")));
        Assert.Contains("first@example.org", conflict.Message);
        Assert.Contains("Reload", conflict.Message);
        var after = await LoadAsync(id);
        Assert.Equal(5, after.EffectiveVas);
        Assert.Single(after.Corrections);
    }

    [Fact]
    public async Task A_signature_needs_the_password_locks_the_record_and_reopening_needs_a_reason_and_voids_it()
    {
        var id = await CompletedRecordingAsync();
        var v = (await LoadAsync(id)).Recording.ReviewVersion;
        var wrong = await Assert.ThrowsAsync<PortalValidationException>(() => AsAsync("carol@example.org", s => s.SignAsync(id, v, "not-my-password-1", "Reviewed")));
        Assert.Contains("password is not right", wrong.Message);
        await Assert.ThrowsAsync<PortalValidationException>(() => AsAsync("carol@example.org", s => s.SignAsync(id, v, PortalFactory.Password, "Because")));
        var signature = await AsAsync("carol@example.org", s => s.SignAsync(id, v, PortalFactory.Password, "Approved"));

        var signed = await LoadAsync(id);
        Assert.Equal(ReviewState.Reviewed, signed.Recording.ReviewState);
        Assert.True(signed.IsSigned);
        Assert.Equal("carol@example.org", signed.ActiveSignature!.SignerEmail);
        Assert.Equal("Approved", signed.ActiveSignature.Meaning);
        Assert.Equal(64, signed.ActiveSignature.RecordHash.Length);

        // Read-only: no decision, addition or correction gets through, not even from another clinician.
        var span = signed.Spans[0];
        var locked = await Assert.ThrowsAsync<SignedRecordException>(() => AsAsync("dave@example.org", s => s.DecideAsync(id, signed.Recording.ReviewVersion, [span.First], DecisionKind.Rejected, "late")));
        Assert.Contains("read-only", locked.Message);
        await Assert.ThrowsAsync<SignedRecordException>(() => AsAsync("dave@example.org", s => s.CorrectVasAsync(id, signed.Recording.ReviewVersion, 3, "late")));
        await Assert.ThrowsAsync<SignedRecordException>(() => AsAsync("dave@example.org", s => s.SignAsync(id, signed.Recording.ReviewVersion, PortalFactory.Password, "Reviewed")));

        // Reopening needs a reason; it voids the signature, which stays on record.
        await Assert.ThrowsAsync<PortalValidationException>(() => AsAsync("dave@example.org", s => s.ReopenAsync(id, signed.Recording.ReviewVersion, " ")));
        await AsAsync("dave@example.org", s => s.ReopenAsync(id, signed.Recording.ReviewVersion, "new information from the participant"));
        var reopened = await LoadAsync(id);
        Assert.Equal(ReviewState.NotReviewed, reopened.Recording.ReviewState);
        Assert.False(reopened.IsSigned);
        var voided = Assert.Single(reopened.Signatures);
        Assert.Equal(signature.Id, voided.Id);
        Assert.Equal("dave@example.org", voided.VoidedBy);
        Assert.Equal("new information from the participant", voided.VoidReason);
        await AsAsync("dave@example.org", s => s.DecideAsync(id, reopened.Recording.ReviewVersion, [span.First], DecisionKind.Rejected, "now allowed"));

        // A different review content gives a different record hash.
        var again = await LoadAsync(id);
        var second = await AsAsync("dave@example.org", s => s.SignAsync(id, again.Recording.ReviewVersion, PortalFactory.Password, "Reviewed"));
        Assert.NotEqual(signature.RecordHash, second.RecordHash);
        var actions = await portal.Factory.WithDbAsync(db => db.AuditEvents.Where(a => a.RecordingId == id && (a.Action.StartsWith("review.") || a.Action.StartsWith("signature."))).Select(a => a.Action).ToListAsync());
        Assert.Equal(["signature.refused", "review.signed", "review.reopened", "review.signed"], actions);
    }

    [Fact]
    public async Task The_audit_log_refuses_changes()
    {
        await portal.Factory.WithDbAsync(async db =>
        {
            var entry = await db.AuditEvents.FirstAsync();
            entry.Reason = "tampered";
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync(TestContext.Current.CancellationToken));
            db.ChangeTracker.Clear();
            db.AuditEvents.Remove(await db.AuditEvents.FirstAsync());
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync(TestContext.Current.CancellationToken));
            return 0;
        });
    }

    [Fact]
    public async Task Review_media_is_served_with_range_requests_to_allowed_roles_only()
    {
        var id = await CompletedRecordingAsync();
        var clinician = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Clinician));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/media/recordings/{id}/video");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 1023);
        var partial = await clinician.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(1024, (await partial.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length);
        Assert.Equal("video/mp4", partial.Content.Headers.ContentType?.MediaType);

        var model = await LoadAsync(id);
        var thumbnail = await clinician.GetAsync($"/media/recordings/{id}/frames/{model.Spans[0].PeakFrame}.jpg", TestContext.Current.CancellationToken);
        Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType?.MediaType);
        var jpeg = await thumbnail.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.True(jpeg.Length > 1000 && jpeg[0] == 0xFF && jpeg[1] == 0xD8);

        var dataManager = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.DataManager));
        var refused = await dataManager.GetAsync($"/media/recordings/{id}/video", TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Contains("AccessDenied", refused.Headers.Location!.ToString());
        var anonymous = await portal.Factory.Client().GetAsync($"/media/recordings/{id}/video", TestContext.Current.CancellationToken);
        Assert.Contains("/Account/Login", anonymous.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Timeline_figure_and_series_are_served_to_reviewers_with_the_shading_of_their_decisions()
    {
        var id = await CompletedRecordingAsync();
        var model = await LoadAsync(id);
        var clinician = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Clinician));
        async Task<System.Text.Json.JsonElement> GetJsonAsync(string path)
        {
            var response = await clinician.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        }

        // The figure: plotly.js's own JSON, HPII and the four AUs over the whole recording, every usable frame's HPII among them.
        var figure = await GetJsonAsync($"/media/recordings/{id}/timeline");
        Assert.Equal(model.Recording.ReviewVersion, figure.GetProperty("version").GetInt32());
        var traces = figure.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["HPII", "AU4", "AU6", "AU7", "AU9"], traces.Select(t => t.GetProperty("name").GetString()));
        Assert.All(traces, t => Assert.Equal("scatter", t.GetProperty("type").GetString()));
        var x = traces[0].GetProperty("x").EnumerateArray().Select(v => v.GetDouble()).ToList();
        Assert.Equal(model.Frames.Count, x.Count); // an 8-second clip: every frame, no decimation
        Assert.Equal(model.Frames.Select(f => f.TimeSeconds), x); // exact: the frames' own times
        var peak = model.Frames.Where(f => f.Hpii.HasValue).MaxBy(f => f.Hpii!.Value)!;
        Assert.Equal(Math.Round(peak.Hpii!.Value, 3), traces[0].GetProperty("y")[model.Frames.ToList().IndexOf(peak)].GetDouble());
        var shapes = figure.GetProperty("layout").GetProperty("shapes").EnumerateArray().ToList();
        Assert.Contains(shapes, s => s.GetProperty("name").GetString() == "cursor");
        Assert.Contains(shapes, s => s.GetProperty("name").GetString() == "pending spans");
        Assert.DoesNotContain(shapes, s => s.GetProperty("name").GetString() == "rejected spans");
        Assert.True(figure.GetProperty("config").GetProperty("responsive").GetBoolean());

        // A decision shows in the next figure's shading, under the new version.
        var span = model.Spans[0];
        await AsAsync(PortalFactory.EmailOf(Roles.Clinician), s => s.DecideAsync(id, model.Recording.ReviewVersion, Enumerable.Range(span.First, span.Length).ToArray(), DecisionKind.Rejected, null));
        figure = await GetJsonAsync($"/media/recordings/{id}/timeline");
        Assert.Equal(model.Recording.ReviewVersion + 1, figure.GetProperty("version").GetInt32());
        var rejected = figure.GetProperty("layout").GetProperty("shapes").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "rejected spans");
        Assert.StartsWith(FormattableString.Invariant($"M{Math.Round(span.StartSeconds - model.Analysis.FrameStep / 2, 4):0.####},0H"), rejected.GetProperty("path").GetString());

        // A zoomed range: every frame in it (and one either side), each trace's x the frames' own times.
        var (from, to) = (model.Frames[10].TimeSeconds, model.Frames[40].TimeSeconds);
        var series = await GetJsonAsync(FormattableString.Invariant($"/media/recordings/{id}/timeline/series?from={from}&to={to}"));
        Assert.True(series.GetProperty("exact").GetBoolean());
        var xs = series.GetProperty("x").EnumerateArray().Select(t => t.EnumerateArray().Select(v => v.GetDouble()).ToList()).ToList();
        Assert.Equal(5, xs.Count);
        Assert.Equal(model.Frames.Skip(10).Take(32).Select(f => f.TimeSeconds), xs[0]);
        Assert.Equal(5, series.GetProperty("y").GetArrayLength());
        Assert.Equal(model.Frames.Count, (await GetJsonAsync($"/media/recordings/{id}/timeline/series")).GetProperty("x")[0].GetArrayLength());

        // A range that is not one gets a sentence, never a 500.
        foreach (var (query, words) in new[] { ("from=NaN&to=2", "finite"), ("from=1", "both"), ("from=abc&to=2", "finite"), ("from=3&to=2", "must end after it starts"), ("from=1e400&to=2", "finite") })
        {
            var bad = await clinician.GetAsync($"/media/recordings/{id}/timeline/series?{query}", TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains(words, await bad.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
        var missing = await clinician.GetAsync($"/media/recordings/{Guid.NewGuid()}/timeline", TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);

        // Only the study's reviewers: a Data manager is refused, a visitor sent to sign in.
        var dataManager = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.DataManager));
        var refused = await dataManager.GetAsync($"/media/recordings/{id}/timeline", TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, refused.StatusCode);
        var anonymous = await portal.Factory.Client().GetAsync($"/media/recordings/{id}/timeline/series", TestContext.Current.CancellationToken);
        Assert.Contains("/Account/Login", anonymous.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Playable_copy_keeps_every_frame_at_its_analysis_time()
    {
        var id = await CompletedRecordingAsync();
        var model = await LoadAsync(id);
        string path;
        using (var scope = portal.Factory.Services.CreateScope())
            path = await scope.ServiceProvider.GetRequiredService<ReviewMedia>().EnsurePlayableAsync(id, model.Recording.StoredFileName, TestContext.Current.CancellationToken);
        var info = await PainReview.Pipeline.Decoding.VideoProbe.ProbeAsync(path, cancellationToken: TestContext.Current.CancellationToken);
        var times = new List<double>();
        await foreach (var frame in PainReview.Pipeline.Decoding.FrameDecoder.DecodeAsync(info, cancellationToken: TestContext.Current.CancellationToken))
        {
            times.Add(frame.TimeSeconds);
            frame.Dispose();
        }
        Assert.Equal(model.Frames.Count, times.Count);
        Assert.All(model.Frames.Zip(times), p => Assert.Equal(p.First.TimeSeconds, p.Second, 0.002));
    }
}
