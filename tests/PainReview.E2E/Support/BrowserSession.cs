using System.Net.Http.Json;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using PainReview.Data;
using PainReview.Data.Entities;

namespace PainReview.E2E.Support;

/// <summary>
/// The real portal process and Debian's Chromium driven by Playwright; screenshots go to
/// artifacts/screenshots (or $PAINREVIEW_ARTIFACTS) for a person to look at.
/// </summary>
public sealed class BrowserSession : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly TempDirectory _data = TestEnvironment.TempDirectory();
    private IPlaywright? _playwright;

    public PortalProcess Portal { get; private set; } = default!;
    public string DataDirectory => Path.Combine(_data.Path, "data");
    public IBrowser Browser { get; private set; } = default!;
    public string Artifacts { get; } = ArtifactsDirectory();

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            const string message = "Chromium is not installed at /usr/bin/chromium (./test.sh installs Debian's chromium).";
            if (TestEnvironment.IsCi) throw new InvalidOperationException(message + " Under CI this is a failure.");
            return;
        }
        _ = TestEnvironment.Models; // fail or skip early when the models are missing
        Portal = await PortalProcess.StartAsync(DataDirectory, PortalProcess.FreePort());
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    /// <summary>
    /// Another Chromium whose camera is fed from a Y4M clip (granted without asking), for recording
    /// at the bedside; closed by the caller.
    /// </summary>
    public async Task<IBrowser> LaunchWithFakeCameraAsync(string y4m)
    {
        RequireBrowser();
        return await _playwright!.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", $"--use-file-for-fake-video-capture={y4m}"],
        });
    }

    /// <summary>A page of its own browser context at the given viewport size.</summary>
    public async Task<IPage> NewPageAsync(IBrowser browser, int width, int height)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Portal.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        // Expectations wait for the page as long as actions do: on a 2-core machine running the
        // pipeline's two lanes, a decision's round trip can take longer than Playwright's 5 s default.
        Assertions.SetDefaultExpectTimeout(15_000);
        return page;
    }

    /// <summary>A study with participants, straight into the portal's database (for tests that start on a study page).</summary>
    public async Task<Guid> SeedStudyAsync(string name, params string[] participants)
    {
        var options = new DbContextOptionsBuilder<PainReviewDbContext>()
            .UseSqlite($"Data Source={Path.Combine(DataDirectory, "painreview.db")}").Options;
        await using var db = new PainReviewDbContext(options);
        var study = new Study { Name = name, CreatedBy = "e2e" };
        foreach (var code in participants) study.Participants.Add(new Participant { Code = code });
        db.Studies.Add(study);
        await db.SaveChangesAsync();
        return study.Id;
    }

    public void RequireBrowser()
    {
        if (Browser is null) Assert.Skip("Chromium is not installed at /usr/bin/chromium (./test.sh installs Debian's chromium).");
    }

    public async Task<IPage> NewPageAsync()
    {
        RequireBrowser();
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Portal.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        // Expectations wait for the page as long as actions do: on a 2-core machine running the
        // pipeline's two lanes, a decision's round trip can take longer than Playwright's 5 s default.
        Assertions.SetDefaultExpectTimeout(15_000);
        return page;
    }

    public async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, name + ".png"), FullPage = true });

    /// <summary>Blazor pages respond to clicks only once their circuit is live.</summary>
    public static async Task WaitInteractiveAsync(IPage page) =>
        await page.Locator("#interactive-marker[data-state=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    public static async Task SignInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync(url => !url.Contains("/Account/Login", StringComparison.Ordinal));
        await WaitInteractiveAsync(page);
    }

    /// <summary>An Admin creates an account with one role in the users page.</summary>
    public async Task CreateUserAsync(string email, string password, string role)
    {
        var admin = await NewPageAsync();
        await SignInAsync(admin, PortalProcess.AdminEmail, PortalProcess.AdminPassword);
        await admin.GotoAsync("/admin/users");
        await WaitInteractiveAsync(admin);
        await admin.GetByLabel("Email").FillAsync(email);
        await admin.GetByLabel("Initial password (12+ characters)").FillAsync(password);
        await admin.GetByLabel(role, new() { Exact = true }).First.CheckAsync();
        await admin.ClickAsync("#create-user");
        await Assertions.Expect(admin.Locator("#users-table")).ToContainTextAsync(email);
        await admin.Context.CloseAsync();
        // A user acts on a study only as its member: make them one of the study seeded last, in the same role.
        if (LastStudyId != Guid.Empty && role != "Admin") await AddMemberAsync(LastStudyId, email, role);
    }

    /// <summary>The Admin makes the user a member of the study through the API.</summary>
    public async Task AddMemberAsync(Guid study, string email, string role)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = Portal.BaseAddress };
        await PortalProcess.SignInAsync(client, PortalProcess.AdminEmail, PortalProcess.AdminPassword);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/studies/{study}/members")
        {
            Content = JsonContent.Create(new { email, role }),
        };
        request.Headers.Add("X-PainReview-Api", "1");
        var response = await client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Seeds a study in the portal's database and uploads a clip through the API as the Admin.</summary>
    public async Task<(Guid Id, int Frames)> SeedAnalysedRecordingAsync(string clip, double vas, Guid? intoStudy = null, string participant = "P-100")
    {
        var portal = Portal;
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = portal.BaseAddress };
        await PortalProcess.SignInAsync(client, PortalProcess.AdminEmail, PortalProcess.AdminPassword);

        var options = new DbContextOptionsBuilder<PainReviewDbContext>()
            .UseSqlite($"Data Source={Path.Combine(DataDirectory, "painreview.db")}").Options;
        Guid studyId;
        await using (var db = new PainReviewDbContext(options))
        {
            if (intoStudy is { } existing)
            {
                studyId = existing;
                db.Participants.Add(new Participant { StudyId = studyId, Code = participant });
            }
            else
            {
                var study = new Study { Name = "Study " + Guid.NewGuid().ToString("N")[..6], CreatedBy = "e2e" };
                LastStudyName = study.Name;
                study.Participants.Add(new Participant { Code = participant });
                db.Studies.Add(study);
                studyId = study.Id;
            }
            await db.SaveChangesAsync();
        }

        using var form = new MultipartFormDataContent
        {
            { new StringContent(participant), "participant" },
            { new StringContent(vas.ToString(System.Globalization.CultureInfo.InvariantCulture)), "vas" },
        };
        var file = new StreamContent(File.OpenRead(TestEnvironment.Clip(clip)));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", clip);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/studies/{studyId}/recordings") { Content = form };
        request.Headers.Add("X-PainReview-Api", "1");
        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var id = Guid.Parse(JsonDocument.Parse(body).RootElement[0].GetProperty("id").GetString()!);

        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            using var status = new HttpRequestMessage(HttpMethod.Get, $"/api/recordings/{id}");
            status.Headers.Add("X-PainReview-Api", "1");
            using var doc = JsonDocument.Parse(await (await client.SendAsync(status)).Content.ReadAsStringAsync());
            var state = doc.RootElement.GetProperty("status").GetString();
            if (state == "Completed") { LastStudyId = studyId; return (id, doc.RootElement.GetProperty("frames").GetInt32()); }
            Assert.True(state is "Queued" or "Running" && DateTime.UtcNow < deadline, $"analysis ended as {state}");
            await Task.Delay(250);
        }
    }

    public Guid LastStudyId { get; private set; }
    public string LastStudyName { get; private set; } = "";

    private static string ArtifactsDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("PAINREVIEW_ARTIFACTS");
        if (string.IsNullOrWhiteSpace(configured))
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "PainReview.sln")))
                {
                    configured = Path.Combine(dir.FullName, "artifacts", "screenshots");
                    break;
                }
        }
        return Directory.CreateDirectory(configured ?? Path.Combine(Path.GetTempPath(), "painreview-screenshots")).FullName;
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        Portal?.Dispose();
        _data.Dispose();
    }
}
