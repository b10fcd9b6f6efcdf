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
        services.Configure<PortalOptions>(section);
        services.PostConfigure<PortalOptions>(o =>
        {
            // PAINREVIEW_ADMIN_EMAIL / PAINREVIEW_ADMIN_PASSWORD, as the README says.
            o.AdminEmail ??= builder.Configuration["PAINREVIEW_ADMIN_EMAIL"];
            o.AdminPassword ??= builder.Configuration["PAINREVIEW_ADMIN_PASSWORD"];
        });
        var options = section.Get<PortalOptions>() ?? new PortalOptions();
        if (builder.Configuration["PAINREVIEW_ROLE"] is { Length: > 0 } role) options.Role = role;
        options.Role = options.Role.ToLowerInvariant();
        options.Validate();
        services.PostConfigure<PortalOptions>(o => o.Role = options.Role);
        Directory.CreateDirectory(Path.GetFullPath(options.DataDirectory));

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

        services.AddAuthentication(o =>
        {
            o.DefaultScheme = IdentityConstants.ApplicationScheme;
            o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
        }).AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/Account/Login";
            o.AccessDeniedPath = "/Account/AccessDenied";
            o.Cookie.Name = "PainReview.Auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            // API calls get status codes, not login pages.
            o.Events.OnRedirectToLogin = ctx => ApiAware(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx, StatusCodes.Status403Forbidden);
        });
        // Nothing a page process serves is anonymous unless marked so. A worker serves nothing but its health.
        var authorization = services.AddAuthorizationBuilder();
        if (options.ServesPages)
            authorization.SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        services.AddDbContext<PainReviewDbContext>(o => o.Use(options.DatabaseProvider, options.DatabaseConnection));
        services.AddIdentityCore<ApplicationUser>(o =>
            {
                o.SignIn.RequireConfirmedAccount = false;
                o.Password.RequiredLength = 10;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.User.RequireUniqueEmail = true;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PainReviewDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        services.AddSingleton<DatabaseInitializer>();

        services.AddSingleton(sp => ModelDirectory.Locate(sp.GetRequiredService<IOptions<PortalOptions>>().Value.Models));
        services.AddSingleton<PipelinePool>();
        services.AddSingleton<RecordingProgress>();
        services.AddSingleton<JobCancellations>();
        services.AddSingleton<VideoStore>();
        services.AddScoped<AuditLog>();
        services.AddScoped<PortalUser>();
        services.AddHttpContextAccessor();
        services.AddScoped<RecordingService>();
        services.AddScoped<Features.Admin.UserAdministration>();
        services.AddScoped<Features.Review.ReviewService>();
        services.AddSingleton<Features.Review.ReviewMedia>();
        services.AddScoped<Features.Export.ExportService>();
        services.AddScoped<Features.Cohort.CohortAnalytics>();
        services.AddScoped<AnalyzeRecordingJob>();
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

        services.AddHealthChecks().AddDbContextCheck<PainReviewDbContext>("database");
        return builder;
    }

    /// <summary>This process's name among the workers (host and process id).</summary>
    public static string WorkerName { get; } = $"painreview-{Environment.MachineName}-{Environment.ProcessId}";

    private static Task ApiAware(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
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
