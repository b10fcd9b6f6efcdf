using System.Net;
using PainReview.Data.Entities;
using PainReview.Web.Features;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>Host: every page and endpoint, for every role and for anonymous, allowed or refused as designed.</summary>
[Collection(PortalCollection.Name)]
public sealed class AccessTests(PortalFixture portal)
{
    private const string Anonymous = "anonymous";
    private const string NoRole = "norole";

    public static TheoryData<string> Everyone => [Anonymous, NoRole, .. Roles.All];

    private async Task<HttpClient> ClientAsAsync(string who) => who switch
    {
        Anonymous => portal.Factory.Client(),
        NoRole => await portal.Factory.SignedInAsync("norole@example.org"),
        _ => await portal.Factory.SignedInAsync(PortalFactory.EmailOf(who)),
    };

    /// <summary>
    /// This class's own recording in the fixture's study, with no frames: whoever gets past authorization
    /// meets the same answer every time (its workspace, and 404 for a frame it does not have).
    /// </summary>
    private async Task<Guid> AnyRecordingAsync() => await portal.Factory.WithDbAsync(async db =>
    {
        const string stored = "access-matrix-seed.mp4";
        var existing = db.Recordings.Where(r => r.StudyId == portal.StudyId && r.StoredFileName == stored).Select(r => r.Id).FirstOrDefault();
        if (existing != Guid.Empty) return existing;
        var participant = db.Participants.First(p => p.StudyId == portal.StudyId);
        var r = new Recording
        {
            StudyId = portal.StudyId, ParticipantId = participant.Id, OriginalFileName = "seed.mp4", StoredFileName = stored,
            Sha256 = new string('0', 64), UploadedBy = "fixture", Status = RecordingStatus.Failed, Error = "seeded for access tests",
        };
        db.Recordings.Add(r);
        await db.SaveChangesAsync();
        return r.Id;
    });

    private static void AssertOutcome(HttpResponseMessage response, string outcome, string what)
    {
        var location = response.Headers.Location?.ToString() ?? "";
        switch (outcome)
        {
            case "ok": Assert.True(response.StatusCode == HttpStatusCode.OK, $"{what}: {(int)response.StatusCode} {location}"); break;
            case "login": Assert.True(response.StatusCode == HttpStatusCode.Redirect && location.Contains("/Account/Login"), $"{what}: {(int)response.StatusCode} {location}"); break;
            case "denied": Assert.True(response.StatusCode == HttpStatusCode.Redirect && location.Contains("/Account/AccessDenied"), $"{what}: {(int)response.StatusCode} {location}"); break;
            default: Assert.True((int)response.StatusCode == int.Parse(outcome), $"{what}: {(int)response.StatusCode}, expected {outcome}"); break;
        }
    }

    [Theory]
    [MemberData(nameof(Everyone))]
    public async Task Pages_are_allowed_or_refused_by_role(string who)
    {
        var client = await ClientAsAsync(who);
        var recording = await AnyRecordingAsync();
        var studyRoles = who is Roles.Coordinator or Roles.Clinician or Roles.DataManager or Roles.Admin;
        var expected = new Dictionary<string, string>
        {
            ["/"] = who == Anonymous ? "login" : "ok",
            ["/studies"] = who == Anonymous ? "login" : studyRoles ? "ok" : "denied",
            [$"/studies/{portal.StudyId}"] = who == Anonymous ? "login" : studyRoles ? "ok" : "denied",
            [$"/recordings/{recording}"] = who == Anonymous ? "login" : studyRoles ? "ok" : "denied",
            [$"/studies/{portal.StudyId}/agreement"] = who == Anonymous ? "login" : studyRoles ? "ok" : "denied",
            ["/admin/users"] = who == Anonymous ? "login" : who == Roles.Admin ? "ok" : "denied",
            ["/admin/demo"] = who == Anonymous ? "login" : who == Roles.Admin ? "ok" : "denied",
            ["/admin/deleted"] = who == Anonymous ? "login" : who == Roles.Admin ? "ok" : "denied",
            ["/data/cohort"] = who == Anonymous ? "login" : who is Roles.DataManager or Roles.Admin ? "ok" : "denied",
            ["/data/exports"] = who == Anonymous ? "login" : who is Roles.DataManager or Roles.Admin ? "ok" : "denied",
            ["/Account/ChangePassword"] = who == Anonymous ? "login" : "ok",
            ["/Account/AccessDenied"] = "ok",
            ["/not-found"] = "ok",
            ["/review"] = who == Anonymous ? "login" : who is Roles.Clinician or Roles.Admin ? "ok" : "denied",
            [$"/review/{recording}"] = who == Anonymous ? "login" : who is Roles.Clinician or Roles.Admin ? "ok" : "denied",
            ["/audit"] = who == Anonymous ? "login" : who is Roles.Clinician or Roles.DataManager or Roles.Admin ? "ok" : "denied",
            [$"/media/recordings/{recording}/frame-times"] = who == Anonymous ? "login" : who is Roles.Clinician or Roles.Coordinator or Roles.Admin ? "ok" : "denied",
            // The review timeline's figure: the study's reviewers only (a Coordinator watches videos but does not review); the
            // seeded recording's analysis failed, which they are told (409), the others never get as far.
            [$"/media/recordings/{recording}/timeline"] = who == Anonymous ? "login" : who is Roles.Clinician or Roles.Admin ? "409" : who == Roles.Coordinator ? "403" : "denied",
            [$"/media/recordings/{recording}/frames/0.jpg"] = who == Anonymous ? "login" : who is Roles.Clinician or Roles.Coordinator or Roles.Admin ? "404" : "denied",
            ["/hangfire"] = who == Roles.Admin ? "ok" : who == Anonymous ? "login" : "denied",
            ["/healthz"] = "ok",
            ["/Account/Login"] = "ok",
        };
        foreach (var (path, outcome) in expected)
            AssertOutcome(await client.GetAsync(path, TestContext.Current.CancellationToken), outcome, $"{who} GET {path}");
    }

