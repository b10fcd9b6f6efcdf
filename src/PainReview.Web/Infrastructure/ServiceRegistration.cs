using System.Data.Common;
using Microsoft.AspNetCore.DataProtection;
using Hangfire;
using Hangfire.Dashboard;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Data.Identity;
using PainReview.Pipeline.Faces;
using PainReview.Pipeline.Models;
using PainReview.Web.Components.Account;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Jobs;

namespace PainReview.Web.Infrastructure;

public static class ServiceRegistration
{
    /// <summary>Everything the portal needs: data, identity, jobs, the analysis pipeline, the UI.</summary>
    public static WebApplicationBuilder AddPainReviewPortal(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var section = builder.Configuration.GetSection(PortalOptions.Section);
        services.AddOptions<PortalOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PortalOptions>, PortalOptionsValidator>();
        // PAINREVIEW_ROLE / PAINREVIEW_ADMIN_EMAIL / PAINREVIEW_ADMIN_PASSWORD, as the README says.
        var role = builder.Configuration["PAINREVIEW_ROLE"] is { Length: > 0 } roleName
            ? Enum.TryParse<PortalRole>(roleName, ignoreCase: true, out var parsed) ? parsed
                : throw new InvalidOperationException($"PAINREVIEW_ROLE is '{roleName}': use all, web or worker.")
            : (PortalRole?)null;
        services.PostConfigure<PortalOptions>(o =>
        {
            o.AdminEmail ??= builder.Configuration["PAINREVIEW_ADMIN_EMAIL"];
            o.AdminPassword ??= builder.Configuration["PAINREVIEW_ADMIN_PASSWORD"];
            if (role is { } r) o.Role = r;
        });
        // What this process registers depends on its settings, so they are read here too.
        var options = section.Get<PortalOptions>() ?? new PortalOptions();
        if (role is { } chosen) options.Role = chosen;
        // Facial video and its database: the data folder is its owner's only.
        TemporaryFiles.OwnerOnly(Path.GetFullPath(options.DataDirectory));

        services.AddRazorComponents().AddInteractiveServerComponents();
        // Notifications at the bottom, never over the page's actions at the top.
        services.AddMudServices(c => c.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        services.AddPainReviewData(options.DatabaseProvider, options.DatabaseConnection);
        services.AddPortalIdentity(options);
        services.AddSingleton<DatabaseInitializer>();

        services.AddSingleton<VideoStore>();
        services.AddScoped<AuditLog>();
        services.AddScoped<AuditVerification>();
        services.AddScoped<Features.Access.StudyAccess>();
        services.AddScoped<Features.Access.StudyMembership>();
        services.AddScoped<Features.Access.ApiTokens>();
        services.AddSingleton<TemporaryFiles>();
        services.AddScoped<PortalUser>();
        services.AddHttpContextAccessor();
        services.AddScoped<RecordingService>();
        services.AddScoped<RecordCorrections>();
        services.AddScoped<Features.Admin.UserAdministration>();
        services.AddScoped<Features.Admin.DemoService>();
        services.AddScoped<Features.Studies.StudyOverviewService>();
        services.AddScoped<Features.Studies.StudyDirectory>();
        services.AddScoped<Features.Recordings.RecordingOverviewService>();
        services.AddScoped<Features.Audit.AuditTrail>();
        services.AddScoped<Features.Review.ReviewService>();
        services.AddScoped<Features.Review.TwoRaterService>();
        services.AddScoped<Features.Review.ReviewQueueService>();
        services.AddSingleton<Features.Review.ReviewMedia>();
        services.AddSingleton<Features.Review.ReviewFrameCache>();
        services.AddSingleton<Features.Review.ReviewMediaQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<Features.Review.ReviewMediaQueue>());
        services.AddScoped<Features.Export.ExportService>();
        services.AddScoped<Features.Cohort.CohortAnalytics>();
        services.AddScoped<Features.Protocols.ProtocolService>();
        services.AddAnalysisJobs(options);
        services.AddHealthChecks().AddCheck<WritableDatabaseCheck>("database");
        return builder;
    }

    /// <summary>Accounts and sign-in: Identity on the app database, cookies, API tokens, the key ring, the named policies.</summary>
    public static IServiceCollection AddPortalIdentity(this IServiceCollection services, PortalOptions options)
    {
        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

        // Each deployment has its own key ring, kept in its own database (shared by its web and worker
        // processes), and its own application name: a cookie minted by another instance is worthless here.
        services.AddDataProtection()
            .SetApplicationName(options.InstanceName is { Length: > 0 } instance ? instance : "PainReview-" + Convert.ToHexString(
                System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(options.DatabaseProvider.ToString() + "|" + Path.GetFullPath(options.DataDirectory) + "|" + options.DatabaseConnection)))[..16])
            .PersistKeysToDbContext<PainReviewDbContext>();

