using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Features.Access;

/// <summary>Who belongs to a study, in which role. Admins and the study's Coordinators manage it; every change audited.</summary>
public sealed class StudyMembership(PainReviewDbContext db, StudyAccess access, AuditLog audit)
{
    public sealed record Member(long Id, string UserId, string Email, string Role, bool MayExportVideo, DateTime AddedUtc, string AddedBy);

    public async Task<List<Member>> ListAsync(Guid studyId)
    {
        await access.RequireStudyAsync(studyId, StudyPermission.View, "see its members");
        return await db.StudyMembers.AsNoTracking().Where(m => m.StudyId == studyId).OrderBy(m => m.User!.Email).ThenBy(m => m.Role)
            .Select(m => new Member(m.Id, m.UserId, m.User!.Email ?? m.User.UserName ?? m.UserId, m.Role, m.MayExportVideo, m.AddedUtc, m.AddedBy))
            .ToListAsync();
    }

    public async Task<Member> AddAsync(Guid studyId, string? email, string? role)
    {
        await access.RequireStudyAsync(studyId, StudyPermission.ManageMembers, "manage its members");
        email = (email ?? "").Trim();
        role = Roles.InStudy.FirstOrDefault(r => r.Equals((role ?? "").Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new PortalValidationException($"A study role is one of {string.Join(", ", Roles.InStudy)}.");
        var normalized = email.ToUpperInvariant();
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedEmail == normalized)
            ?? throw new PortalValidationException($"There is no account for {email}: an Admin creates it first.");
        var holds = await db.RoleNamesOf(user.Id).AnyAsync(n => n == role);
        if (!holds) throw new PortalValidationException($"{email} does not hold the {role} role: an Admin grants it on the Users page first.");
        if (await db.StudyMembers.AnyAsync(m => m.StudyId == studyId && m.UserId == user.Id && m.Role == role))
            throw new PortalValidationException($"{email} is already a {role} in this study.");
        var actor = await access.ActorAsync();
        var member = new StudyMember { StudyId = studyId, UserId = user.Id, Role = role, AddedBy = actor.Name };
        db.StudyMembers.Add(member);
        access.MembershipsChanged();
        await audit.AddAsync("study.member.added", nameof(Study), studyId.ToString(), after: new { member = email, role }, studyId: studyId, user: actor.Name);
        await db.SaveChangesAsync();
        return new Member(member.Id, user.Id, email, role, false, member.AddedUtc, member.AddedBy);
    }

    public async Task RemoveAsync(Guid studyId, long memberId, string? reason = null)
    {
        await access.RequireStudyAsync(studyId, StudyPermission.ManageMembers, "manage its members");
        var member = await db.StudyMembers.Include(m => m.User).SingleOrDefaultAsync(m => m.Id == memberId && m.StudyId == studyId)
            ?? throw new PortalValidationException("That membership does not exist.");
        db.StudyMembers.Remove(member);
        access.MembershipsChanged();
        await audit.AddAsync("study.member.removed", nameof(Study), studyId.ToString(),
            before: new { member = member.User?.Email, member.Role, member.MayExportVideo }, reason: reason, studyId: studyId);
        await db.SaveChangesAsync();
    }

    /// <summary>Raw facial video leaves the portal only with this explicit grant, which only an Admin gives.</summary>
    public async Task SetVideoExportAsync(Guid studyId, long memberId, bool allowed)
    {
        if (!(await access.ActorAsync()).IsAdmin)
            throw new AccessException("Only an Admin grants the export of raw video.", StatusCodes.Status403Forbidden);
        var member = await db.StudyMembers.Include(m => m.User).SingleOrDefaultAsync(m => m.Id == memberId && m.StudyId == studyId)
            ?? throw new PortalValidationException("That membership does not exist.");
        if (member.Role != Roles.DataManager) throw new PortalValidationException("Only data managers export datasets, with or without video.");
        if (member.MayExportVideo == allowed) return;
        member.MayExportVideo = allowed;
        access.MembershipsChanged();
        await audit.AddAsync(allowed ? "study.member.video-export.granted" : "study.member.video-export.revoked", nameof(Study), studyId.ToString(),
            before: new { member = member.User?.Email, mayExportVideo = !allowed }, after: new { member = member.User?.Email, mayExportVideo = allowed }, studyId: studyId);
        await db.SaveChangesAsync();
    }
}