    [Theory]
    [MemberData(nameof(Everyone))]
    public async Task Api_is_allowed_or_refused_by_role(string who)
    {
        var client = await ClientAsAsync(who);
        var recording = await AnyRecordingAsync();
        using var get = new HttpRequestMessage(HttpMethod.Get, $"/api/recordings/{recording}");
        get.Headers.Add(PortalEndpoints.ApiHeader, "1");
        var studyRoles = who is Roles.Coordinator or Roles.Clinician or Roles.DataManager or Roles.Admin;
        // A user without a role is a member of no study: the recording reads as one that does not exist.
        AssertOutcome(await client.SendAsync(get, TestContext.Current.CancellationToken), who == Anonymous ? "401" : studyRoles ? "ok" : "404", $"{who} GET api/recordings");

        var upload = await Uploads.UploadAsync(client, portal.StudyId, "notes.mp4", new MemoryStream("not a video"u8.ToArray()));
        var canUpload = who is Roles.Coordinator or Roles.Admin;
        // Allowed roles reach validation (422: not a video); the others never do.
        Assert.Equal(who == Anonymous ? HttpStatusCode.Unauthorized : canUpload ? HttpStatusCode.UnprocessableEntity : HttpStatusCode.Forbidden, upload.Status);
    }

    [Fact]
    public async Task Api_requires_its_csrf_header()
    {
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Coordinator));
        var upload = await Uploads.UploadAsync(client, portal.StudyId, "x.mp4", new MemoryStream([1, 2, 3]), withApiHeader: false);
        Assert.Equal(HttpStatusCode.BadRequest, upload.Status);
    }

    [Fact]
    public async Task Wrong_password_does_not_sign_in_and_says_so()
    {
        var client = portal.Factory.Client();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => PortalFactory.SignInAsync(client, PortalFactory.EmailOf(Roles.Clinician), "wrong-password-1"));
        Assert.Contains("The email or password is not right", e.Message);
        AssertOutcome(await client.GetAsync("/studies", TestContext.Current.CancellationToken), "login", "after a failed sign-in");
    }

    [Fact]
    public async Task A_user_changes_their_own_password()
    {
        using (var scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateScope(portal.Factory.Services))
        {
            var users = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<ApplicationUser>>(scope.ServiceProvider);
            await users.CreateAsync(new ApplicationUser { UserName = "changer@example.org", Email = "changer@example.org" }, PortalFactory.Password);
        }
        var client = await portal.Factory.SignedInAsync("changer@example.org");
        var page = await client.GetStringAsync("/Account/ChangePassword", TestContext.Current.CancellationToken);
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var response = await client.PostAsync("/Account/ChangePassword", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "change-password", ["__RequestVerificationToken"] = token,
            ["Input.Current"] = PortalFactory.Password, ["Input.New"] = "A-New-Password-2", ["Input.Confirm"] = "A-New-Password-2",
        }), TestContext.Current.CancellationToken);
        Assert.Contains("Your password was changed", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        await Assert.ThrowsAsync<InvalidOperationException>(() => PortalFactory.SignInAsync(portal.Factory.Client(), "changer@example.org", PortalFactory.Password));
        await PortalFactory.SignInAsync(portal.Factory.Client(), "changer@example.org", "A-New-Password-2");
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Clinician));
        AssertOutcome(await client.GetAsync("/studies", TestContext.Current.CancellationToken), "ok", "signed in");
        var page = await client.GetStringAsync("/studies", TestContext.Current.CancellationToken);
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var response = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        AssertOutcome(await client.GetAsync("/studies", TestContext.Current.CancellationToken), "login", "signed out");
    }
}
