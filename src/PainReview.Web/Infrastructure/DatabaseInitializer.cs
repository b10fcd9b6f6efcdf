using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PainReview.Data;
using PainReview.Data.Audit;
using PainReview.Data.Entities;

namespace PainReview.Web.Infrastructure;

/// <summary>Applies migrations, seals audit events from before the hash chain, creates the roles, and makes sure there is a first Admin.</summary>
public sealed class DatabaseInitializer(IServiceProvider services, IOptions<PortalOptions> options, ILogger<DatabaseInitializer> logger)
{
    public const string GeneratedAdminEmail = "admin@painreview.local";

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PainReviewDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
        // The embedded database file is its owner's only, like the folder it is in.
        if (!OperatingSystem.IsWindows() && db.Database.GetDbConnection().DataSource is { Length: > 0 } file && File.Exists(file))
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // A database from before the audit hash chain: its events are chained once, oldest first.
        if (await AuditChain.SealUnhashedAsync(db, cancellationToken) is > 0 and var sealedCount)
            logger.LogInformation("Sealed {Count} audit events written before the hash chain.", sealedCount);

        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Roles.All)
            if (!await roles.RoleExistsAsync(role))
                await roles.CreateAsync(new IdentityRole(role));

        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var email = options.Value.AdminEmail;
        var password = options.Value.AdminPassword;
        if (!string.IsNullOrWhiteSpace(email) && !string.IsNullOrWhiteSpace(password))
        {
            if (await users.FindByEmailAsync(email) is null)
            {
                await CreateAdminAsync(users, email, password);
                logger.LogInformation("Created the first Admin, {Email}, from configuration.", email);
            }
            return;
        }

        if ((await users.GetUsersInRoleAsync(Roles.Admin)).Count == 0)
        {
            // No admin configured and none exists: make one with a one-time password, shown once.
            var generated = "Pr-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('/', 'x').Replace('+', 'y') + "9!";
            await CreateAdminAsync(users, GeneratedAdminEmail, generated);
            Console.WriteLine($"""

                PainReview: no Admin was configured, so one was created.
                  sign in as  {GeneratedAdminEmail}
                  password    {generated}
                (shown only now; set PAINREVIEW_ADMIN_EMAIL and PAINREVIEW_ADMIN_PASSWORD to choose your own)

                """);
        }
    }

    private static async Task CreateAdminAsync(UserManager<ApplicationUser> users, string email, string password)
    {
        var admin = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = "Administrator" };
        var created = await users.CreateAsync(admin, password);
        if (!created.Succeeded)
            throw new InvalidOperationException("Could not create the first Admin: " + string.Join(" ", created.Errors.Select(e => e.Description)));
        await users.AddToRoleAsync(admin, Roles.Admin);
    }
}
