using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Data.Identity;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Features.Access;

/// <summary>
/// Personal API tokens for scripts: the secret is shown once, only its SHA-256 is stored; a token
/// expires, can be revoked, acts with its user's memberships, and each use is audited.
/// </summary>
public sealed class ApiTokens(PainReviewDbContext db, AuditLog audit)
{
    public sealed record Created(Guid Id, string Secret, DateTime ExpiresUtc);
    public sealed record Listed(Guid Id, string Name, string Prefix, DateTime CreatedUtc, DateTime ExpiresUtc, DateTime? RevokedUtc, DateTime? LastUsedUtc);

    public async Task<Created> CreateAsync(string userId, string? name, int days, string actor)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId) ?? throw new PortalValidationException("That user does not exist.");
        ApiToken token;
        string secret;
        try
        {
            (token, secret) = ApiTokenSecrets.New(userId, name, days);
        }
        catch (ArgumentException e)
        {
            throw new PortalValidationException(e.Message.Split(" (Parameter")[0]);
        }
        db.ApiTokens.Add(token);
        await audit.AddAsync("token.created", "ApiToken", token.Id.ToString(), after: new { user = user.Email, token.Name, token.Prefix, expires = token.ExpiresUtc }, user: actor);
        await db.SaveChangesAsync();
        return new Created(token.Id, secret, token.ExpiresUtc);
    }

    public Task<List<Listed>> ListAsync(string userId) =>
        db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.CreatedUtc)
            .Select(t => new Listed(t.Id, t.Name, t.Prefix, t.CreatedUtc, t.ExpiresUtc, t.RevokedUtc, t.LastUsedUtc)).ToListAsync();

    /// <summary>Revokes one of the user's tokens (an Admin may revoke anyone's).</summary>
    public async Task RevokeAsync(Guid tokenId, string userId, bool asAdmin, string actor)
    {
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == tokenId && (asAdmin || t.UserId == userId))
            ?? throw new PortalValidationException("That token does not exist.");
        if (token.RevokedUtc is not null) return;
        token.RevokedUtc = DateTime.UtcNow;
        await audit.AddAsync("token.revoked", "ApiToken", token.Id.ToString(), before: new { token.Prefix, revoked = false }, after: new { token.Prefix, revoked = true }, user: actor);
        await db.SaveChangesAsync();
    }

}

/// <summary>Accepts <c>Authorization: Bearer prt_...</c> on the API; every use is an audit event.</summary>
public sealed class ApiTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    PainReviewDbContext db, IOptions<IdentityOptions> identity) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var secret = header["Bearer ".Length..].Trim();
        if (!secret.StartsWith(ApiTokenSecrets.Prefix, StringComparison.Ordinal)) return AuthenticateResult.Fail("That is not a PainReview API token.");
        var hash = ApiTokenSecrets.HashOf(secret);
        var token = await db.ApiTokens.Include(t => t.User).SingleOrDefaultAsync(t => t.Hash == hash, Context.RequestAborted);
        var now = DateTime.UtcNow;
        if (token?.User is not { } user) return AuthenticateResult.Fail("Unknown API token.");
        if (token.RevokedUtc is not null) return AuthenticateResult.Fail("This API token was revoked.");
        if (token.ExpiresUtc <= now) return AuthenticateResult.Fail("This API token has expired.");
        if (user.LockoutEnd is { } end && end > DateTimeOffset.UtcNow) return AuthenticateResult.Fail("This account is locked.");

        var roles = await db.RoleNamesOf(user.Id).ToListAsync(Context.RequestAborted);
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id), new(ClaimTypes.Name, user.UserName ?? user.Id), new(StudyAccess.TokenClaim, token.Id.ToString()),
        };
        claims.AddRange(roles.Select(r => new Claim(identity.Value.ClaimsIdentity.RoleClaimType, r)));
        token.LastUsedUtc = now;
        db.AuditEvents.Add(new AuditEvent
        {
            User = user.UserName ?? user.Id, Action = "token.used", EntityType = "ApiToken", EntityId = token.Id.ToString(),
            After = AuditLog.Serialize(new { method = Request.Method, path = Request.Path.Value, token.Prefix }),
        });
        await db.SaveChangesAsync(Context.RequestAborted);
        db.ChangeTracker.Clear();
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, identity.Value.ClaimsIdentity.RoleClaimType));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(failure ?? "Sign in, or send a personal API token as 'Authorization: Bearer ...'.", statusCode: 401).ExecuteAsync(Context);
    }
}
