using System.CommandLine;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data;
using PainReview.Data.Audit;
using PainReview.Data.Entities;
using PainReview.Data.Identity;

namespace PainReview.Cli.Commands;

/// <summary>Provisioning without a browser: accounts and personal API tokens, audited like the portal's.</summary>
internal static class AccountCommands
{
    public static Command Users()
    {
        var data = PortalDataCommands.DataOption();
        var email = new Option<string>("--email") { Description = "The account's e-mail (its sign-in name).", Required = true };
        var role = new Option<string[]>("--role") { Description = $"A role: {string.Join(", ", Roles.All)} (repeat for several).", Required = true, AllowMultipleArgumentsPerToken = true };
        var password = new Option<string?>("--password") { Description = $"Its password ({IdentityDefaults.MinimumPasswordLength} characters or more); without it one is generated and shown once." };
        var add = new Command("add", "Create an account with roles (study memberships are given in the portal or the API).") { data, email, role, password };
        add.SetAction(async (r, ct) =>
        {
            await using var services = Services(r.GetValue(data)!);
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            var db = services.GetRequiredService<PainReviewDbContext>();
            var address = r.GetValue(email)!.Trim();
            if (!System.Net.Mail.MailAddress.TryCreate(address, out _)) throw new InvalidDataException($"'{address}' is not an e-mail address.");
            var roles = r.GetValue(role)!.SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(x => Roles.All.FirstOrDefault(known => known.Equals(x, StringComparison.OrdinalIgnoreCase)) ?? throw new InvalidDataException($"There is no role '{x}': use {string.Join(", ", Roles.All)}."))
                .Distinct().ToArray();
            if (await users.FindByEmailAsync(address) is not null) throw new InvalidDataException($"An account for {address} already exists.");
            var given = r.GetValue(password);
            var secret = given ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('/', 'x').Replace('+', 'y');
            var user = new ApplicationUser { UserName = address, Email = address, EmailConfirmed = true };
            Check(await users.CreateAsync(user, secret));
            foreach (var name in roles)
            {
                var roleManager = services.GetRequiredService<RoleManager<IdentityRole>>();
                if (!await roleManager.RoleExistsAsync(name)) Check(await roleManager.CreateAsync(new IdentityRole(name)));
            }
            Check(await users.AddToRolesAsync(user, roles));
            Audit(db, "user.created", user.Id, new { email = address, roles, via = "cli" });
            await db.SaveChangesAsync(ct);
            Console.WriteLine($"Created {address} ({string.Join(", ", roles)}).");
            if (given is null) Console.WriteLine($"password: {secret}   (shown only now)");
            return CliErrors.Ok;
        });
        return new Command("users", "Portal accounts.") { add };
    }

    public static Command Tokens()
    {
        var data = PortalDataCommands.DataOption();
        var email = new Option<string>("--email") { Description = "Whose token: it acts with that account's study memberships.", Required = true };
        var days = new Option<int>("--days") { Description = $"Days until it expires (1-{ApiTokenSecrets.MaxDays}).", DefaultValueFactory = _ => 90 };
        var name = new Option<string?>("--name") { Description = "A name to recognise it by." };
        var create = new Command("create", "Create a personal API token (printed once; only its hash is kept).") { data, email, days, name };
        create.SetAction(async (r, ct) =>
        {
            await using var services = Services(r.GetValue(data)!);
            var db = services.GetRequiredService<PainReviewDbContext>();
            var address = r.GetValue(email)!.Trim().ToUpperInvariant();
            var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == address, ct) ?? throw new InvalidDataException($"There is no account for {r.GetValue(email)}.");
            ApiToken token;
            string secret;
            try
            {
                (token, secret) = ApiTokenSecrets.New(user.Id, r.GetValue(name), r.GetValue(days));
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException(e.Message.Split(" (Parameter")[0], e);
            }
            db.ApiTokens.Add(token);
            Audit(db, "token.created", token.Id.ToString(), new { user = user.Email, token.Name, token.Prefix, expires = token.ExpiresUtc, via = "cli" }, "ApiToken");
            await db.SaveChangesAsync(ct);
            Console.WriteLine(secret);
            Console.Error.WriteLine($"Token for {user.Email}, expires {token.ExpiresUtc:yyyy-MM-dd} UTC. Send it as 'Authorization: Bearer <token>'; it is not shown again.");
            return CliErrors.Ok;
        });
        return new Command("tokens", "Personal API tokens for scripts.") { create };
    }

    private static ServiceProvider Services(DirectoryInfo data)
    {
        PortalDataCommands.Open(data).Dispose(); // exists, migrated
        var database = Path.Combine(data.FullName, "painreview.db");
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<PainReviewDbContext>(o => o.UseSqlite($"Data Source={database}"));
        services.AddPainReviewIdentity();
        return services.BuildServiceProvider();
    }

    private static void Audit(PainReviewDbContext db, string action, string entityId, object after, string entityType = "User") =>
        db.AuditEvents.Add(new AuditEvent
        {
            User = PortalDataCommands.CliUser, Action = action, EntityType = entityType, EntityId = entityId,
            After = AuditJson.Serialize(after),
        });

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded) throw new InvalidDataException(string.Join(" ", result.Errors.Select(e => e.Description)));
    }
}
