using System.Diagnostics;
using Microsoft.Playwright;
using PainReview.E2E.Support;

namespace PainReview.E2E;

/// <summary>
/// Browser: an Admin locks a coordinator whose study page is open in another browser; within a
/// minute (PainReview:RevalidateSeconds, 30 s by default) that open page is sent to the sign-in
/// form, and signing in again says the account was locked by an administrator.
/// </summary>
public sealed class RevocationJourneyTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task An_open_page_closes_within_a_minute_of_an_admin_lock()
    {
        session.RequireBrowser();
        const string email = "locked.coordinator@example.org", password = "Harbour-Lantern-45";
        await session.CreateUserAsync(email, password, "Coordinator");

        var page = await session.NewPageAsync();
        await BrowserSession.SignInAsync(page, email, password);
        await page.GotoAsync("/studies");
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#create-study")).ToBeVisibleAsync();

        var admin = await session.NewPageAsync();
        await BrowserSession.SignInAsync(admin, PortalProcess.AdminEmail, PortalProcess.AdminPassword);
        await admin.GotoAsync("/admin/users");
        await BrowserSession.WaitInteractiveAsync(admin);
        var row = admin.Locator("#users-table tr", new() { HasText = email });
        await row.GetByRole(AriaRole.Button, new() { Name = "Lock" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("yes");
        var locked = Stopwatch.StartNew();

        // The open circuit is re-checked and the page goes to the sign-in form, without anyone touching it.
        await page.WaitForURLAsync(url => url.Contains("/Account/Login", StringComparison.Ordinal), new() { Timeout = 60_000 });
        Assert.True(locked.Elapsed < TimeSpan.FromSeconds(60), $"took {locked.Elapsed}");
        await session.ScreenshotAsync(page, "30-revoked-session");

        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page.Locator(".pr-alert")).ToContainTextAsync("locked by an administrator");
    }
}
