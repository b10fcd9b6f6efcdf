using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data.Entities;

namespace PainReview.Data.Identity;

/// <summary>The account rules, the same for the portal and the command line.</summary>
public static class IdentityDefaults
{
    public const int MinimumPasswordLength = 12;

    public static void Configure(IdentityOptions o)
    {
        o.SignIn.RequireConfirmedAccount = false;
        // Length and a check against common passwords (PasswordRules), not composition rules.
        o.Password.RequiredLength = MinimumPasswordLength;
        o.Password.RequireDigit = false;
        o.Password.RequireLowercase = false;
        o.Password.RequireUppercase = false;
        o.Password.RequireNonAlphanumeric = false;
        o.Password.RequiredUniqueChars = 1;
        o.Lockout.MaxFailedAccessAttempts = 5;
        o.User.RequireUniqueEmail = true;
    }

    /// <summary>Identity on the app database with PainReview's rules.</summary>
    public static IdentityBuilder AddPainReviewIdentity(this IServiceCollection services) =>
        services.AddIdentityCore<ApplicationUser>(Configure)
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PainReviewDbContext>()
            .AddPasswordValidator<PasswordRules>();
}

/// <summary>Personal API token secrets: made here, shown once, stored only as their SHA-256.</summary>
public static class ApiTokenSecrets
{
    public const string Prefix = "prt_";
    public const int MaxDays = 365;

    public static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>A new token for the user (to be added to the database) and its secret (to be shown once).</summary>
    public static (ApiToken Token, string Secret) New(string userId, string? name, int days)
    {
        if (days is < 1 or > MaxDays) throw new ArgumentOutOfRangeException(nameof(days), $"A token lasts 1 to {MaxDays} days.");
        name = string.IsNullOrWhiteSpace(name) ? "API token" : name.Trim();
        if (name.Length > 100) throw new ArgumentException("A token name has at most 100 characters.", nameof(name));
        var secret = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (new ApiToken { UserId = userId, Name = name, Hash = HashOf(secret), Prefix = secret[..10], ExpiresUtc = DateTime.UtcNow.AddDays(days) }, secret);
    }
}
