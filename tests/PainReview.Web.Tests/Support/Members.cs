using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data;
using PainReview.Data.Entities;

namespace PainReview.Web.Tests.Support;

/// <summary>Study memberships and accounts for tests, written straight into the database.</summary>
public static class Members
{
    /// <summary>Makes each seeded role user (coordinator@..., clinician@..., datamanager@...) a member of the study in that role.</summary>
    public static async Task AddRoleUsersAsync(PainReviewDbContext db, Guid studyId, bool dataManagerMayExportVideo = false)
    {
        foreach (var role in Roles.InStudy)
        {
            var email = PortalFactory.EmailOf(role).ToUpperInvariant();
            var user = await db.Users.SingleAsync(u => u.NormalizedEmail == email);
            if (await db.StudyMembers.AnyAsync(m => m.StudyId == studyId && m.UserId == user.Id && m.Role == role)) continue;
            db.StudyMembers.Add(new StudyMember
            {
                StudyId = studyId, UserId = user.Id, Role = role, AddedBy = "fixture", MayExportVideo = role == Roles.DataManager && dataManagerMayExportVideo,
            });
        }
        await db.SaveChangesAsync();
    }

    /// <summary>For bUnit: an account holding the role, a member of the study, and the claims its cookie would carry.</summary>
    public static async Task<Claim[]> AccountAsync(IServiceProvider services, string email, string role, Guid? studyId)
    {
        using var scope = services.GetRequiredService<IServiceScopeFactory>().CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PainReviewDbContext>();
        var normalized = email.ToUpperInvariant();
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized);
        if (user is null)
        {
            user = new ApplicationUser { UserName = email, NormalizedUserName = normalized, Email = email, NormalizedEmail = normalized, SecurityStamp = Guid.NewGuid().ToString("N") };
            db.Users.Add(user);
        }
        var roleRow = await db.Roles.SingleOrDefaultAsync(r => r.Name == role);
        if (roleRow is null)
        {
            roleRow = new IdentityRole(role) { NormalizedName = role.ToUpperInvariant() };
            db.Roles.Add(roleRow);
        }
        await db.SaveChangesAsync();
        if (!await db.UserRoles.AnyAsync(r => r.UserId == user.Id && r.RoleId == roleRow.Id))
            db.UserRoles.Add(new IdentityUserRole<string> { UserId = user.Id, RoleId = roleRow.Id });
        if (studyId is { } id && role != Roles.Admin)
            db.StudyMembers.Add(new StudyMember { StudyId = id, UserId = user.Id, Role = role, AddedBy = "test" });
        await db.SaveChangesAsync();
        return [new Claim(ClaimTypes.NameIdentifier, user.Id), new Claim(new IdentityOptions().ClaimsIdentity.SecurityStampClaimType, user.SecurityStamp!)];
    }

    /// <summary>The services the portal's pages use to check access, for a bUnit container.</summary>
    public static void AddAccessServices(this IServiceCollection services)
    {
        services.AddOptions<IdentityOptions>();
        services.AddScoped<PainReview.Web.Features.Audit.PortalUser>();
        services.AddScoped<PainReview.Web.Features.Access.StudyAccess>();
        services.AddScoped<PainReview.Web.Features.Access.StudyMembership>();
        services.AddScoped<PainReview.Web.Features.Audit.AuditLog>();
        // The pages' read services.
        services.AddScoped<PainReview.Web.Features.Studies.StudyDirectory>();
        services.AddScoped<PainReview.Web.Features.Recordings.RecordingOverviewService>();
        services.AddScoped<PainReview.Web.Features.Audit.AuditTrail>();
        // Which recordings the user rates blind to the labels (the recording page and the audit trail ask).
        services.AddScoped<PainReview.Web.Features.Review.TwoRaterService>();
    }
}
