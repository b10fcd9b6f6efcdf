using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using PainReview.Data;
using PainReview.E2E.Support;

namespace PainReview.E2E;

/// <summary>Browser: `,` and `.` step the video by exactly one of the recording's own frames; `[` `]` change the speed.</summary>
public sealed class FrameSteppingJourneyTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task Frame_stepping_moves_currentTime_by_exactly_one_frame()
    {
        session.RequireBrowser();
        var (id, _) = await session.SeedAnalysedRecordingAsync("WolfgangLanger_Pexels.mp4", 5);
        await session.CreateUserAsync("stepper@example.org", "Harbour-Lantern-48", "Clinician");
        var options = new DbContextOptionsBuilder<PainReviewDbContext>().UseSqlite($"Data Source={Path.Combine(session.DataDirectory, "painreview.db")}").Options;
        List<double> times;
        await using (var db = new PainReviewDbContext(options))
            times = await db.FrameResults.Where(f => f.RecordingId == id).OrderBy(f => f.FrameIndex).Select(f => f.TimeSeconds).ToListAsync(TestContext.Current.CancellationToken);

        var page = await session.NewPageAsync();
        await BrowserSession.SignInAsync(page, "stepper@example.org", "Harbour-Lantern-48");
        await page.GotoAsync($"/review/{id}");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.WaitForFunctionAsync("() => document.getElementById('review-video').readyState >= 1");
        await page.WaitForFunctionAsync("() => document.getElementById('frame-readout').dataset.frame !== undefined");
        await page.Locator("body").ClickAsync(new() { Position = new() { X = 1, Y = 1 } });

        async Task<double> TimeAsync() => await page.EvaluateAsync<double>("() => document.getElementById('review-video').currentTime");
        await page.Keyboard.PressAsync(".");
        await page.WaitForFunctionAsync("() => document.getElementById('frame-readout').dataset.frame === '1'");
        var first = await TimeAsync();
        Assert.Equal(times[1] + 0.001, first, 6);
        await page.Keyboard.PressAsync(".");
        await page.WaitForFunctionAsync("() => document.getElementById('frame-readout').dataset.frame === '2'");
        Assert.Equal(times[2] - times[1], await TimeAsync() - first, 6);
        await page.Keyboard.PressAsync(",");
        await page.WaitForFunctionAsync("() => document.getElementById('frame-readout').dataset.frame === '1'");
        Assert.Equal(first, await TimeAsync(), 6);
        await Assertions.Expect(page.Locator("#frame-readout")).ToContainTextAsync("frame 1");

        await page.Keyboard.PressAsync("[");
        Assert.Equal(0.75, await page.EvaluateAsync<double>("() => document.getElementById('review-video').playbackRate"));
        await page.Keyboard.PressAsync("]");
        await page.Keyboard.PressAsync("]");
        Assert.Equal(1.25, await page.EvaluateAsync<double>("() => document.getElementById('review-video').playbackRate"));
    }
}
