using Microsoft.Playwright;
using PainReview.E2E.Support;

namespace PainReview.E2E;

/// <summary>Browser: a data manager exports a study (the file downloads) and sees the cohort scatter and table.</summary>
public sealed class DataManagerJourneyTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task Data_manager_exports_a_study_and_reads_the_cohort_page()
    {
        session.RequireBrowser();
        var (first, _) = await session.SeedAnalysedRecordingAsync("WolfgangLanger_Pexels.mp4", 8, participant: "D-01");
        var study = session.LastStudyId;
        var studyName = session.LastStudyName;
        await session.SeedAnalysedRecordingAsync("single_face.mp4", 1, study, "D-02");
        await session.SeedAnalysedRecordingAsync("changeLighting.wmv", 3, study, "D-03");
        await session.CreateUserAsync("datamanager@example.org", "Harbour-Lantern-43", "DataManager");

        var page = await session.NewPageAsync();
        await BrowserSession.SignInAsync(page, "datamanager@example.org", "Harbour-Lantern-43");

        // Export: unreviewed recordings included explicitly; the browser receives a zip.
        // From the study's page, as a data manager would arrive.
        await page.GotoAsync($"/studies/{study}");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Export this study" }).ClickAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#export-count")).ToContainTextAsync("0 recordings"); // none reviewed yet
        await page.GetByLabel("Include analysed recordings not yet reviewed").CheckAsync();
        await Assertions.Expect(page.Locator("#export-count")).ToContainTextAsync("3 recordings");
        await session.ScreenshotAsync(page, "20-export");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-download"));
        Assert.EndsWith("-csv.zip", download.SuggestedFilename);
        var saved = Path.Combine(session.Artifacts, "downloaded-export.zip");
        await download.SaveAsAsync(saved);
        using (var zip = System.IO.Compression.ZipFile.OpenRead(saved))
            Assert.Contains(zip.Entries, e => e.FullName == "frames.csv");

        // Cohort: the scatter has one point per participant (here one recording each) and the tables the correlations.
        await page.GotoAsync($"/studies/{study}");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Cohort analytics" }).Last.ClickAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        // Reviewed recordings only by default, as the export: none is reviewed yet, so include the others.
        await page.GetByLabel("Reviewed recordings only").UncheckAsync();
        await page.ClickAsync("#cohort-compute");
        await page.WaitForFunctionAsync("() => { const g = document.getElementById('cohort-scatter'); return g && g.data && g.data.length > 0; }");
        var points = await page.EvaluateAsync<int>("() => document.getElementById('cohort-scatter').data[0].x.length");
        Assert.Equal(3, points);
        await Assertions.Expect(page.Locator("#cohort-correlations tr[data-score='HPII, APEX frames'][data-subset='all']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#cohort-points")).ToContainTextAsync("D-01");
        await Assertions.Expect(page.Locator($"#cohort-points a[href='recordings/{first}']")).ToBeVisibleAsync();
        await session.ScreenshotAsync(page, "21-cohort");

        // Changed settings redraw the scatter, not only the table.
        var before = await page.EvaluateAsync<double[]>("() => Array.from(document.getElementById('cohort-scatter').data[0].y)");
        await page.Locator("#cohort-w4").FillAsync("3");
        await page.Locator("#cohort-w4").PressAsync("Tab");
        await page.ClickAsync("#cohort-compute");
        await page.WaitForFunctionAsync("(before) => { const y = document.getElementById('cohort-scatter').data[0].y; return Array.from(y).some((v, i) => Math.abs(v - before[i]) > 1e-9); }", before);
    }
}
