using Microsoft.Playwright;
using PainReview.Pipeline.Tests.Support;
using PainReview.Web.Tests.Process;

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
        await SignInAsync(admin, Web.Tests.Process.PortalProcess.AdminEmail, Web.Tests.Process.PortalProcess.AdminPassword);
        await admin.GotoAsync("/admin/users");
        await WaitInteractiveAsync(admin);
        await admin.GetByLabel("Email").FillAsync(email);
        await admin.GetByLabel("Initial password (10+ characters)").FillAsync(password);
        await admin.GetByLabel(role, new() { Exact = true }).First.CheckAsync();
        await admin.ClickAsync("#create-user");
        await Assertions.Expect(admin.Locator("#users-table")).ToContainTextAsync(email);
        await admin.Context.CloseAsync();
    }

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
