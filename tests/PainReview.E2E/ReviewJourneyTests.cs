using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using Microsoft.Playwright;
using PainReview.E2E.Support;
using PainReview.Pipeline.Tests.Support;
using PainReview.Web.Tests.Process;

namespace PainReview.E2E;

/// <summary>
/// Browser: a clinician reviews a completed recording: the timeline has one point per frame,
/// clicking a thumbnail seeks the video to that frame, a rejected span and a corrected VAS survive
/// a reload and appear in the audit log; a coordinator is refused the review page.
/// </summary>
public sealed partial class ReviewJourneyTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task Clinician_reviews_a_recording_and_the_changes_are_kept_and_audited()
    {
        session.RequireBrowser();
        var (recordingId, frames) = await UploadAndAnalyseAsync("WolfgangLanger_Pexels.mp4", 7);
        await session.CreateUserAsync("clinician@example.org", "Clinician-Pass-1", "Clinician");

        var page = await session.NewPageAsync();
        await BrowserSession.SignInAsync(page, "clinician@example.org", "Clinician-Pass-1");
        await page.GotoAsync("/review");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "WolfgangLanger_Pexels.mp4" }).ClickAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        await page.Locator("#review-video").WaitForAsync();
        await page.WaitForFunctionAsync("() => { const g = document.getElementById('timeline'); return g && g.data && g.data.length > 0; }");

        // One timeline point per analysed frame.
        var points = await page.EvaluateAsync<int>("() => document.getElementById('timeline').data[0].x.length");
        Assert.Equal(frames, points);

        // Clicking a thumbnail moves the video to that frame.
        await page.WaitForFunctionAsync("() => document.getElementById('review-video').readyState >= 1");
        var thumbnail = page.Locator("img.apex-thumbnail").Nth(1);
        var frameTime = double.Parse((await thumbnail.GetAttributeAsync("data-time"))!, System.Globalization.CultureInfo.InvariantCulture);
        await thumbnail.ClickAsync();
        await page.WaitForFunctionAsync($"() => Math.abs(document.getElementById('review-video').currentTime - {frameTime.ToString(System.Globalization.CultureInfo.InvariantCulture)}) < 0.02");
        await session.ScreenshotAsync(page, "10-review-workspace");

        // Reject the first APEX span with a reason; correct the VAS with a reason.
        var firstSpan = page.Locator("#apex-strip > div").First;
        var spanFirst = await firstSpan.GetAttributeAsync("data-span-first");
        await page.GetByLabel("Reason (optional)").FillAsync("eyes closed by a blink, not pain");
        await firstSpan.Locator(".reject-span").ClickAsync();
        await Assertions.Expect(page.Locator($"#apex-strip > div[data-span-first='{spanFirst}']")).ToHaveAttributeAsync("data-verdict", "Rejected");
        await page.GetByLabel("Corrected VAS").FillAsync("3");
        await page.GetByLabel("Reason (required)").FillAsync("clinician interview: pain had eased");
        await page.ClickAsync("#vas-save");
        await Assertions.Expect(page.Locator("#vas-effective")).ToHaveTextAsync("3");
        await Assertions.Expect(page.Locator("#vas-self")).ToHaveTextAsync("7");

        // Both survive a reload.
        await page.ReloadAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator($"#apex-strip > div[data-span-first='{spanFirst}']")).ToHaveAttributeAsync("data-verdict", "Rejected");
        await Assertions.Expect(page.Locator("#vas-effective")).ToHaveTextAsync("3");
        await session.ScreenshotAsync(page, "11-review-after-reload");

        // The audit log shows both, with who and why.
        await page.GotoAsync($"/audit?recording={recordingId}");
        await BrowserSession.WaitInteractiveAsync(page);
        var audit = page.Locator("#audit-table");
        await Assertions.Expect(audit.Locator("[data-action='apex.rejected']").First).ToBeVisibleAsync();
        await Assertions.Expect(audit.Locator("[data-action='vas.corrected']")).ToHaveCountAsync(1);
        await Assertions.Expect(audit).ToContainTextAsync("clinician interview: pain had eased");
        await Assertions.Expect(audit).ToContainTextAsync("clinician@example.org");
        await session.ScreenshotAsync(page, "12-audit-log");
    }

    [Fact]
    public async Task Coordinator_is_refused_the_review_actions()
    {
        session.RequireBrowser();
        var (recordingId, _) = await UploadAndAnalyseAsync("single_face.mp4", 2);
        await session.CreateUserAsync("coordinator2@example.org", "Coordinator-Pass-2", "Coordinator");
        var page = await session.NewPageAsync();
        await BrowserSession.SignInAsync(page, "coordinator2@example.org", "Coordinator-Pass-2");
        await page.GotoAsync($"/review/{recordingId}");
        Assert.Contains("/Account/AccessDenied", page.Url);
        await page.GotoAsync($"/recordings/{recordingId}");
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#open-review")).ToHaveCountAsync(0);
        await session.ScreenshotAsync(page, "13-coordinator-recording-page");
    }

    /// <summary>Seeds a study in the portal's database and uploads a clip through the API as the Admin.</summary>
    private async Task<(Guid Id, int Frames)> UploadAndAnalyseAsync(string clip, double vas)
    {
        var portal = session.Portal;
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = portal.BaseAddress };
        var login = await client.GetStringAsync("/Account/Login");
        var token = Token().Match(login).Groups[1].Value;
        await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login", ["__RequestVerificationToken"] = token,
            ["Input.Email"] = PortalProcess.AdminEmail, ["Input.Password"] = PortalProcess.AdminPassword,
        }));

        var options = new DbContextOptionsBuilder<PainReviewDbContext>()
            .UseSqlite($"Data Source={Path.Combine(session.DataDirectory, "painreview.db")}").Options;
        Guid studyId;
        await using (var db = new PainReviewDbContext(options))
        {
            var study = new Study { Name = "Review study " + Guid.NewGuid().ToString("N")[..6], CreatedBy = "e2e" };
            study.Participants.Add(new Participant { Code = "P-100" });
            db.Studies.Add(study);
            await db.SaveChangesAsync();
            studyId = study.Id;
        }

        using var form = new MultipartFormDataContent
        {
            { new StringContent("P-100"), "participant" },
            { new StringContent(vas.ToString(System.Globalization.CultureInfo.InvariantCulture)), "vas" },
        };
        var file = new StreamContent(File.OpenRead(TestEnvironment.Clip(clip)));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", clip);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/studies/{studyId}/recordings") { Content = form };
        request.Headers.Add("X-PainReview-Api", "1");
        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var id = Guid.Parse(JsonDocument.Parse(body).RootElement[0].GetProperty("id").GetString()!);

        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            using var status = new HttpRequestMessage(HttpMethod.Get, $"/api/recordings/{id}");
            status.Headers.Add("X-PainReview-Api", "1");
            using var doc = JsonDocument.Parse(await (await client.SendAsync(status)).Content.ReadAsStringAsync());
            var state = doc.RootElement.GetProperty("status").GetString();
            if (state == "Completed") return (id, doc.RootElement.GetProperty("frames").GetInt32());
            Assert.True(state is "Queued" or "Running" && DateTime.UtcNow < deadline, $"analysis ended as {state}");
            await Task.Delay(250);
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
