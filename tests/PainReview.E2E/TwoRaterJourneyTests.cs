using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.E2E.Support;

namespace PainReview.E2E;

/// <summary>
/// Browser: two raters review the same recording blind to each other, the study's agreement page
/// shows the kappa a hand computation gives on the same decisions, and the adjudicator's decision
/// becomes the one in force, audited.
/// </summary>
public sealed class TwoRaterJourneyTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private const string Password = "Harbour-Lantern-47";

    [Fact]
    public async Task Two_raters_review_blind_kappa_appears_and_adjudication_sets_the_decisions_in_force()
    {
        session.RequireBrowser();
        var (id, _) = await session.SeedAnalysedRecordingAsync("WolfgangLanger_Pexels.mp4", 6);
        var study = session.LastStudyId;
        string[] users = ["rater.a@example.org", "rater.b@example.org", "adjudicator@example.org"];
        foreach (var user in users)
        {
            await session.CreateUserAsync(user, Password, "Clinician"); // and a Clinician of the last seeded study
        }
        var options = new DbContextOptionsBuilder<PainReviewDbContext>().UseSqlite($"Data Source={Path.Combine(session.DataDirectory, "painreview.db")}").Options;
        await using (var db = new PainReviewDbContext(options))
        {
            var s = await db.Studies.SingleAsync(x => x.Id == study, TestContext.Current.CancellationToken);
            s.TwoRaters = true;
            s.BlindRaters = true;
            RaterSlot[] slots = [RaterSlot.First, RaterSlot.Second, RaterSlot.Adjudicator];
            for (var i = 0; i < 3; i++)
            {
                var normalized = users[i].ToUpperInvariant();
                var userId = await db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.Id).SingleAsync(TestContext.Current.CancellationToken);
                db.RaterAssignments.Add(new RaterAssignment { RecordingId = id, StudyId = study, Slot = slots[i], UserId = userId, UserName = users[i], AssignedBy = "e2e" });
            }
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        // Rater A rejects the first span and accepts the others; rater B rejects the first two and accepts the rest.
        List<string> spans = [];
        async Task ReviewAsync(string user, Func<int, bool> accept)
        {
            var page = await session.NewPageAsync();
            await BrowserSession.SignInAsync(page, user, Password);
            await page.GotoAsync($"/review/{id}");
            await BrowserSession.WaitInteractiveAsync(page);
            await Assertions.Expect(page.Locator("#rater-banner")).ToContainTextAsync("nor the VAS and HPII");
            await Assertions.Expect(page.Locator("#vas-self")).ToHaveTextAsync("not given");
            var strip = page.Locator("#apex-strip > div[data-span-first]");
            await strip.First.WaitForAsync();
            if (spans.Count == 0)
                foreach (var div in await strip.AllAsync()) spans.Add((await div.GetAttributeAsync("data-span-first"))!);
            Assert.True(spans.Count >= 2, "the clip needs two APEX spans");
            for (var i = 0; i < spans.Count; i++)
            {
                var span = page.Locator($"#apex-strip > div[data-span-first='{spans[i]}']");
                // Blind: the other rater's decisions never show; every span starts pending here.
                await Assertions.Expect(span).ToHaveAttributeAsync("data-verdict", "Pending");
                await span.Locator(accept(i) ? ".accept-span" : ".reject-span").ClickAsync();
                await Assertions.Expect(span).ToHaveAttributeAsync("data-verdict", accept(i) ? "Accepted" : "Rejected");
            }
            await page.FillAsync("#sign-password", Password);
            await page.ClickAsync("#mark-reviewed");
            await Assertions.Expect(page.Locator("#rater-signed")).ToBeVisibleAsync();
            await page.Context.CloseAsync();
        }
        await ReviewAsync(users[0], i => i != 0);
        await ReviewAsync(users[1], i => i >= 2);

        // By hand: n spans; both accept n-2, A accepts and B rejects 1, both reject 1.
        var n = spans.Count;
        var po = (n - 1.0) / n;
        var pe = (n - 1.0) / n * (n - 2.0) / n + 1.0 / n * 2.0 / n;
        var kappa = (po - pe) / (1 - pe);
        var adjudicator = await session.NewPageAsync();
        await BrowserSession.SignInAsync(adjudicator, users[2], Password);
        await adjudicator.GotoAsync($"/studies/{study}/agreement");
        await BrowserSession.WaitInteractiveAsync(adjudicator);
        await Assertions.Expect(adjudicator.Locator(".study-agreement .kappa")).ToContainTextAsync(kappa.ToString("0.000", CultureInfo.InvariantCulture));
        await Assertions.Expect(adjudicator.Locator(".study-agreement .percent")).ToContainTextAsync((po * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%");
        var difference = adjudicator.Locator($".difference[data-first='{spans[1]}']");
        await Assertions.Expect(adjudicator.Locator(".difference")).ToHaveCountAsync(1);
        await adjudicator.GetByLabel("Reason for the adjudication (required, audited)").FillAsync("brow lowering is clear");
        await difference.Locator(".adjudicate-accept").ClickAsync();
        await Assertions.Expect(difference.Locator(".adjudicated")).ToHaveTextAsync("accepted");
        await session.ScreenshotAsync(adjudicator, "40-agreement");

        await using (var db = new PainReviewDbContext(options))
        {
            var first = int.Parse(spans[1], CultureInfo.InvariantCulture);
            var inForce = await db.ReviewDecisions.Where(d => d.RecordingId == id && d.FrameIndex == first).Select(d => d.Decision).SingleAsync(TestContext.Current.CancellationToken);
            Assert.Equal(DecisionKind.Accepted, inForce);
            Assert.Equal(1, await db.AuditEvents.CountAsync(e => e.RecordingId == id && e.Action == "adjudication.decided" && e.User == users[2], TestContext.Current.CancellationToken));
        }
    }
}
