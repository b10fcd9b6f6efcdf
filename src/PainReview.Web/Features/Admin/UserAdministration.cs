using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Features.Admin;

/// <summary>Accounts and roles, managed by Admins; every change audited.</summary>
public sealed class UserAdministration(UserManager<ApplicationUser> users, PainReviewDbContext db, AuditLog audit)
{
    public sealed record UserRow(string Id, string Email, string? DisplayName, IReadOnlyList<string> Roles, bool Locked);

    public async Task<List<UserRow>> ListAsync()
    {
        var all = await users.Users.OrderBy(u => u.Email).ToListAsync();
        var rows = new List<UserRow>();
        foreach (var u in all)
            rows.Add(new UserRow(u.Id, u.Email ?? u.UserName ?? "", u.DisplayName, [.. await users.GetRolesAsync(u)],
                u.LockoutEnd is { } end && end > DateTimeOffset.UtcNow));
        return rows;
    }

    public async Task CreateAsync(string email, string? displayName, string password, IEnumerable<string> roles)
    {
        email = (email ?? "").Trim();
        if (!System.Net.Mail.MailAddress.TryCreate(email, out _)) throw new PortalValidationException($"'{email}' is not an e-mail address.");
        var unknown = roles.Where(r => !Roles.All.Contains(r)).ToArray();
        if (unknown.Length > 0) throw new PortalValidationException($"There is no role {string.Join(", ", unknown)}: use {string.Join(", ", Roles.All)}.");
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = displayName?.Trim() };
        Check(await users.CreateAsync(user, password));
        var granted = roles.Where(Roles.All.Contains).ToArray();
        if (granted.Length > 0) Check(await users.AddToRolesAsync(user, granted));
        await audit.AddAsync("user.created", "User", user.Id, after: new { email, roles = granted });
        await db.SaveChangesAsync();
    }

    public async Task SetRoleAsync(string userId, string role, bool on)
    {
        if (!Roles.All.Contains(role)) throw new PortalValidationException($"There is no role {role}.");
        var user = await users.FindByIdAsync(userId) ?? throw new PortalValidationException("That user does not exist.");
        var before = await users.GetRolesAsync(user);
        Check(on ? await users.AddToRoleAsync(user, role) : await users.RemoveFromRoleAsync(user, role));
        await users.UpdateSecurityStampAsync(user); // signs the user out of the old role set
        await audit.AddAsync(on ? "user.role.granted" : "user.role.removed", "User", user.Id, before: new { roles = before },
            after: new { roles = await users.GetRolesAsync(user) });
        await db.SaveChangesAsync();
    }

    public async Task SetLockedAsync(string userId, bool locked)
    {
        var user = await users.FindByIdAsync(userId) ?? throw new PortalValidationException("That user does not exist.");
        Check(await users.SetLockoutEnabledAsync(user, true));
        user.LockedByAdmin = locked;
        Check(await users.SetLockoutEndDateAsync(user, locked ? DateTimeOffset.MaxValue : null));
        if (!locked) Check(await users.ResetAccessFailedCountAsync(user));
        // A new stamp ends the user's sessions and open pages at their next request or re-check.
        await users.UpdateSecurityStampAsync(user);
        await audit.AddAsync(locked ? "user.locked" : "user.unlocked", "User", user.Id, after: new { email = user.Email, lockedByAdmin = locked });
        await db.SaveChangesAsync();
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded) throw new PortalValidationException(string.Join(" ", result.Errors.Select(e => e.Description)));
    }
}
