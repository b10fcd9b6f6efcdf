using Microsoft.Playwright;
using PainReview.E2E.Support;

namespace PainReview.E2E;

/// <summary>
/// Browser: a coordinator changes the study's analysis protocol; the study is re-scored (every
/// recording under the new version) and a data manager's cohort scatter is redrawn with the new scores.
/// </summary>
public sealed class ProtocolJourneyTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task Coordinator_changes_the_protocol_the_study_is_rescored_and_the_scatter_redrawn()
    {
        session.RequireBrowser();
        await session.SeedAnalysedRecordingAsync("WolfgangLanger_Pexels.mp4", 8, participant: "Q-01");
        var study = session.LastStudyId;
        await session.SeedAnalysedRecordingAsync("single_face.mp4", 1, study, "Q-02");
        await session.SeedAnalysedRecordingAsync("changeLighting.wmv", 4, study, "Q-03");
        await session.CreateUserAsync("protocol-coordinator@example.org", "Quarry-Beacon-57", "Coordinator");
        await session.CreateUserAsync("protocol-datamanager@example.org", "Orchard-Signal-68", "DataManager");

        // The data manager's cohort scatter under version 1 (nothing reviewed yet: unreviewed included).
        var dm = await session.NewPageAsync();
        await BrowserSession.SignInAsync(dm, "protocol-datamanager@example.org", "Orchard-Signal-68");
        await dm.GotoAsync($"/data/cohort?study={study}");
        await BrowserSession.WaitInteractiveAsync(dm);
        await dm.GetByLabel("Reviewed recordings only").UncheckAsync();
        await dm.ClickAsync("#cohort-compute");
        await Assertions.Expect(dm.Locator("#cohort-protocol")).ToContainTextAsync("version 1");
        await dm.WaitForFunctionAsync("() => { const g = document.getElementById('cohort-scatter'); return g && g.data && g.data.length > 0 && g.data[0].y.length === 3; }");
        var before = await dm.EvaluateAsync<double[]>("() => Array.from(document.getElementById('cohort-scatter').data[0].y)");
        await Assertions.Expect(dm.Locator("#cohort-people-table tr[data-score='HPII, APEX frames'] td.participants")).ToHaveTextAsync("3");

        // The coordinator changes the protocol on the study page: population neutral, AU6/AU7 weighted twice.
        var page = await session.NewPageAsync();
        await BrowserSession.SignInAsync(page, "protocol-coordinator@example.org", "Quarry-Beacon-57");
        await page.GotoAsync($"/studies/{study}");
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#protocol-version")).ToHaveTextAsync("version 1");
        await page.GetByText("Change the protocol").ClickAsync();
        await page.GetByLabel("Neutral baseline").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Population: the canonical face").ClickAsync();
        await page.GetByLabel("w67 (AU6/7)").FillAsync("2");
        await page.GetByLabel("w67 (AU6/7)").PressAsync("Tab");
        // No reason: refused with a sentence, nothing changes.
        await page.ClickAsync("#protocol-save");
        await Assertions.Expect(page.Locator("#protocol-errors")).ToContainTextAsync("Give a reason for the change");
        await page.GetByLabel("Reason for the change (required, kept in the audit trail)").FillAsync("pre-registered analysis plan, amendment 2");
        await page.ClickAsync("#protocol-save");
        await Assertions.Expect(page.Locator("#protocol-version")).ToHaveTextAsync("version 2");
        await session.ScreenshotAsync(page, "30-protocol-changed");

        // Re-scored: the page follows the job live, every recording now names version 2.
        await Assertions.Expect(page.Locator("#protocol-rescored[data-version='2']")).ToContainTextAsync("3 recordings", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#recordings-table td[data-protocol-version='2']")).ToHaveCountAsync(3, new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#protocol-summary")).ToContainTextAsync("population");
        await Assertions.Expect(page.Locator("#protocol-history tr[data-version='1']")).ToBeVisibleAsync();
        await session.ScreenshotAsync(page, "31-protocol-rescored");

        // The data manager computes again on the open page: the scatter is redrawn with the new scores.
        await dm.ClickAsync("#cohort-compute");
        await Assertions.Expect(dm.Locator("#cohort-protocol")).ToContainTextAsync("version 2");
        await dm.WaitForFunctionAsync("(before) => { const y = document.getElementById('cohort-scatter').data[0].y; return y.length === before.length && Array.from(y).some((v, i) => Math.abs(v - before[i]) > 1e-6); }", before);
        // Its settings started from the new protocol (w67 = 2).
        Assert.Equal("2", await dm.Locator("#cohort-w67").InputValueAsync());
        await session.ScreenshotAsync(dm, "32-cohort-after-protocol");
    }
}
