using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data.Entities;
using PainReview.Web.Features;
using PainReview.Web.Features.Access;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>
/// Host: study membership. A member of one study, in each role, attacks another study's every page,
/// endpoint, media URL, export, report and API call, and gets exactly what a study that does not
/// exist would give; raw video leaves only with an Admin's grant; tokens act with the same rights.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class StudyAccessTests(PortalFixture portal)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    /// <summary>A study no seeded user belongs to (only Admins see it), with one analysed-looking recording.</summary>
    private async Task<(Guid Study, Guid Recording, string Name)> OtherStudyAsync() => await portal.Factory.WithDbAsync(async db =>
    {
        var name = "Other study " + Guid.NewGuid().ToString("N")[..6];
        var study = new Study { Name = name, CreatedBy = "someone-else" };
        var participant = new Participant { Code = "X-001", Study = study };
        var recording = new Recording
        {
            Study = study, Participant = participant, OriginalFileName = "secret-face.mp4", StoredFileName = "secret-face.mp4",
            Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), UploadedBy = "someone-else", Status = RecordingStatus.Completed,
            Frames = 1, UsableFrames = 1,
        };
        recording.FrameResults.Add(new FrameResult { FrameIndex = 0, TimeSeconds = 0, Face = true, Usable = true, Apex = true, Hpii = 1 });
        db.Recordings.Add(recording);
        db.AuditEvents.Add(new AuditEvent { User = "someone-else", Action = "study.created", EntityType = "Study", EntityId = study.Id.ToString(), StudyId = study.Id, After = $"{{\"name\":\"{name}\"}}" });
        await db.SaveChangesAsync();
        return (study.Id, recording.Id, name);
    });

    private static HttpRequestMessage Api(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add(PortalEndpoints.ApiHeader, "1");
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using (request)
        {
            var response = await client.SendAsync(request, Ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
        }
    }

    public static TheoryData<string> StudyRoles => [Roles.Coordinator, Roles.Clinician, Roles.DataManager];

    [Theory]
    [MemberData(nameof(StudyRoles))]
    public async Task A_non_member_gets_what_a_missing_study_gives_everywhere(string role)
    {
        var other = await OtherStudyAsync();
        var missingStudy = Guid.NewGuid();
        var missingRecording = Guid.NewGuid();
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(role));

        // Pages: the same sentence as for an id that does not exist, and nothing of the study's.
        foreach (var (path, missing) in new[]
        {
            ($"/studies/{other.Study}", $"/studies/{missingStudy}"),
            ($"/recordings/{other.Recording}", $"/recordings/{missingRecording}"),
        })
        {
            var (status, body) = await SendAsync(client, new HttpRequestMessage(HttpMethod.Get, path));
            var (missingStatus, missingBody) = await SendAsync(client, new HttpRequestMessage(HttpMethod.Get, missing));
            Assert.Equal(missingStatus, status);
            Assert.Contains("does not exist", body);
            Assert.Contains("does not exist", missingBody);
            Assert.DoesNotContain(other.Name, body);
            Assert.DoesNotContain("secret-face", body);
            Assert.DoesNotContain("X-001", body);
        }
        foreach (var listing in new[] { "/studies", "/", "/review", "/audit", "/data/exports", "/data/cohort" })
        {
            var (_, body) = await SendAsync(client, new HttpRequestMessage(HttpMethod.Get, listing));
            Assert.DoesNotContain(other.Name, body);
        }

        // Endpoints and media: status and sentence identical to a missing id.
        var pairs = new List<(string Method, string Path, string Missing, object? Body)>
        {
            ("GET", $"/api/recordings/{other.Recording}", $"/api/recordings/{missingRecording}", null),
            ("POST", $"/api/studies/{other.Study}/participants", $"/api/studies/{missingStudy}/participants", new { code = "X-002" }),
            ("POST", $"/api/studies/{other.Study}/members", $"/api/studies/{missingStudy}/members", new { email = PortalFactory.EmailOf(role), role }),
            ("GET", $"/api/studies/{other.Study}/members", $"/api/studies/{missingStudy}/members", null),
        };
        if (role is Roles.Clinician or Roles.Coordinator)
        {
            pairs.Add(("GET", $"/media/recordings/{other.Recording}/video", $"/media/recordings/{missingRecording}/video", null));
            pairs.Add(("GET", $"/media/recordings/{other.Recording}/frames/0.jpg", $"/media/recordings/{missingRecording}/frames/0.jpg", null));
        }
        if (role is Roles.Clinician)
        {
            // The review timeline's figure and series: another study's recording reads as one that does not exist.
            pairs.Add(("GET", $"/media/recordings/{other.Recording}/timeline", $"/media/recordings/{missingRecording}/timeline", null));
            pairs.Add(("GET", $"/media/recordings/{other.Recording}/timeline/series?from=1&to=2", $"/media/recordings/{missingRecording}/timeline/series?from=1&to=2", null));
            var (reviewStatus, reviewBody) = await SendAsync(client, new HttpRequestMessage(HttpMethod.Get, $"/review/{other.Recording}"));
            var (missingReviewStatus, missingReviewBody) = await SendAsync(client, new HttpRequestMessage(HttpMethod.Get, $"/review/{missingRecording}"));
            Assert.Equal(missingReviewStatus, reviewStatus);
            Assert.Contains("does not exist", reviewBody);
            Assert.Contains("does not exist", missingReviewBody);
            Assert.DoesNotContain("secret-face", reviewBody);
        }
        if (role is Roles.DataManager)
        {
            pairs.Add(("GET", $"/data/export?study={other.Study}&format=csv&unreviewed=true", $"/data/export?study={missingStudy}&format=csv&unreviewed=true", null));
            pairs.Add(("GET", $"/data/cohort-report?study={other.Study}", $"/data/cohort-report?study={missingStudy}", null));
        }
        foreach (var (method, path, missing, body) in pairs)
        {
            var attack = await SendAsync(client, Api(new HttpMethod(method), path, body));
            var absent = await SendAsync(client, Api(new HttpMethod(method), missing, body));
            Assert.True(attack.Status == HttpStatusCode.NotFound, $"{role} {method} {path}: {(int)attack.Status} {attack.Body}");
            Assert.Equal(absent.Status, attack.Status);
            Assert.Equal(Detail(absent.Body), Detail(attack.Body));
        }

        // Uploads into the other study are refused before a byte is stored.
        var upload = await Uploads.UploadAsync(client, other.Study, "x.mp4", new MemoryStream([1, 2, 3]), participant: "X-001");
        Assert.Equal(role == Roles.Coordinator ? HttpStatusCode.NotFound : HttpStatusCode.Forbidden, upload.Status);

        // The API's list holds only the member's studies.
        var (listStatus, list) = await SendAsync(client, Api(HttpMethod.Get, "/api/studies"));
        Assert.Equal(HttpStatusCode.OK, listStatus);
        var ids = JsonDocument.Parse(list).RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetGuid()).ToList();
        Assert.Contains(portal.StudyId, ids);
        Assert.DoesNotContain(other.Study, ids);
    }

    private static string Detail(string problem) =>
        problem.Length > 0 && problem[0] == '{' && JsonDocument.Parse(problem).RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : problem;

    [Fact]
    public async Task A_coordinator_of_one_study_cannot_delete_or_change_another_studys_recording()
    {
        var other = await OtherStudyAsync();
        using var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Coordinator));
        var recordings = scope.ServiceProvider.GetRequiredService<RecordingService>();
        foreach (var attack in new Func<Task>[]
        {
            () => recordings.DeleteAsync(other.Recording, "attack"),
            () => recordings.RetryAsync(other.Recording),
            () => recordings.CancelAsync(other.Recording),
            () => recordings.CreateParticipantAsync(other.Study, "X-099"),
        })
        {
            var e = await Assert.ThrowsAsync<AccessException>(attack);
            Assert.Equal(404, e.StatusCode);
        }
        Assert.True(await portal.Factory.WithDbAsync(db => db.Recordings.AnyAsync(r => r.Id == other.Recording)));
    }

    [Fact]
    public async Task A_member_whose_role_does_not_allow_it_is_refused_with_a_sentence()
    {
        var clinician = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Clinician));
        var (status, body) = await SendAsync(clinician, Api(HttpMethod.Post, $"/api/studies/{portal.StudyId}/participants", new { code = "Q-001" }));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("does not allow you to add participants", body);
    }

    [Fact]
    public async Task Raw_video_in_an_export_needs_an_admins_grant_and_its_download_is_audited()
    {
        var studyId = await portal.Factory.WithDbAsync(async db =>
        {
            var study = new Study { Name = "Video grant " + Guid.NewGuid().ToString("N")[..6], CreatedBy = "t" };
            db.Studies.Add(study);
            await db.SaveChangesAsync();
            await Members.AddRoleUsersAsync(db, study.Id);
            return study.Id;
        });
        var dataManager = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.DataManager));
        var refused = await dataManager.GetAsync($"/data/export?study={studyId}&format=json&video=true", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("raw facial video", await refused.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, (await dataManager.GetAsync($"/data/export?study={studyId}&format=json", Ct)).StatusCode);

        // Only an Admin grants it; the study's coordinator cannot.
        var memberId = await portal.Factory.WithDbAsync(db => db.StudyMembers.Where(m => m.StudyId == studyId && m.Role == Roles.DataManager).Select(m => m.Id).SingleAsync());
        using (var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Coordinator)))
            await Assert.ThrowsAsync<AccessException>(() => scope.ServiceProvider.GetRequiredService<StudyMembership>().SetVideoExportAsync(studyId, memberId, true));
        using (var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Admin)))
            await scope.ServiceProvider.GetRequiredService<StudyMembership>().SetVideoExportAsync(studyId, memberId, true);

        var granted = await dataManager.GetAsync($"/data/export?study={studyId}&format=json&video=true", Ct);
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        Assert.Equal("no-store", granted.Headers.CacheControl?.ToString());
        var actions = await portal.Factory.WithDbAsync(db => db.AuditEvents.Where(a => a.StudyId == studyId).Select(a => a.Action).ToListAsync());
        Assert.Contains("study.member.video-export.granted", actions);
        Assert.Contains("export.downloaded.with-video", actions);
        Assert.Contains("export.downloaded", actions);
    }

    [Fact]
    public async Task A_coordinator_creates_a_study_through_the_api_becomes_its_member_and_adds_others()
    {
        var coordinator = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Coordinator));
        var name = "API study " + Guid.NewGuid().ToString("N")[..6];
        var (created, body) = await SendAsync(coordinator, Api(HttpMethod.Post, "/api/studies", new { name, description = "made by a script" }));
        Assert.Equal(HttpStatusCode.Created, created);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(coordinator, Api(HttpMethod.Post, $"/api/studies/{id}/participants", new { code = "A-001" }))).Status);

        // The clinician does not see it until added.
        var clinician = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Clinician));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(clinician, Api(HttpMethod.Get, $"/api/studies/{id}/members"))).Status);
        var (wrongRole, wrongBody) = await SendAsync(coordinator, Api(HttpMethod.Post, $"/api/studies/{id}/members", new { email = PortalFactory.EmailOf(Roles.Clinician), role = "DataManager" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongRole);
        Assert.Contains("does not hold the DataManager role", wrongBody);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(coordinator, Api(HttpMethod.Post, $"/api/studies/{id}/members", new { email = PortalFactory.EmailOf(Roles.Clinician), role = "Clinician" }))).Status);
        var (ok, members) = await SendAsync(clinician, Api(HttpMethod.Get, $"/api/studies/{id}/members"));
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Contains(PortalFactory.EmailOf(Roles.Coordinator), members);

        // Refusals are problem details with a sentence.
        var (bad, badBody) = await SendAsync(coordinator, Api(HttpMethod.Post, "/api/studies", new { name = "" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad);
        Assert.Contains("2 to 200 characters", badBody);
        var clinicianCreates = await SendAsync(clinician, Api(HttpMethod.Post, "/api/studies", new { name = "Not mine " + Guid.NewGuid().ToString("N")[..4] }));
        Assert.Equal(HttpStatusCode.Forbidden, clinicianCreates.Status);
    }

    [Fact]
    public async Task Api_tokens_act_with_their_users_memberships_and_every_use_is_audited()
    {
        var other = await OtherStudyAsync();
        string secret;
        Guid tokenId;
        using (var scope = portal.Factory.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = await users.FindByEmailAsync(PortalFactory.EmailOf(Roles.Coordinator));
            var created = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(user!.Id, "script", 30, "test");
            (secret, tokenId) = (created.Secret, created.Id);
            var stored = await portal.Factory.WithDbAsync(db => db.ApiTokens.SingleAsync(t => t.Id == created.Id));
            Assert.DoesNotContain(secret, stored.Hash);
            Assert.Equal(64, stored.Hash.Length);
        }
        var client = portal.Factory.Client();
        HttpRequestMessage Bearer(HttpMethod method, string path, string token, object? body = null)
        {
            var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            if (body is not null) request.Content = JsonContent.Create(body);
            return request;
        }
        var (status, list) = await SendAsync(client, Bearer(HttpMethod.Get, "/api/studies", secret));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(portal.StudyId.ToString(), list);
        Assert.DoesNotContain(other.Study.ToString(), list);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(client, Bearer(HttpMethod.Get, $"/api/recordings/{other.Recording}", secret))).Status);
        // A token is for the API only: pages still want a signed-in session.
        var page = await client.SendAsync(Bearer(HttpMethod.Get, "/studies", secret), Ct);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);

        var uses = await portal.Factory.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.Action == "token.used" && a.EntityId == tokenId.ToString()));
        Assert.Equal(2, uses);

        var (wrong, wrongBody) = await SendAsync(client, Bearer(HttpMethod.Get, "/api/studies", "prt_not-a-real-token"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong);
        Assert.Contains("Unknown API token", wrongBody);

        using (var scope = portal.Factory.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<ApiTokens>().RevokeAsync(tokenId, "", asAdmin: true, "test");
        var (revoked, revokedBody) = await SendAsync(client, Bearer(HttpMethod.Get, "/api/studies", secret));
        Assert.Equal(HttpStatusCode.Unauthorized, revoked);
        Assert.Contains("revoked", revokedBody);

        await portal.Factory.WithDbAsync(async db =>
        {
            var t = await db.ApiTokens.SingleAsync(x => x.Id == tokenId);
            t.RevokedUtc = null;
            t.ExpiresUtc = DateTime.UtcNow.AddMinutes(-1);
            return await db.SaveChangesAsync();
        });
        var (expired, expiredBody) = await SendAsync(client, Bearer(HttpMethod.Get, "/api/studies", secret));
        Assert.Equal(HttpStatusCode.Unauthorized, expired);
        Assert.Contains("expired", expiredBody);
    }
}
