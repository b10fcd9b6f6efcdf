using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using Microsoft.Playwright;
using PainReview.E2E.Support;

namespace PainReview.E2E;

/// <summary>
/// Browser: a clinician reviews a completed recording: the timeline has one point per frame,
/// clicking a thumbnail seeks the video to that frame, a rejected span and a corrected VAS survive
/// a reload and appear in the audit log; a coordinator is refused the review page.
/// </summary>
public sealed class ReviewJourneyTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task Clinician_reviews_a_recording_and_the_changes_are_kept_and_audited()
    {
        session.RequireBrowser();
        var (recordingId, frames) = await session.SeedAnalysedRecordingAsync("WolfgangLanger_Pexels.mp4", 7);
        await session.CreateUserAsync("clinician@example.org", "Harbour-Lantern-42", "Clinician");

        var page = await session.NewPageAsync();
        await BrowserSession.SignInAsync(page, "clinician@example.org", "Harbour-Lantern-42");
        await page.GotoAsync("/review");
        await BrowserSession.WaitInteractiveAsync(page);
        // Reviewers see the participant, timepoint and date, never the uploader's file name.
        await Assertions.Expect(page.Locator("#queue-table")).Not.ToContainTextAsync("WolfgangLanger");
        // The queue searches and sorts on the server: a search narrows it, a heading sorts by its column.
        await Assertions.Expect(page.Locator("#queue-range")).ToContainTextAsync("of");
        await page.Locator("#queue-search").FillAsync("p-100");
        await Assertions.Expect(page.Locator("#queue-range")).ToHaveTextAsync("1-1 of 1 recording");
        await page.Locator("#queue-search").FillAsync("no such participant");
        await Assertions.Expect(page.Locator("#queue-table")).ToContainTextAsync("No recording matches");
        await page.Locator("#queue-search").FillAsync("");
        await page.Locator(".queue-sort.sort-participant").ClickAsync();
        await Assertions.Expect(page.Locator(".queue-sort.sort-participant")).ToHaveAttributeAsync("data-active", "ascending");
        await page.Locator(".queue-sort.sort-participant").ClickAsync();
        await Assertions.Expect(page.Locator(".queue-sort.sort-participant")).ToHaveAttributeAsync("data-active", "descending");
        await session.ScreenshotAsync(page, "09-review-queue");
        await page.GetByRole(AriaRole.Link, new() { Name = "P-100 · no timepoint · undated" }).ClickAsync();
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
        // The timeline's shading follows at once, and the reason does not outlive its decision.
        await page.WaitForFunctionAsync("() => document.getElementById('timeline').layout.shapes.some(s => s.fillcolor === 'rgba(120,120,120,0.25)')");
        await Assertions.Expect(page.GetByLabel("Reason (optional)")).ToHaveValueAsync("");
        var secondSpan = page.Locator("#apex-strip > div[data-span-first]").Nth(1);
        var secondFirst = await secondSpan.GetAttributeAsync("data-span-first");
        await secondSpan.Locator(".accept-span").ClickAsync();
        await Assertions.Expect(page.Locator($"#apex-strip > div[data-span-first='{secondFirst}']")).ToHaveAttributeAsync("data-verdict", "Accepted");
        await Assertions.Expect(page.Locator("#decision-counts")).Not.ToHaveTextAsync(new Regex("^0 /"));
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

        // Signing needs the password again; the signed review is read-only until reopened with a reason.
        await page.FillAsync("#sign-password", "Harbour-Lantern-42");
        await page.ClickAsync("#mark-reviewed");
        await Assertions.Expect(page.Locator("#signature")).ToContainTextAsync("clinician@example.org");
        await Assertions.Expect(page.Locator("#review-state")).ToContainTextAsync("Reviewed by");
        // Read-only on the page too (the server refuses any change as well: host tests).
        await Assertions.Expect(page.Locator($"#apex-strip > div[data-span-first='{secondFirst}'] .reject-span")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("#add-frame")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator($"#apex-strip > div[data-span-first='{secondFirst}']")).ToHaveAttributeAsync("data-verdict", "Accepted");
        await session.ScreenshotAsync(page, "14-review-signed");
        await page.FillAsync("#reopen-reason", "second look requested by the monitor");
        await page.ClickAsync("#reopen-review");
        await Assertions.Expect(page.Locator(".voided-signature")).ToContainTextAsync("second look requested by the monitor");
        await Assertions.Expect(page.Locator("#review-state")).ToHaveTextAsync("Not signed");

        // The audit log shows both, with who and why.
        await page.GotoAsync($"/audit?recording={recordingId}");
        await BrowserSession.WaitInteractiveAsync(page);
        var audit = page.Locator("#audit-table");
        await Assertions.Expect(audit.Locator("[data-action='apex.rejected']").First).ToBeVisibleAsync();
        await Assertions.Expect(audit.Locator("[data-action='vas.corrected']")).ToHaveCountAsync(1);
        await Assertions.Expect(audit).ToContainTextAsync("clinician interview: pain had eased");
        await Assertions.Expect(audit).ToContainTextAsync("clinician@example.org");
        await session.ScreenshotAsync(page, "12-audit-log");

        // In the record, only the rejection carries the reason typed for it.
        var options = new DbContextOptionsBuilder<PainReviewDbContext>().UseSqlite($"Data Source={Path.Combine(session.DataDirectory, "painreview.db")}").Options;
        await using var db = new PainReviewDbContext(options);
        var decided = await db.AuditEvents.Where(a => a.RecordingId == recordingId && (a.Action == "apex.rejected" || a.Action == "apex.accepted")).ToListAsync(TestContext.Current.CancellationToken);
        Assert.All(decided.Where(a => a.Action == "apex.rejected"), a => Assert.Equal("eyes closed by a blink, not pain", a.Reason));
        Assert.Contains(decided, a => a.Action == "apex.accepted");
        Assert.All(decided.Where(a => a.Action == "apex.accepted"), a => Assert.Null(a.Reason));
    }

    [Fact]
    public async Task Coordinator_is_refused_the_review_actions()
    {
        session.RequireBrowser();
        var (recordingId, _) = await session.SeedAnalysedRecordingAsync("single_face.mp4", 2);
        await session.CreateUserAsync("coordinator2@example.org", "Harbour-Lantern-44", "Coordinator");
        var page = await session.NewPageAsync();
        await BrowserSession.SignInAsync(page, "coordinator2@example.org", "Harbour-Lantern-44");
        await page.GotoAsync($"/review/{recordingId}");
        Assert.Contains("/Account/AccessDenied", page.Url);
        await page.GotoAsync($"/recordings/{recordingId}");
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#open-review")).ToHaveCountAsync(0);
        // An Admin-only page says "Access denied", never "Not found".
        await page.GotoAsync("/hangfire");
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Access denied");
        await session.ScreenshotAsync(page, "13-coordinator-recording-page");
    }

}
