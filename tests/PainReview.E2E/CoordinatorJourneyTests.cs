using Microsoft.Playwright;
using PainReview.E2E.Support;

namespace PainReview.E2E;

/// <summary>
/// Browser (Playwright, Debian's Chromium, the real portal process): an Admin creates a
/// coordinator; the coordinator signs in, creates a study and a participant, uploads a clip,
/// watches the analysis reach Completed and reads the summary.
/// </summary>
public sealed class CoordinatorJourneyTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private const string CoordinatorEmail = "coordinator@example.org";
    private const string CoordinatorPassword = "Harbour-Lantern-41";

    [Fact]
    public async Task Coordinator_uploads_a_clip_and_sees_the_analysis_complete()
    {
        session.RequireBrowser();

        // The Admin creates the coordinator's account in the users page.
        var admin = await session.NewPageAsync();
        await BrowserSession.SignInAsync(admin, PortalProcess.AdminEmail, PortalProcess.AdminPassword);
        await admin.GotoAsync("/admin/users");
        await BrowserSession.WaitInteractiveAsync(admin);
        await admin.GetByLabel("Email").FillAsync(CoordinatorEmail);
        await admin.GetByLabel("Name shown in the audit log").FillAsync("Casey Coordinator");
        await admin.GetByLabel("Initial password (12+ characters)").FillAsync(CoordinatorPassword);
        await admin.GetByLabel("Coordinator").First.CheckAsync();
        await admin.ClickAsync("#create-user");
        await Assertions.Expect(admin.Locator("#users-table")).ToContainTextAsync(CoordinatorEmail);
        await session.ScreenshotAsync(admin, "01-admin-users");

        // The coordinator signs in and creates a study.
        var page = await session.NewPageAsync();
        await BrowserSession.SignInAsync(page, CoordinatorEmail, CoordinatorPassword);
        await Assertions.Expect(page.Locator("#signed-in-as")).ToHaveTextAsync(CoordinatorEmail);
        await page.GotoAsync("/studies");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Migraine pilot");
        await page.ClickAsync("#create-study");
        await page.GetByRole(AriaRole.Link, new() { Name = "Migraine pilot" }).ClickAsync();
        await BrowserSession.WaitInteractiveAsync(page);

        // A participant, by pseudonymous code; a name is refused.
        await page.GetByLabel("New participant code").FillAsync("Jane Doe");
        await page.ClickAsync("#add-participant");
        await Assertions.Expect(page.GetByText("never a name")).ToBeVisibleAsync();
        await page.GetByLabel("New participant code").FillAsync("P-001");
        await page.ClickAsync("#add-participant");
        await Assertions.Expect(page.Locator("#participants")).ToContainTextAsync("P-001");

        // Upload with metadata.
        await page.GetByLabel("Participant", new() { Exact = true }).ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("P-001", new() { Exact = true }).ClickAsync();
        await page.GetByLabel("Timepoint (e.g. baseline, week 4)").FillAsync("baseline");
        await page.GetByLabel("Self-reported VAS (0-10)").FillAsync("6");
        // The date is typed in ISO form (or picked).
        await page.GetByLabel("Recording date (YYYY-MM-DD)").FillAsync("2026-11-03");
        await page.GetByLabel("Recording date (YYYY-MM-DD)").PressAsync("Tab");
        // Files dragged over the drop zone light it up.
        await page.Locator("#upload-files").DispatchEventAsync("dragenter");
        await Assertions.Expect(page.Locator(".pr-drop").First).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("pr-drop-over"));
        await page.Locator("#upload-files").DispatchEventAsync("drop");
        // The drop zone is enabled once the chosen participant has reached the server; a file set on a
        // still-disabled input fires no change (seen under load, when the whole suite runs at once).
        await Assertions.Expect(page.Locator("#upload-files")).ToBeEnabledAsync();
        await page.Locator("#upload-files").SetInputFilesAsync(TestEnvironment.Clip("WolfgangLanger_Pexels.mp4"));
        await Assertions.Expect(page.Locator("[data-upload-result=ok]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await session.ScreenshotAsync(page, "02-study-uploaded");
        // After the upload the form is empty again: the next file inherits nothing.
        await Assertions.Expect(page.GetByLabel("Timepoint (e.g. baseline, week 4)")).ToHaveValueAsync("");
        await Assertions.Expect(page.GetByLabel("Self-reported VAS (0-10)")).ToHaveValueAsync("");
        await Assertions.Expect(page.GetByLabel("Recording date (YYYY-MM-DD)")).ToHaveValueAsync("");

        // Live progress, then Completed, without reloading the page.
        var row = page.Locator("#recordings-table tbody tr").Filter(new() { HasText = "WolfgangLanger_Pexels.mp4" });
        await Assertions.Expect(row.Locator("[data-status=Running]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await session.ScreenshotAsync(page, "03-analysis-running");
        await Assertions.Expect(row.Locator("[data-status=Completed]")).ToBeVisibleAsync(new() { Timeout = 120_000 });

        // The recording's summary.
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("472");
        await Assertions.Expect(page.Locator("#hpii-apex")).ToContainTextAsync(".");
        await Assertions.Expect(page.Locator("#vas-self-report")).ToHaveTextAsync("6");
        await Assertions.Expect(page.Locator("#meta-recordedOn")).ToHaveTextAsync("2026-11-03");
        await Assertions.Expect(page.Locator("#recording-name")).ToHaveTextAsync("P-001 · baseline · 2026-11-03");
        await Assertions.Expect(page.Locator("#score-notice")).ToContainTextAsync("do not replace them");
        await session.ScreenshotAsync(page, "04-recording-summary");
    }

    [Fact]
    public async Task A_clinician_has_no_upload_panel_and_no_admin_page()
    {
        session.RequireBrowser();
        var admin = await session.NewPageAsync();
        await BrowserSession.SignInAsync(admin, PortalProcess.AdminEmail, PortalProcess.AdminPassword);
        await admin.GotoAsync("/admin/users");
        await BrowserSession.WaitInteractiveAsync(admin);
        await admin.GetByLabel("Email").FillAsync("clinician@example.org");
        await admin.GetByLabel("Initial password (12+ characters)").FillAsync("Harbour-Lantern-42");
        await admin.GetByLabel("Clinician").First.CheckAsync();
        await admin.ClickAsync("#create-user");
        await Assertions.Expect(admin.Locator("#users-table")).ToContainTextAsync("clinician@example.org");

        var page = await session.NewPageAsync();
        await BrowserSession.SignInAsync(page, "clinician@example.org", "Harbour-Lantern-42");
        await page.GotoAsync("/studies");
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#create-study")).ToHaveCountAsync(0);
        var response = await page.GotoAsync("/admin/users");
        Assert.Contains("/Account/AccessDenied", page.Url);
        await session.ScreenshotAsync(page, "05-clinician-denied-admin");
        Assert.NotNull(response);
    }
}
