using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using PainReview.Data;
using PainReview.Data.Audit;
using PainReview.Data.Entities;

namespace PainReview.Web.Features.Audit;

/// <summary>Who is acting in this scope, when a page runs work in a scope of its own.</summary>
public sealed class PortalUser
{
    public ClaimsPrincipal? Principal { get; set; }
    public string? Name => Principal?.Identity?.IsAuthenticated == true ? Principal.Identity.Name : null;
}

/// <summary>Appends audit events (who, when, what, before, after, why) in the caller's transaction.</summary>
public sealed class AuditLog(PainReviewDbContext db, PortalUser portalUser, IHttpContextAccessor? http = null, AuthenticationStateProvider? auth = null)
{
    /// <summary>Audit values as JSON: <see cref="AuditJson.Serialize"/>, the one serializer.</summary>
    public static string? Serialize(object? value) => AuditJson.Serialize(value);

    public async Task<string> CurrentUserAsync()
    {
        if (!string.IsNullOrEmpty(portalUser.Name)) return portalUser.Name;
        ClaimsPrincipal? user = http?.HttpContext?.User;
        if (user?.Identity?.IsAuthenticated != true && auth is not null)
        {
            try { user = (await auth.GetAuthenticationStateAsync()).User; }
            catch (InvalidOperationException) { user = null; }
        }
        return user?.Identity?.IsAuthenticated == true ? user.Identity.Name ?? "unknown" : "system";
    }

    /// <summary>Adds an event to the context; it is saved with the change it records.</summary>
    public async Task AddAsync(string action, string entityType, string entityId, object? before = null, object? after = null,
        string? reason = null, Guid? studyId = null, Guid? recordingId = null, string? user = null)
    {
        db.AuditEvents.Add(new AuditEvent
        {
            User = user ?? await CurrentUserAsync(),
            Action = action,
            EntityType = entityType,
            EntityId = entityId,
            Before = Serialize(before),
            After = Serialize(after),
            Reason = reason,
            StudyId = studyId,
            RecordingId = recordingId,
        });
    }

    /// <summary>
    /// Records an account event (sign-in, sign-out, a password change) and saves it at once, on its
    /// own: whatever an earlier failed save left in the context is not carried with it.
    /// </summary>
    public async Task RecordAccountEventAsync(string action, string userId, string? userName, object? after = null, CancellationToken cancellationToken = default)
    {
        db.ChangeTracker.Clear();
        await AddAsync(action, "User", userId, after: after, user: userName);
        await db.SaveChangesAsync(cancellationToken);
    }
}
