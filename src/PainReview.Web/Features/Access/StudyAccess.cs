using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Features.Access;

/// <summary>What a user may do in one study; each study role grants a fixed set.</summary>
public enum StudyPermission
{
    /// <summary>See the study, its participants, recordings and scores.</summary>
    View,
    /// <summary>Add participants, upload, cancel, retry and delete recordings.</summary>
    Manage,
    /// <summary>Decide APEX frames, correct VAS, mark reviewed.</summary>
    Review,
    /// <summary>Play the recording's video and see its frames.</summary>
    WatchVideo,
    /// <summary>Export the validated dataset, cohort analytics and reports.</summary>
    Export,
    /// <summary>Include raw facial video in an export: an explicit grant by an Admin.</summary>
    ExportVideo,
    /// <summary>Read the study's audit trail.</summary>
    ViewAudit,
    /// <summary>Add and remove the study's members.</summary>
    ManageMembers,
}

/// <summary>Refused for reasons of access; the status code tells the API what to answer.</summary>
public sealed class AccessException(string message, int statusCode) : PortalValidationException(message)
{
    public override int StatusCode => statusCode;

    /// <summary>Not there, or not a member: the same answer, so a non-member learns nothing.</summary>
    public static AccessException StudyNotFound() => new("That study does not exist.", StatusCodes.Status404NotFound);
    public static AccessException RecordingNotFound() => new("That recording does not exist.", StatusCodes.Status404NotFound);
    public static AccessException Forbidden(string what) => new($"Your role in this study does not allow you to {what}.", StatusCodes.Status403Forbidden);
    public static AccessException SessionEnded(string why) => new(why, StatusCodes.Status401Unauthorized);
}

/// <summary>The user acting now, as the database knows them this moment (not as their cookie remembers).</summary>
public sealed record Actor(string UserId, string Name, IReadOnlySet<string> Roles)
{
    public bool IsAdmin => Roles.Contains(Data.Entities.Roles.Admin);
}

