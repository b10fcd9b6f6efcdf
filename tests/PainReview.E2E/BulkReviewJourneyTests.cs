using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using PainReview.Data;
using PainReview.E2E.Support;

namespace PainReview.E2E;

/// <summary>Browser: a bulk reject of the spans flagged as smiles is one audited event naming them; the other spans are left as they were.</summary>
public sealed class BulkReviewJourneyTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private const string Email = "bulk@example.org", Password = "Harbour-Lantern-49";

    [Fact]
    public async Task A_bulk_reject_of_smile_spans_is_one_audited_event()
    {
        session.RequireBrowser();
        var (id, _) = await session.SeedAnalysedRecordingAsync("WolfgangLanger_Pexels.mp4", 5);
        await session.CreateUserAsync(Email, Password, "Clinician");
        var options = new DbContextOptionsBuilder<PainReviewDbContext>().UseSqlite($"Data Source={Path.Combine(session.DataDirectory, "painreview.db")}").Options;
        var ct = TestContext.Current.CancellationToken;
        // The APEX spans as the page finds them (runs of consecutive APEX frames); the first and third are made smiles.
        List<(int First, int Last)> spans = [];
        await using (var db = new PainReviewDbContext(options))
        {
            var frames = await db.FrameResults.Where(f => f.RecordingId == id).OrderBy(f => f.FrameIndex).ToListAsync(ct);
            foreach (var f in frames.Where(f => f.Apex))
            {
                if (spans.Count > 0 && spans[^1].Last == f.FrameIndex - 1) spans[^1] = (spans[^1].First, f.FrameIndex);
                else spans.Add((f.FrameIndex, f.FrameIndex));
            }
            Assert.True(spans.Count >= 2, $"the clip gives {spans.Count} APEX span(s); the test needs two");
            foreach (var f in frames) f.Smile = spans.Where((_, i) => i is 0 or 2).Any(s => f.FrameIndex >= s.First && f.FrameIndex <= s.Last);
            await db.SaveChangesAsync(ct);
        }
        var smiles = spans.Where((_, i) => i is 0 or 2).ToList();
        int apexFrames = spans.Sum(s => s.Last - s.First + 1), smileFrames = smiles.Sum(s => s.Last - s.First + 1);

        var page = await session.NewPageAsync();
        await BrowserSession.SignInAsync(page, Email, Password);
        await page.GotoAsync($"/review/{id}");
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#bulk-preview")).ToHaveAttributeAsync("data-count", spans.Count.ToString(CultureInfo.InvariantCulture));
        await page.GetByText("All spans flagged as smiles", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#bulk-preview")).ToHaveAttributeAsync("data-spans", string.Join(' ', smiles.Select(s => s.First)));
        await page.FillAsync("#bulk-reason", "smiling, not pain");
        int before;
        await using (var db = new PainReviewDbContext(options))
            before = await db.AuditEvents.CountAsync(e => e.RecordingId == id, ct);
        await page.ClickAsync("#bulk-reject");
        await Assertions.Expect(page.Locator("#decision-counts")).ToHaveTextAsync($"{apexFrames - smileFrames} / 0 / {smileFrames} / 0");
        await Assertions.Expect(page.Locator("#bulk-preview")).ToHaveAttributeAsync("data-spans", string.Join(' ', smiles.Select(s => s.First)));
        await session.ScreenshotAsync(page, "45-bulk-reject-smiles");

        await using (var db = new PainReviewDbContext(options))
        {
            var events = await db.AuditEvents.Where(e => e.RecordingId == id).OrderBy(e => e.Id).Skip(before).ToListAsync(ct);
            var bulk = Assert.Single(events);
            Assert.Equal(("apex.bulk-rejected", Email, "smiling, not pain"), (bulk.Action, bulk.User, bulk.Reason));
            using var after = JsonDocument.Parse(bulk.After!);
            Assert.Equal(smiles, after.RootElement.GetProperty("spans").EnumerateArray().Select(s => (s.GetProperty("first").GetInt32(), s.GetProperty("last").GetInt32())).ToList());
            var decisions = await db.ReviewDecisions.Where(d => d.RecordingId == id).ToListAsync(ct);
            Assert.Equal(smileFrames, decisions.Count);
            Assert.All(decisions, d =>
            {
                Assert.Equal(Data.Entities.DecisionKind.Rejected, d.Decision);
                Assert.Contains(smiles, s => d.FrameIndex >= s.First && d.FrameIndex <= s.Last);
            });
        }
    }
}
