using Microsoft.Playwright;
using PainReview.E2E.Support;

namespace PainReview.E2E;

/// <summary>
/// Browser (Playwright, Debian's Chromium, the real portal process): a coordinator records a
/// participant for 5 s from a fake camera fed with a test clip and sees the recording Completed;
/// uploads a batch from a manifest in the page (4 done, 1 refused with its reason); and on a
/// phone-sized screen (390x844) reads stacked tables with their labels and signs out from the header.
/// </summary>
public sealed class ClinicJourneyTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private const string Password = "Harbour-Lantern-43";

    private async Task<(Guid Study, string Email)> CoordinatorOfNewStudyAsync(string email, params string[] participants)
    {
        var study = await session.SeedStudyAsync("Clinic " + Guid.NewGuid().ToString("N")[..6], participants);
        await session.CreateUserAsync(email, Password, "Coordinator");
        await session.AddMemberAsync(study, email, "Coordinator");
        return (study, email);
    }

    [Fact]
    public async Task A_coordinator_records_five_seconds_at_the_bedside_and_sees_it_completed()
    {
        session.RequireBrowser();
        using var temp = TestEnvironment.TempDirectory();
        // A Y4M clip made now from the test data (never committed): Chromium's fake camera plays it in a loop.
        var y4m = temp.File("clip.y4m");
        Ffmpeg.Run("-i", TestEnvironment.Clip("single_face.mp4"), "-t", "6", "-vf", "scale=640:-2,fps=15", "-pix_fmt", "yuv420p", y4m);
        var (study, email) = await CoordinatorOfNewStudyAsync("bedside@example.org", "BS-01");

        await using var browser = await session.LaunchWithFakeCameraAsync(y4m);
        var page = await session.NewPageAsync(browser, 1400, 900);
        await BrowserSession.SignInAsync(page, email, Password);
        await page.GotoAsync($"/studies/{study}");
        await BrowserSession.WaitInteractiveAsync(page);

        // The camera opens only after consent is confirmed.
        await page.GetByLabel("Participant filmed").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("BS-01", new() { Exact = true }).ClickAsync();
        await page.GetByLabel("Timepoint of this recording").FillAsync("bedside");
        await Assertions.Expect(page.Locator("#bedside-open")).ToBeDisabledAsync();
        await page.GetByLabel("has agreed to be filmed for this study").CheckAsync();
        await Assertions.Expect(page.Locator("#bedside-open")).ToBeEnabledAsync();
        await page.ClickAsync("#bedside-open");

        // The preview shows the camera; record 5 s, then stop: the recording is uploaded.
        await page.WaitForFunctionAsync("() => { const v = document.getElementById('bedside-preview'); return v && v.srcObject && v.videoWidth > 0; }");
        await page.ClickAsync("#bedside-start");
        await Assertions.Expect(page.Locator("#bedside-recording")).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(5_000);
        await session.ScreenshotAsync(page, "20-bedside-recording");
        await page.ClickAsync("#bedside-stop");
        await Assertions.Expect(page.Locator("[data-bedside-result=ok]")).ToBeVisibleAsync(new() { Timeout = 60_000 });

        // Analysed like any other recording.
        var row = page.Locator("#recordings-table tbody tr").Filter(new() { HasText = "BS-01 · bedside" });
        await Assertions.Expect(row.Locator("[data-status=Completed]")).ToBeVisibleAsync(new() { Timeout = 180_000 });
        await Assertions.Expect(row).ToContainTextAsync(".webm");
        await session.ScreenshotAsync(page, "21-bedside-completed");
        await browser.CloseAsync();
    }

    [Fact]
    public async Task A_manifest_of_five_rows_with_one_bad_row_is_reported_row_by_row_in_the_page()
    {
        session.RequireBrowser();
        using var temp = TestEnvironment.TempDirectory();
        var (study, email) = await CoordinatorOfNewStudyAsync("manifest@example.org", "M-01", "M-02");
        var files = new List<string>();
        foreach (var (name, seconds) in new[] { ("m1.mp4", "1"), ("m2.mp4", "2"), ("m3.mp4", "3"), ("m4.mp4", "4"), ("m5.mp4", "5") })
        {
            var path = temp.File(name);
            Ffmpeg.Run("-i", TestEnvironment.Clip("single_face.mp4"), "-t", seconds, "-an", "-c:v", "libx264", "-preset", "ultrafast", "-metadata", $"comment={Guid.NewGuid()}", path);
            files.Add(path);
        }
        var manifest = temp.File("manifest.csv");
        await File.WriteAllTextAsync(manifest, """
            file,participant,timepoint,recorded_on,vas,notes
            m1.mp4,M-01,baseline,2026-11-01,2,
            m2.mp4,M-02,baseline,2026-11-01,5,
            m3.mp4,M-99,baseline,2026-11-01,5,an unknown participant
            m4.mp4,M-01,week 4,2026-11-22,3,
            m5.mp4,M-02,week 4,2026-11-22,6,
            """, TestContext.Current.CancellationToken);

        var page = await session.NewPageAsync();
        await BrowserSession.SignInAsync(page, email, Password);
        await page.GotoAsync($"/studies/{study}");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.Locator("#manifest-files").SetInputFilesAsync([manifest, .. files]);
        await Assertions.Expect(page.Locator("#manifest-summary")).ToHaveTextAsync("4 done, 1 refused.", new() { Timeout = 120_000 });
        var refused = page.Locator("#manifest-outcomes tr[data-outcome=refused]");
        await Assertions.Expect(refused).ToHaveCountAsync(1);
        await Assertions.Expect(refused).ToContainTextAsync("No participant 'M-99' in this study");
        await Assertions.Expect(page.Locator("#manifest-outcomes tr[data-outcome=done]")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("#recordings-table tbody tr").Filter(new() { HasText = "M-02 · week 4 · 2026-11-22" })).ToHaveCountAsync(1);
        await session.ScreenshotAsync(page, "22-manifest-upload");
    }

    [Fact]
    public async Task On_a_phone_sized_screen_tables_keep_their_labels_and_sign_out_is_in_the_header()
    {
        session.RequireBrowser();
        var (study, email) = await CoordinatorOfNewStudyAsync("phone@example.org", "PH-01");
        var page = await session.NewPageAsync(session.Browser, 390, 844);
        await BrowserSession.SignInAsync(page, email, Password);
        await page.GotoAsync("/studies");
        await BrowserSession.WaitInteractiveAsync(page);

        // Stacked table rows name each value.
        var cell = page.Locator("#studies-table tbody tr td[data-label='Participants']").First;
        await Assertions.Expect(cell).ToBeVisibleAsync();
        await session.ScreenshotAsync(page, "23-phone-studies");

        // Sign out is on screen, inside the 390 px, and works.
        var signOut = page.Locator("#sign-out");
        await Assertions.Expect(signOut).ToBeInViewportAsync();
        var box = await signOut.BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box.X >= 0 && box.X + box.Width <= 390, $"Sign out is at x={box.X}, {box.Width} wide.");
        await signOut.ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/Account/Login", StringComparison.Ordinal));
        var response = await page.GotoAsync($"/studies/{study}");
        Assert.NotNull(response);
        Assert.Contains("/Account/Login", page.Url);
    }
}
