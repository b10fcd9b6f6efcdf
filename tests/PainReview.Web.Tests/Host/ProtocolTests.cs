using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data.Entities;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Decoding;
using PainReview.Web.Features;
using PainReview.Web.Features.Review;
using PainReview.Web.Jobs;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>
/// Host: a study's analysis protocol. A neutral range scores a recording against its first seconds;
/// a neutral recording scores a participant's later recordings against it (and they wait while it
/// is missing); a protocol change re-scores the study from the stored frames without any ffprobe or
/// ffmpeg; invalid protocols are refused with one sentence per mistake; rights as for the study.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class ProtocolTests(PortalFixture portal)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static HttpRequestMessage Api(HttpMethod method, string path, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add(PortalEndpoints.ApiHeader, "1");
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return request;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, string Text)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using (request)
        {
            var response = await client.SendAsync(request, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            var body = text.Length > 0 && text[0] is '{' or '[' ? JsonDocument.Parse(text).RootElement.Clone() : default;
            return (response.StatusCode, body, text);
        }
    }

    /// <summary>A study made through the API by the Coordinator (its first member) with this protocol, and its participants.</summary>
    private async Task<(HttpClient Client, Guid Study)> StudyAsync(string? protocolJson, params string[] participants)
    {
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Coordinator));
        var name = "Protocol " + Guid.NewGuid().ToString("N")[..8];
        var body = protocolJson is null ? $"{{\"name\":\"{name}\"}}" : $"{{\"name\":\"{name}\",\"protocol\":{protocolJson}}}";
        var created = await SendAsync(client, Api(HttpMethod.Post, "/api/studies", body));
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        var study = created.Body.GetProperty("id").GetGuid();
        foreach (var code in participants)
            Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, Api(HttpMethod.Post, $"/api/studies/{study}/participants", $"{{\"code\":\"{code}\"}}"))).Status);
        await portal.Factory.WithDbAsync(async db => { await Members.AddRoleUsersAsync(db, study); return 0; });
        return (client, study);
    }

    /// <summary>A short H.264 cut of a test clip (unique bytes, so the study's duplicate check lets it in).</summary>
    private static string Cut(TempDirectory temp, string clip, double seconds, double from = 0)
    {
        var path = temp.File($"{Guid.NewGuid():N}.mp4");
        Ffmpeg.Run("-ss", from.ToString(CultureInfo.InvariantCulture), "-i", TestEnvironment.Clip(clip), "-t", seconds.ToString(CultureInfo.InvariantCulture),
            "-an", "-c:v", "libx264", "-preset", "ultrafast", "-metadata", $"comment={Guid.NewGuid()}", path);
        return path;
    }

    private static async Task<Guid> UploadAsync(HttpClient client, Guid study, string path, string participant, string timepoint, double vas)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(participant), "participant");
        form.Add(new StringContent(vas.ToString(CultureInfo.InvariantCulture)), "vas");
        form.Add(new StringContent(timepoint), "timepoint");
        var file = new StreamContent(File.OpenRead(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", Path.GetFileName(path));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/studies/{study}/recordings") { Content = form };
        request.Headers.Add(PortalEndpoints.ApiHeader, "1");
        var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement[0].GetProperty("id").GetGuid();
    }

    /// <summary>Until the recording has left the queue and the analysis (Completed, Waiting, Failed...), or is in the wanted state.</summary>
    private async Task<Recording> SettledAsync(Guid id, RecordingStatus? wanted = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (true)
        {
            var r = await portal.Factory.WithDbAsync(db => db.Recordings.AsNoTracking().SingleAsync(x => x.Id == id, Ct));
            if (wanted is { } w ? r.Status == w : r.Status is not (RecordingStatus.Queued or RecordingStatus.Running)) return r;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Recording {id} is {r.Status} ({r.Error}), not {wanted?.ToString() ?? "settled"}.");
            await Task.Delay(200, Ct);
        }
    }

    private Task<List<FrameResult>> FramesAsync(Guid id) =>
        portal.Factory.WithDbAsync(db => db.FrameResults.AsNoTracking().Where(f => f.RecordingId == id).OrderBy(f => f.FrameIndex).ToListAsync(Ct));

    private PainReview.Pipeline.Faces.CanonicalFace Canonical => portal.Factory.Services.GetRequiredService<PainReview.Pipeline.Faces.FacePipelinePool>().Canonical;

    private static AnalysisConfig Config(Recording r) =>
        JsonSerializer.Deserialize<AnalysisConfig>(JsonDocument.Parse(r.SummaryJson!).RootElement.GetProperty("config").GetRawText(), AnalysisConfig.JsonOptions)!;

    private static string BaselineOf(Recording r) => JsonDocument.Parse(r.SummaryJson!).RootElement.GetProperty("summary").GetProperty("baseline").GetString()!;

    [Fact]
    public async Task A_neutral_range_protocol_scores_a_recording_against_its_first_seconds()
    {
        using var temp = TestEnvironment.TempDirectory();
        var (client, study) = await StudyAsync("""{ "baseline": { "mode": "Range", "rangeStartSeconds": 0, "rangeEndSeconds": 2 } }""", "R-01");
        var id = await UploadAsync(client, study, Cut(temp, "WolfgangLanger_Pexels.mp4", 6), "R-01", "visit-1", 7);
        var recording = await SettledAsync(id);
        Assert.Equal(RecordingStatus.Completed, recording.Status);
        Assert.Equal(1, recording.ProtocolVersion);
        Assert.Equal(BaselineMode.Range, Config(recording).Baseline.Mode);

        // The baseline is the median of the usable frames of the first two seconds, and only those.
        var rows = await FramesAsync(id);
        Assert.All(rows.Where(f => f.Face), f => Assert.Equal(PainReview.Pipeline.ActionUnits.FaceFeatures.Count, f.FeatureCount));
        var inRange = rows.Count(f => f.Usable && f.TimeSeconds <= 2);
        Assert.InRange(inRange, 20, rows.Count - 1);
        Assert.Equal($"neutral range 0-2 s (median of {inRange} frames)", BaselineOf(recording));

        // The stored AUs are the pipeline's scoring of the stored frames against that range, not against the Auto percentile.
        var protocol = Config(recording);
        var again = rows.Select(f => f.ToUnscoredRecord(protocol.Quality)).ToList();
        RecordingAnalyzer.Score(again, protocol, Canonical, false);
        var auto = rows.Select(f => f.ToUnscoredRecord(protocol.Quality)).ToList();
        RecordingAnalyzer.Score(auto, new AnalysisConfig(), Canonical, false);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i].Hpii.HasValue, again[i].Hpii.HasValue);
            if (rows[i].Hpii is { } h) Assert.Equal(again[i].Hpii!.Value, h, 4);
        }
        Assert.NotEqual(auto.Where(f => f.Hpii.HasValue).Average(f => f.Hpii!.Value), recording.HpiiMeanAll!.Value, 3);
        // Measured against its own start, the first seconds read as near neutral: their HPII is below the recording's mean.
        Assert.True(rows.Where(f => f.Hpii.HasValue && f.TimeSeconds <= 2).Average(f => f.Hpii!.Value) < recording.HpiiMeanAll);
    }

    [Fact]
    public async Task A_neutral_recording_protocol_scores_later_recordings_against_it_and_they_wait_while_it_is_missing()
    {
        using var temp = TestEnvironment.TempDirectory();
        var (client, study) = await StudyAsync("""{ "baseline": { "mode": "Recording", "recording": "baseline-neutral" } }""", "N-01", "N-02");

        // The week-4 recording arrives first: analysed, but waiting (visibly) for the neutral one.
        var later = await UploadAsync(client, study, Cut(temp, "WolfgangLanger_Pexels.mp4", 5, from: 8), "N-01", "week-4", 8);
        var waiting = await SettledAsync(later);
        Assert.Equal(RecordingStatus.Waiting, waiting.Status);
        Assert.Contains("Waiting for this participant's neutral recording (timepoint 'baseline-neutral')", waiting.Error);
        Assert.Null(waiting.HpiiMeanAll);
        Assert.Equal(1, waiting.ProtocolVersion);
        var stored = await FramesAsync(later);
        Assert.Contains(stored, f => f.Features is not null);
        Assert.All(stored, f => Assert.Null(f.Hpii)); // not scored: no zeros standing in for scores
        // Another participant's neutral recording is not this participant's.
        var other = await UploadAsync(client, study, Cut(temp, "single_face.mp4", 2), "N-02", "baseline-neutral", 0);
        Assert.Equal(RecordingStatus.Completed, (await SettledAsync(other)).Status);
        Assert.Equal(RecordingStatus.Waiting, (await SettledAsync(later)).Status);
        // The study page says why it waits.
        var page = await (await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Coordinator))).GetStringAsync($"/studies/{study}", Ct);
        Assert.Contains("Waiting for this participant", page);

        // The neutral recording arrives: it is scored against itself, and the waiting one against it.
        var neutral = await UploadAsync(client, study, Cut(temp, "WolfgangLanger_Pexels.mp4", 3), "N-01", "Baseline-Neutral", 2);
        var neutralDone = await SettledAsync(neutral);
        Assert.Equal(RecordingStatus.Completed, neutralDone.Status);
        var scored = await SettledAsync(later, RecordingStatus.Completed);
        Assert.Null(scored.Error);
        Assert.StartsWith($"neutral recording {neutral} (timepoint baseline-neutral)", BaselineOf(scored));

        // The stored scores are exactly the pipeline's scoring of the later frames against the neutral recording's median.
        var config = Config(scored);
        var neutralFrames = (await FramesAsync(neutral)).Select(f => f.ToUnscoredRecord(config.Quality)).ToList();
        var baseline = RecordingAnalyzer.NeutralFrom(neutralFrames, config, "neutral");
        var rows = await FramesAsync(later);
        var again = rows.Select(f => f.ToUnscoredRecord(config.Quality)).ToList();
        RecordingAnalyzer.Score(again, config, Canonical, false, baseline);
        Assert.Contains(rows, f => f.Hpii.HasValue);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i].Hpii.HasValue, again[i].Hpii.HasValue);
            if (rows[i].Hpii is { } h) Assert.Equal(again[i].Hpii!.Value, h, 4);
            if (rows[i].Au07 is { } au7) Assert.Equal(again[i].Au(PainReview.Pipeline.ActionUnits.ActionUnit.AU07)!.Value, au7, 4);
        }

        // The neutral recording's timepoint was entered wrongly: corrected, the participant has no neutral recording again,
        // and their recordings wait (re-scored from stored frames, no decode).
        var decodes = DecoderActivity.Decodes;
        using (var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Coordinator)))
            await scope.ServiceProvider.GetRequiredService<PainReview.Web.Features.Recordings.RecordCorrections>()
                .CorrectRecordingAsync(neutral, "timepoint", "week-0", "entered as neutral by mistake");
        var rewaiting = await SettledAsync(later, RecordingStatus.Waiting, TimeSpan.FromSeconds(60));
        Assert.Contains("Waiting for this participant's neutral recording", rewaiting.Error);
        Assert.Null(rewaiting.HpiiMeanAll);
        Assert.Equal(decodes, DecoderActivity.Decodes);
    }

    [Fact]
    public async Task Changing_the_protocol_rescores_the_study_without_decoding_and_records_versions()
    {
        using var temp = TestEnvironment.TempDirectory();
        var (client, study) = await StudyAsync(null, "V-01", "V-02");
        var a = await UploadAsync(client, study, Cut(temp, "WolfgangLanger_Pexels.mp4", 4), "V-01", "week-0", 6);
        var b = await UploadAsync(client, study, Cut(temp, "2015-10-15-15-14.avi", 4), "V-02", "week-0", 3);
        var before = new Dictionary<Guid, Recording>();
        foreach (var id in new[] { a, b })
        {
            before[id] = await SettledAsync(id);
            Assert.Equal(RecordingStatus.Completed, before[id].Status);
            Assert.Equal(1, before[id].ProtocolVersion);
        }

        // A clinician's decision under version 1 stays on its frame.
        using (var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Clinician)))
        {
            var review = scope.ServiceProvider.GetRequiredService<ReviewService>();
            var model = (await review.LoadAsync(a))!;
            await review.DecideAsync(a, model.Recording.ReviewVersion, [model.Spans[0].PeakFrame], DecisionKind.Accepted, "clear grimace");
        }
        var decided = await portal.Factory.WithDbAsync(db => db.ReviewDecisions.AsNoTracking().SingleAsync(d => d.RecordingId == a, Ct));
        Assert.Equal((1, true), (decided.ProtocolVersion, decided.WasApex));

        // Take the videos away: a re-scoring that tried to decode would fail on them.
        var store = Path.Combine(portal.Factory.DataDirectory, "videos");
        var moved = new List<(string From, string To)>();
        foreach (var r in before.Values)
        {
            var path = Path.Combine(store, r.StoredFileName);
            moved.Add((path, temp.File(r.StoredFileName)));
            File.Move(path, moved[^1].Item2);
        }
        var (probes, decodes) = (DecoderActivity.Probes, DecoderActivity.Decodes);
        try
        {
            var current = await SendAsync(client, Api(HttpMethod.Get, $"/api/studies/{study}/protocol"));
            Assert.Equal(HttpStatusCode.OK, current.Status);
            Assert.Equal(1, current.Body.GetProperty("version").GetInt32());
            Assert.Equal("Auto", current.Body.GetProperty("baseline").GetProperty("mode").GetString());

            var put = await SendAsync(client, Api(HttpMethod.Put, $"/api/studies/{study}/protocol", """
                { "version": 1, "reason": "pre-registered: neutral = canonical face, AU6/7 summed, no smiles as APEX",
                  "baseline": { "mode": "Population" }, "hpii": { "w4": 1, "w67": 1, "w9": 0.5, "combine": "Sum" },
                  "apex": { "strategy": "TopQuantile", "quantile": 0.8, "skipSmiles": true } }
                """));
            Assert.True(put.Status == HttpStatusCode.OK, put.Text);
            Assert.Equal(2, put.Body.GetProperty("version").GetInt32());

            // Re-scored in the background, recording by recording.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            JsonElement protocol;
            do
            {
                await Task.Delay(200, Ct);
                protocol = (await SendAsync(client, Api(HttpMethod.Get, $"/api/studies/{study}/protocol"))).Body;
                Assert.True(DateTime.UtcNow < deadline, $"Re-scoring did not finish: {protocol}");
            }
            while (!protocol.GetProperty("rescore").GetProperty("finished").GetBoolean());
            Assert.Equal(2, protocol.GetProperty("rescore").GetProperty("total").GetInt32());
            Assert.Equal(2, protocol.GetProperty("rescore").GetProperty("done").GetInt32());
            Assert.Equal(0, protocol.GetProperty("rescore").GetProperty("reanalysed").GetInt32());
            Assert.Equal("Sum", protocol.GetProperty("hpii").GetProperty("combine").GetString());
            Assert.True(protocol.GetProperty("apex").GetProperty("skipSmiles").GetBoolean());

            foreach (var (id, old) in before)
            {
                var now = await portal.Factory.WithDbAsync(db => db.Recordings.AsNoTracking().SingleAsync(r => r.Id == id, Ct));
                Assert.Equal(RecordingStatus.Completed, now.Status);
                Assert.Equal(2, now.ProtocolVersion);
                Assert.Equal(old.Frames, now.Frames);
                Assert.NotEqual(old.HpiiMeanAll!.Value, now.HpiiMeanAll!.Value, 4);
                Assert.Equal(CombineRule.Sum, Config(now).Hpii.Combine);
                Assert.Equal("population (canonical face)", BaselineOf(now));
                Assert.Equal(2, JsonDocument.Parse(now.SummaryJson!).RootElement.GetProperty("protocol").GetProperty("version").GetInt32());
                // The stored video's model hashes and probe data survive re-scoring.
                Assert.Equal(JsonDocument.Parse(old.SummaryJson!).RootElement.GetProperty("models").GetRawText(),
                    JsonDocument.Parse(now.SummaryJson!).RootElement.GetProperty("models").GetRawText());
            }
            // No ffprobe, no ffmpeg: the counters did not move and the videos were never needed.
            Assert.Equal((probes, decodes), (DecoderActivity.Probes, DecoderActivity.Decodes));
        }
        finally
        {
            foreach (var (from, to) in moved) File.Move(to, from);
        }

        // The decision is still on its frame, made under version 1.
        var kept = await portal.Factory.WithDbAsync(db => db.ReviewDecisions.AsNoTracking().SingleAsync(d => d.RecordingId == a, Ct));
        Assert.Equal((decided.FrameIndex, DecisionKind.Accepted, 1), (kept.FrameIndex, kept.Decision, kept.ProtocolVersion));

        // Versions and the audit: both kept, the change with before, after, who and why.
        var versions = await portal.Factory.WithDbAsync(db => db.StudyProtocols.AsNoTracking().Where(p => p.StudyId == study).OrderBy(p => p.Version).ToListAsync(Ct));
        Assert.Equal([1, 2], versions.Select(v => v.Version));
        var changed = await portal.Factory.WithDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.StudyId == study && e.Action == "protocol.changed", Ct));
        Assert.Equal(PortalFactory.EmailOf(Roles.Coordinator), changed.User);
        Assert.StartsWith("pre-registered", changed.Reason);
        Assert.Contains("\"version\":1", changed.Before);
        Assert.Contains("\"version\":2", changed.After);
        Assert.Contains("\"combine\":\"Sum\"", changed.After);
        Assert.Contains("\"mode\":\"Auto\"", changed.Before);
        Assert.Equal(2, await portal.Factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.StudyId == study && e.Action == "analysis.rescored", Ct)));

        // The export names the protocol, per recording and in the manifest.
        var dm = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.DataManager));
        var export = await dm.GetAsync($"/data/export?study={study}&format=json&unreviewed=true", Ct);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var doc = JsonDocument.Parse(await export.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(2, doc.GetProperty("manifest").GetProperty("protocol").GetProperty("version").GetInt32());
        Assert.Equal(1, doc.GetProperty("manifest").GetProperty("protocol_history")[0].GetProperty("version").GetInt32());
        var text = doc.ToString();
        Assert.Contains("\"protocol_version\":2", text.Replace(" ", ""));
        Assert.Contains("\"smile\"", text);
        // And the HTML report.
        var html = await dm.GetStringAsync($"/data/cohort-report?study={study}&reviewedOnly=false", Ct);
        Assert.Contains("analysis protocol version 2", html);
    }

    [Fact]
    public async Task Invalid_protocols_are_refused_with_a_sentence_per_mistake_and_rights_are_the_studys()
    {
        var (client, study) = await StudyAsync(null, "I-01");

        async Task<(HttpStatusCode Status, JsonElement Body, string Text)> Put(HttpClient c, string json, Guid? s = null) =>
            await SendAsync(c, Api(HttpMethod.Put, $"/api/studies/{s ?? study}/protocol", json));

        // Three mistakes, three sentences (problem details, with the list in "errors").
        var bad = await Put(client, """
            { "version": 1, "reason": "typo'd", "baseline": { "mode": "Range", "rangeStartSeconds": 5 },
              "hpii": { "w4": -1 }, "apex": { "quantile": 1.5 } }
            """);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.Status);
        var errors = bad.Body.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(3, errors.Count);
        Assert.Contains("baseline mode Range needs rangeStartSeconds < rangeEndSeconds.", errors);
        Assert.Contains("hpii.w4 must be a number from 0 to 100; it is -1.", errors);
        Assert.Contains("apex.quantile must be between 0 and 1 (exclusive).", errors);
        Assert.All(errors, e => Assert.EndsWith(".", e));
        Assert.Equal(string.Join(" ", errors), bad.Body.GetProperty("detail").GetString());

        foreach (var (json, sentence) in new[]
        {
            ("""{ "version": 1, "baseline": { "mode": "Population" } }""", "Give a reason for the change"),
            ("""{ "version": 1, "reason": "r", "hpii": { "weight4": 2 } }""", "does not have the shape of the --config file"),
            ("""{ "version": 1, "reason": "r", "apex": { "strategy": "Best" } }""", "does not have the shape of the --config file"),
            ("""{ "version": 1, "reason": "r", "baseline": { "mode": "Recording" } }""", "baseline mode Recording needs"),
            ("""{ "version": 1, "reason": "r", "quality": { "maxAbsYaw": 0 } }""", "quality.maxAbsYaw must be an angle"),
            ("""{ "version": 1, "reason": "r", "hpii": { "w4": 0, "w67": 0, "w9": 0 } }""", "At least one HPII weight must be above 0."),
            ("""{ "version": 1, "reason": "r", "smoothing": { "method": "SavitzkyGolay", "window": 3, "polyOrder": 5 } }""", "smoothing.polyOrder must be below the window."),
            ("""{ "version": 1, "reason": "r", "baseline": """, "not valid JSON"),
            ("""[1, 2]""", "must be a JSON object"),
            ("""{ "version": 1, "reason": "r" }""", "nothing changed"),
        })
        {
            var refused = await Put(client, json);
            Assert.True(refused.Status == HttpStatusCode.UnprocessableEntity, $"{json}: {(int)refused.Status} {refused.Text}");
            Assert.Contains(sentence, refused.Body.GetProperty("detail").GetString());
        }
        // A change made from a stale version is a conflict, not a silent overwrite.
        var stale = await Put(client, """{ "version": 7, "reason": "r", "baseline": { "mode": "Population" } }""");
        Assert.Equal(HttpStatusCode.Conflict, stale.Status);
        Assert.Contains("version 1 now", stale.Body.GetProperty("detail").GetString());
        // A study cannot be created with an invalid protocol either.
        var create = await SendAsync(client, Api(HttpMethod.Post, "/api/studies", """{ "name": "Bad protocol study", "protocol": { "apex": { "quantile": 0 } } }"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, create.Status);
        Assert.Contains("apex.quantile must be between 0 and 1", create.Body.GetProperty("detail").GetString());
        Assert.False(await portal.Factory.WithDbAsync(db => db.Studies.AnyAsync(s => s.Name == "Bad protocol study", Ct)));

        // Rights: members read it; only Coordinators (and Admins) change it; a non-member gets what a missing study gives.
        var clinician = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Clinician));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(clinician, Api(HttpMethod.Get, $"/api/studies/{study}/protocol"))).Status);
        var forbidden = await Put(clinician, """{ "version": 1, "reason": "r", "baseline": { "mode": "Population" } }""");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Status);
        Assert.Contains("does not allow you to change its analysis protocol", forbidden.Body.GetProperty("detail").GetString());

        var outsider = "outsider-" + Guid.NewGuid().ToString("N")[..6] + "@example.org";
        var (otherClient, otherStudy) = await StudyAsync(null);
        await portal.Factory.EnsureMemberAsync(outsider, Roles.Coordinator, otherStudy);
        var stranger = await portal.Factory.SignedInAsync(outsider);
        var missing = Guid.NewGuid();
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Put })
        {
            var body = method == HttpMethod.Put ? """{ "version": 1, "reason": "r", "hpii": { "w4": -5 } }""" : null;
            var theirs = await SendAsync(stranger, Api(method, $"/api/studies/{study}/protocol", body));
            var none = await SendAsync(stranger, Api(method, $"/api/studies/{missing}/protocol", body));
            Assert.Equal(HttpStatusCode.NotFound, theirs.Status);
            Assert.Equal((none.Status, none.Body.GetProperty("detail").GetString()), (theirs.Status, theirs.Body.GetProperty("detail").GetString()));
        }
        _ = otherClient;
        // Nothing of that changed the protocol.
        Assert.Equal(1, (await SendAsync(client, Api(HttpMethod.Get, $"/api/studies/{study}/protocol"))).Body.GetProperty("version").GetInt32());
    }
}