        services.AddAuthentication(o =>
        {
            o.DefaultScheme = IdentityConstants.ApplicationScheme;
            o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
        })
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, Features.Access.ApiTokenHandler>(Features.Access.ApiTokenHandler.SchemeName, null)
            .AddIdentityCookies();
        // Lock, role change and sign-out renew the security stamp; cookies are checked against it this often.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromSeconds(Math.Max(1, options.RevalidateSeconds)));
        services.Configure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in options.KnownProxies) o.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
        });
        services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/Account/Login";
            o.AccessDeniedPath = "/Account/AccessDenied";
            o.Cookie.Name = "PainReview.Auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            // Secure whenever the request is HTTPS (directly, or as the trusted proxy says).
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            // An idle session ends: the cookie lives this long after the last request.
            o.ExpireTimeSpan = TimeSpan.FromMinutes(Math.Max(1, options.IdleTimeoutMinutes));
            o.SlidingExpiration = true;
            // API calls get status codes, not login pages.
            o.Events.OnRedirectToLogin = ctx => ApiAware(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx, StatusCodes.Status403Forbidden);
        });
        // Nothing a page process serves is anonymous unless marked so. A worker serves nothing but its health.
        var authorization = services.AddAuthorizationBuilder().AddPortalPolicies();
        if (options.ServesPages)
            authorization.SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        services.AddPainReviewIdentity()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        return services;
    }

    /// <summary>The analysis pipeline and the Hangfire jobs that run it; the server only where this process runs jobs.</summary>
    public static IServiceCollection AddAnalysisJobs(this IServiceCollection services, PortalOptions options)
    {
        services.AddSingleton(sp => ModelDirectory.Locate(sp.GetRequiredService<IOptions<PortalOptions>>().Value.Models));
        services.AddSingleton(sp => new FacePipelinePool(sp.GetRequiredService<ModelDirectory>(),
            new InferenceOptions { Provider = sp.GetRequiredService<IOptions<PortalOptions>>().Value.ExecutionProvider }));
        services.AddSingleton<RecordingProgress>();
        services.AddSingleton<JobCancellations>();
        services.AddSingleton<Features.Scheduling.IJobScheduler, HangfireJobScheduler>();
        services.AddScoped<AnalyzeRecordingJob>();
        services.AddScoped<RescoreStudyJob>();
        services.AddHangfire(c =>
        {
            c.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            if (options.SharedJobStorage)
                c.UsePostgreSqlStorage(p => p.UseNpgsqlConnection(options.DatabaseConnection), new Hangfire.PostgreSql.PostgreSqlStorageOptions
                {
                    QueuePollInterval = TimeSpan.FromSeconds(1),
                    // A killed worker's job comes back after this; the recording's own lease usually re-queues it sooner.
                    InvisibilityTimeout = TimeSpan.FromMinutes(5),
                    PrepareSchemaIfNecessary = true,
                });
            else
                c.UseInMemoryStorage(new InMemoryStorageOptions { MaxExpirationTime = TimeSpan.FromDays(1) });
        });
        if (options.RunsJobs)
        {
            services.AddHangfireServer(o =>
            {
                o.WorkerCount = Math.Max(1, options.Workers);
                o.Queues = [AnalyzeRecordingJob.Queue, "default"];
                o.ServerName = WorkerName;
            });
            services.AddHostedService<JobRecovery>();
        }

        return services;
    }

    /// <summary>This process's name among the workers (host and process id).</summary>
    public static string WorkerName { get; } = $"painreview-{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Healthy only when the database accepts a write (a full disk or a read-only file is unhealthy).</summary>
    public sealed class WritableDatabaseCheck(PainReviewDbContext db) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
    {
        public async Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
            Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                // A write that is rolled back: proves the database can be written without changing it.
                await db.Database.ExecuteSqlRawAsync("UPDATE \"AspNetRoles\" SET \"ConcurrencyStamp\" = \"ConcurrencyStamp\" WHERE \"Id\" = (SELECT MIN(\"Id\") FROM \"AspNetRoles\")", cancellationToken);
                await transaction.RollbackAsync(cancellationToken);
                return Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is DbException or InvalidOperationException or IOException)
            {
                return Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("The database cannot be written.", e);
            }
        }
    }

    private static Task ApiAware(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/Account/KeepAlive"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>Only Admins see the Hangfire dashboard.</summary>
    public sealed class AdminDashboardFilter : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context)
        {
            var user = context.GetHttpContext().User;
            return user.Identity?.IsAuthenticated == true && user.IsInRole(Roles.Admin);
        }
    }
}