/// <summary>
/// The one place that says who may do what in which study. A user acts on a study only as its
/// member, with the roles of that membership that their account still holds; Admins act on every
/// study. Every check reads the database, so a lock, a removed role, a removed membership or a
/// sign-out (a new security stamp) takes effect at the next request or action, open pages included.
/// </summary>
public sealed class StudyAccess(PainReviewDbContext db, PortalUser portalUser, IOptions<IdentityOptions> identity,
    IHttpContextAccessor? http = null, AuthenticationStateProvider? authentication = null)
{
    public const string TokenClaim = "painreview:token";

    private Actor? _actor;

    public static IReadOnlySet<StudyPermission> PermissionsOf(string role) => role switch
    {
        Roles.Coordinator => new HashSet<StudyPermission> { StudyPermission.View, StudyPermission.Manage, StudyPermission.WatchVideo, StudyPermission.ManageMembers },
        Roles.Clinician => new HashSet<StudyPermission> { StudyPermission.View, StudyPermission.Review, StudyPermission.WatchVideo, StudyPermission.ViewAudit },
        Roles.DataManager => new HashSet<StudyPermission> { StudyPermission.View, StudyPermission.Export, StudyPermission.ViewAudit },
        _ => new HashSet<StudyPermission>(),
    };

    private async Task<ClaimsPrincipal?> PrincipalAsync()
    {
        if (portalUser.Principal is { } p) return p;
        if (http?.HttpContext?.User is { Identity.IsAuthenticated: true } u) return u;
        if (authentication is null) return null;
        try { return (await authentication.GetAuthenticationStateAsync()).User; }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>The acting user, checked against the database: exists, not locked, session still valid.</summary>
    public async Task<Actor> ActorAsync()
    {
        if (_actor is not null) return _actor;
        var principal = await PrincipalAsync();
        var id = principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        if (principal?.Identity?.IsAuthenticated != true || id is null) throw AccessException.SessionEnded("Sign in first.");
        var user = await db.Users.AsNoTracking().Where(u => u.Id == id)
            .Select(u => new { u.Id, u.UserName, u.LockoutEnd, u.SecurityStamp }).SingleOrDefaultAsync();
        if (user is null) throw AccessException.SessionEnded("This account no longer exists.");
        if (user.LockoutEnd is { } end && end > DateTimeOffset.UtcNow) throw AccessException.SessionEnded("This account is locked.");
        // A cookie carries the security stamp it was issued with; sign-out, a lock or a role change renews
        // the stored one. An API token is checked by its own handler on every request instead.
        if (principal.FindFirst(TokenClaim) is null && principal.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType) != user.SecurityStamp)
            throw AccessException.SessionEnded("Your session has ended (you signed out, or an Admin changed your access): sign in again.");
        var roles = await db.RoleNamesOf(id).ToListAsync();
        return _actor = new Actor(user.Id, user.UserName ?? id, roles.ToHashSet());
    }

    /// <summary>
    /// Re-authentication for a signed act (21 CFR 11.200): the acting user's password again. A wrong
    /// one counts towards the account's lockout, as at sign-in.
    /// </summary>
    public async Task<ApplicationUser?> ConfirmPasswordAsync(UserManager<ApplicationUser> users, string? password)
    {
        var actor = await ActorAsync();
        var user = await users.FindByIdAsync(actor.UserId) ?? throw AccessException.SessionEnded("This account no longer exists.");
        if (!string.IsNullOrEmpty(password) && await users.CheckPasswordAsync(user, password))
        {
            await users.ResetAccessFailedCountAsync(user);
            return user;
        }
        await users.AccessFailedAsync(user);
        return null;
    }

    /// <summary>The studies in which the acting user has this permission.</summary>
    public async Task<List<Guid>> StudiesAsync(StudyPermission permission)
    {
        var actor = await ActorAsync();
        if (actor.IsAdmin && permission != StudyPermission.ExportVideo) return await db.Studies.Select(s => s.Id).ToListAsync();
        var members = await MembershipsAsync(actor);
        return members.Where(m => Grants(actor, m, permission)).Select(m => m.StudyId).Distinct().ToList();
    }

    /// <summary>Whether the acting user has this permission in the study (false for a study they cannot see).</summary>
    public async Task<bool> CanAsync(Guid studyId, StudyPermission permission)
    {
        var actor = await ActorAsync();
        if (actor.IsAdmin && permission != StudyPermission.ExportVideo) return await db.Studies.AnyAsync(s => s.Id == studyId);
        return (await MembershipsAsync(actor)).Any(m => m.StudyId == studyId && Grants(actor, m, permission));
    }

    /// <summary>
    /// Refuses unless the acting user has the permission in the study. A study they are not a member
    /// of reads as one that does not exist.
    /// </summary>
    public async Task RequireStudyAsync(Guid studyId, StudyPermission permission, string what)
    {
        if (await CanAsync(studyId, permission)) return;
        if (await CanAsync(studyId, StudyPermission.View)) throw AccessException.Forbidden(what);
        throw AccessException.StudyNotFound();
    }

    /// <summary>As <see cref="RequireStudyAsync"/> for the recording's study; returns that study's id.</summary>
    public async Task<Guid> RequireRecordingAsync(Guid recordingId, StudyPermission permission, string what)
    {
        var studyId = await db.Recordings.AsNoTracking().Where(r => r.Id == recordingId).Select(r => (Guid?)r.StudyId).SingleOrDefaultAsync();
        if (studyId is not { } id || !await CanAsync(id, StudyPermission.View)) throw AccessException.RecordingNotFound();
        if (!await CanAsync(id, permission)) throw AccessException.Forbidden(what);
        return id;
    }

    /// <summary>The acting user's memberships, read once per scope (a page action or a request), like the actor.</summary>
    private async Task<List<StudyMember>> MembershipsAsync(Actor actor) =>
        _memberships ??= await db.StudyMembers.AsNoTracking().Where(m => m.UserId == actor.UserId).ToListAsync();

    private List<StudyMember>? _memberships;

    /// <summary>After a change to memberships in this scope, the next check reads them again.</summary>
    public void MembershipsChanged() => _memberships = null;

    private static bool Grants(Actor actor, StudyMember member, StudyPermission permission) =>
        actor.Roles.Contains(member.Role) && (permission == StudyPermission.ExportVideo
            ? member.Role == Roles.DataManager && member.MayExportVideo
            : PermissionsOf(member.Role).Contains(permission));
}
