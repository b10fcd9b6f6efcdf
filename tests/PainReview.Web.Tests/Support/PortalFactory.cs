using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data;
using PainReview.Data.Entities;

namespace PainReview.Web.Tests.Support;

/// <summary>
/// The real portal in-process: real SQLite file, real Hangfire (in-memory storage), real models,
/// one user per role. One instance serves all host tests: Hangfire keeps global state.
/// </summary>
public sealed class PortalFactory : WebApplicationFactory<Program>
{
    public const string Password = "Test-Password-1";
    public const long UploadLimit = 5 * 1024 * 1024;
    public static readonly string[] RoleNames = Roles.All;

    private readonly TempDirectory _data = TestEnvironment.TempDirectory();

    public string DataDirectory => _data.Path;

    public static string EmailOf(string role) => $"{role.ToLowerInvariant()}@example.org";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        PainReview.Web.Jobs.JobRecovery.SweepInterval = TimeSpan.FromSeconds(1);
        builder.UseSetting("PainReview:DataDirectory", _data.Path);
        // Sessions and open pages re-check the account every second here (30 s by default).
        builder.UseSetting("PainReview:RevalidateSeconds", "1");
        builder.UseSetting("PainReview:MaxUploadBytes", UploadLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("PainReview:Models", TestEnvironment.Models.Path);
        builder.UseSetting("PainReview:AdminEmail", EmailOf(Roles.Admin));
        builder.UseSetting("PainReview:AdminPassword", Password);
        builder.UseEnvironment("Testing");
    }

    /// <summary>Creates one user per role (the Admin comes from configuration).</summary>
    public async Task SeedUsersAsync()
    {
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        foreach (var role in RoleNames.Where(r => r != Roles.Admin))
        {
            if (await users.FindByEmailAsync(EmailOf(role)) is not null) continue;
            var user = new ApplicationUser { UserName = EmailOf(role), Email = EmailOf(role), EmailConfirmed = true };
            (await users.CreateAsync(user, Password)).Succeeded.ToString();
            await users.AddToRoleAsync(user, role);
        }
        var noRole = new ApplicationUser { UserName = "norole@example.org", Email = "norole@example.org", EmailConfirmed = true };
        if (await users.FindByEmailAsync(noRole.Email) is null) await users.CreateAsync(noRole, Password);
    }

    /// <summary>The principal a sign-in would give the user (id, security stamp, roles), for acting through services.</summary>
    public async Task<System.Security.Claims.ClaimsPrincipal> PrincipalAsync(string email)
    {
        using var scope = Services.CreateScope();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<ApplicationUser>>();
        var user = await signIn.UserManager.FindByEmailAsync(email) ?? throw new InvalidOperationException($"No user {email}.");
        return await signIn.CreateUserPrincipalAsync(user);
    }

    /// <summary>An account with the role (created if needed) that is a member of the study in that role.</summary>
    public async Task EnsureMemberAsync(string email, string role, Guid studyId)
    {
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
            var created = await users.CreateAsync(user, Password);
            if (!created.Succeeded) throw new InvalidOperationException(string.Join(" ", created.Errors.Select(e => e.Description)));
        }
        if (!await users.IsInRoleAsync(user, role)) await users.AddToRoleAsync(user, role);
        var db = scope.ServiceProvider.GetRequiredService<PainReviewDbContext>();
        if (!await db.StudyMembers.AnyAsync(m => m.StudyId == studyId && m.UserId == user.Id && m.Role == role))
        {
            db.StudyMembers.Add(new StudyMember { StudyId = studyId, UserId = user.Id, Role = role, AddedBy = "test" });
            await db.SaveChangesAsync();
        }
    }

    /// <summary>A service scope acting as the user.</summary>
    public async Task<IServiceScope> ScopeAsAsync(string email)
    {
        var scope = Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<PainReview.Web.Features.Audit.PortalUser>().Principal = await PrincipalAsync(email);
        return scope;
    }

    public HttpClient Client() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Signs in through the real login form (antiforgery token and all).</summary>
    public async Task<HttpClient> SignedInAsync(string email)
    {
        var client = Client();
        await SignInAsync(client, email, Password);
        return client;
    }

    public static Task SignInAsync(HttpClient client, string email, string password) =>
        PortalProcess.SignInAsync(client, email, password);

    public async Task<T> WithDbAsync<T>(Func<PainReviewDbContext, Task<T>> query)
    {
        using var scope = Services.CreateScope();
        return await query(scope.ServiceProvider.GetRequiredService<PainReviewDbContext>());
    }

    /// <summary>Polls until the recording reaches a final state.</summary>
    public async Task<Recording> WaitForAnalysisAsync(Guid recordingId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (DateTime.UtcNow < deadline)
        {
            var recording = await WithDbAsync(db => db.Recordings.AsNoTracking().SingleAsync(r => r.Id == recordingId));
            if (recording.Status is RecordingStatus.Completed or RecordingStatus.Failed or RecordingStatus.Cancelled) return recording;
            await Task.Delay(200);
        }
        throw new TimeoutException($"Recording {recordingId} did not finish in time.");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _data.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalFixture>
{
    public const string Name = "portal";
}

/// <summary>Starts the portal once for the collection and seeds one study with a participant.</summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public PortalFactory Factory { get; } = new();
    public Guid StudyId { get; private set; }
    public const string ParticipantCode = "P-001";

    public async ValueTask InitializeAsync()
    {
        _ = Factory.Server; // start
        await Factory.SeedUsersAsync();
        StudyId = await Factory.WithDbAsync(async db =>
        {
            var study = new Study { Name = "Host test study", CreatedBy = "fixture" };
            study.Participants.Add(new Participant { Code = ParticipantCode });
            db.Studies.Add(study);
            await db.SaveChangesAsync();
            await Members.AddRoleUsersAsync(db, study.Id);
            return study.Id;
        });
    }

    public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
}
