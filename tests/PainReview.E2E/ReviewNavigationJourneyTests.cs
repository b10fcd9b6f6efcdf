using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.E2E.Support;

namespace PainReview.E2E;

/// <summary>
/// Browser: space plays and pauses even with a button focused (without pressing it), N/P and the
/// buttons jump between pending spans, and "next recording in my queue" follows the queue, skipping
/// signed recordings.
/// </summary>
public sealed class ReviewNavigationJourneyTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private const string Email = "navigator@example.org", Password = "Harbour-Lantern-50";

    [Fact]
    public async Task Space_with_a_button_focused_next_pending_span_and_next_recording()
    {
        session.RequireBrowser();
        var ct = TestContext.Current.CancellationToken;
        var (first, _) = await session.SeedAnalysedRecordingAsync("WolfgangLanger_Pexels.mp4", 5, participant: "P-201");
        var study = session.LastStudyId;
        var (signed, _) = await session.SeedAnalysedRecordingAsync("single_face.mp4", 3, study, "P-202");
        var (waiting, _) = await session.SeedAnalysedRecordingAsync("changeLighting.wmv", 4, study, "P-203");
        await session.CreateUserAsync(Email, Password, "Clinician");
        var options = new DbContextOptionsBuilder<PainReviewDbContext>().UseSqlite($"Data Source={Path.Combine(session.DataDirectory, "painreview.db")}").Options;
        List<(int First, int Last)> spans = [];
        await using (var db = new PainReviewDbContext(options))
        {
            // The middle upload is signed: the queue skips it.
            var recording = await db.Recordings.SingleAsync(r => r.Id == signed, ct);
            recording.ReviewState = ReviewState.Reviewed;
            recording.ReviewedBy = "someone@example.org";
            recording.ReviewedUtc = DateTime.UtcNow;
            await db.SaveChangesAsync(ct);
            Assert.True(await db.Recordings.CountAsync(r => (r.Id == signed || r.Id == waiting) && r.UsableFrames > 0, ct) == 2, "the short clips need a usable face");
            foreach (var f in await db.FrameResults.Where(f => f.RecordingId == first && f.Apex).OrderBy(f => f.FrameIndex).Select(f => f.FrameIndex).ToListAsync(ct))
            {
                if (spans.Count > 0 && spans[^1].Last == f - 1) spans[^1] = (spans[^1].First, f);
                else spans.Add((f, f));
            }
        }
        Assert.True(spans.Count >= 3, $"the clip gives {spans.Count} APEX span(s); the test needs three");
        Assert.True(spans[0].First > 0, "the first span must not start at the first frame");

        var page = await session.NewPageAsync();
        await BrowserSession.SignInAsync(page, Email, Password);
        await page.GotoAsync($"/review/{first}");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.WaitForFunctionAsync("() => document.getElementById('review-video') && document.getElementById('review-video').readyState >= 1");
        // The player's keys are live once the readout shows a frame.
        await page.WaitForFunctionAsync("() => document.getElementById('frame-readout').dataset.frame !== undefined");
        await Assertions.Expect(page.Locator("#review-shortcuts")).ToContainTextAsync("space play/pause");
        await Assertions.Expect(page.Locator("#review-shortcuts")).ToContainTextAsync("next pending span");

        // Space with a button focused: playback toggles, the button is not pressed.
        var loop = page.Locator("#loop-span");
        await loop.FocusAsync();
        await page.Keyboard.PressAsync(" ");
        await page.WaitForFunctionAsync("() => !document.getElementById('review-video').paused");
        await Assertions.Expect(loop).ToHaveAttributeAsync("aria-pressed", "false");
        Assert.Equal("loop-span", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.PressAsync(" ");
        await page.WaitForFunctionAsync("() => document.getElementById('review-video').paused");
        await Assertions.Expect(loop).ToHaveAttributeAsync("aria-pressed", "false");
        // In a text box, space is a space.
        await page.FocusAsync("#decision-reason");
        await page.Keyboard.PressAsync(" ");
        Assert.True(await page.EvaluateAsync<bool>("() => document.getElementById('review-video').paused"));

        string Frame(int f) => f.ToString(CultureInfo.InvariantCulture);
        var readout = page.Locator("#frame-readout");
        async Task AtStartAsync()
        {
            await page.EvaluateAsync("() => { const v = document.getElementById('review-video'); v.pause(); v.currentTime = 0; }");
            await page.WaitForFunctionAsync("() => document.getElementById('frame-readout').dataset.frame === '0'");
            await page.Locator("body").ClickAsync(new() { Position = new() { X = 1, Y = 1 } });
        }
        await AtStartAsync();
        await page.Keyboard.PressAsync("n");
        await Assertions.Expect(readout).ToHaveAttributeAsync("data-frame", Frame(spans[0].First));
        await page.ClickAsync("#next-pending");
        await Assertions.Expect(readout).ToHaveAttributeAsync("data-frame", Frame(spans[1].First));
        await page.Keyboard.PressAsync("p");
        await Assertions.Expect(readout).ToHaveAttributeAsync("data-frame", Frame(spans[0].First));

        // Once the first two spans are decided, the next pending span from the start is the third.
        foreach (var span in spans.Take(2))
        {
            var card = page.Locator($"#apex-strip > div[data-span-first='{span.First}']");
            await card.Locator(".accept-span").ClickAsync();
            await Assertions.Expect(card).ToHaveAttributeAsync("data-verdict", "Accepted");
        }
        for (var attempt = 0; ; attempt++)
        {
            // The page hands the new pending set to the player right after it redraws.
            await AtStartAsync();
            await page.Keyboard.PressAsync("n");
            if (await readout.GetAttributeAsync("data-frame") == Frame(spans[2].First) || attempt == 10) break;
            await Task.Delay(300, ct);
        }
        await Assertions.Expect(readout).ToHaveAttributeAsync("data-frame", Frame(spans[2].First));
        // L loops the span at the playhead.
        await page.Keyboard.PressAsync("l");
        await Assertions.Expect(loop).ToHaveAttributeAsync("aria-pressed", "true");

        // The next recording in the queue skips the signed one.
        var next = page.Locator("#next-recording");
        await Assertions.Expect(next).ToHaveAttributeAsync("data-recording", waiting.ToString());
        await Assertions.Expect(next).ToContainTextAsync("P-203");
        await next.ClickAsync();
        await page.WaitForURLAsync(url => url.Contains(waiting.ToString(), StringComparison.Ordinal));
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#recording-name")).ToContainTextAsync("P-203");
        // From the last one, the queue wraps to the first.
        await Assertions.Expect(page.Locator("#next-recording")).ToHaveAttributeAsync("data-recording", first.ToString());
        await session.ScreenshotAsync(page, "46-review-navigation");
    }
}
