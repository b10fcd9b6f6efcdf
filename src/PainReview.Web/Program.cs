using Hangfire;
using PainReview.Web.Components;
using PainReview.Web.Features;
using PainReview.Web.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
// Serve the component libraries' static assets from a build folder too, not only from a publish.
builder.WebHost.UseStaticWebAssets();
// Served from a build folder (./run.sh), MapStaticAssets treats every asset as editable and answers no-cache, so each
// page load revalidates MudBlazor's and the framework's files (and the 600 KiB stylesheet came again in full). A
// fingerprinted URL names its content: keep the manifest's own caching (immutable for those, no-cache for the rest),
// as a publish serves them. An operator can still set EnableStaticAssetsDevelopmentCaching=false.
builder.Configuration["EnableStaticAssetsDevelopmentCaching"] ??= "true";
builder.AddPainReviewPortal();

var app = builder.Build();
var portal = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PortalOptions>>().Value;
await app.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();

// Behind a TLS-terminating proxy (PainReview:KnownProxies): the client's address and scheme, so cookies are Secure.
app.UseForwardedHeaders();
app.Services.GetRequiredService<TemporaryFiles>().Sweep();
if (portal.ServesPages)
{
    if (!app.Environment.IsDevelopment())
    {
        app.UseExceptionHandler("/Error", createScopeForErrors: true);
        app.UseHsts();
    }
    app.UseSecurityHeaders();
    // The portal's own assets (wwwroot-assets/) are public: served before routing and the sign-in fallback policy.
    app.UsePortalAssets();
    app.UseRouting();
    app.UseAuthentication();
    app.UseAuthorization();
    app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
    app.UseAntiforgery();
    app.MapStaticAssets().AllowAnonymous();
    // Our Content-Security-Policy already forbids framing ('none'); no second, laxer header.
    app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
    app.MapPortalEndpoints();
    app.MapHangfireDashboard("/hangfire", new DashboardOptions
    {
        Authorization = [new ServiceRegistration.AdminDashboardFilter()],
        AppPath = "/",
        DashboardTitle = "PainReview jobs",
    })
    // The endpoint's own policy answers a signed-in non-Admin with the Access denied page every time
    // (the dashboard's filter alone answers with an empty 403); the filter stays as a second check.
    .RequireAuthorization(Policies.Admins);
}
// A worker serves no pages: only its health, for the orchestrator.
app.MapHealthChecks("/healthz").AllowAnonymous();

app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(portal.ServesPages
    ? $"PainReview portal ({portal.Role.ToString().ToLowerInvariant()}) listening on {string.Join(", ", app.Urls)}; sign in at {app.Urls.FirstOrDefault()}/Account/Login"
    : $"PainReview worker {ServiceRegistration.WorkerName} running analyses; health at {app.Urls.FirstOrDefault()}/healthz"));
app.Run();

/// <summary>Entry point, visible to the host tests.</summary>
public partial class Program;
