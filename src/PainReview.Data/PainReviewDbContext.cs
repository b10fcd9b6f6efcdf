using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using PainReview.Data.Audit;
using PainReview.Data.Entities;

namespace PainReview.Data;

public class PainReviewDbContext(DbContextOptions<PainReviewDbContext> options) : IdentityDbContext<ApplicationUser>(options), IDataProtectionKeyContext
{
    public DbSet<Study> Studies => Set<Study>();
    public DbSet<Participant> Participants => Set<Participant>();
    public DbSet<Recording> Recordings => Set<Recording>();
    public DbSet<FrameResult> FrameResults => Set<FrameResult>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<ReviewDecision> ReviewDecisions => Set<ReviewDecision>();
    public DbSet<VasCorrection> VasCorrections => Set<VasCorrection>();
    public DbSet<StudyMember> StudyMembers => Set<StudyMember>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<ReviewSignature> ReviewSignatures => Set<ReviewSignature>();
    public DbSet<Correction> Corrections => Set<Correction>();
    public DbSet<StudyProtocol> StudyProtocols => Set<StudyProtocol>();
    public DbSet<RaterAssignment> RaterAssignments => Set<RaterAssignment>();
    public DbSet<RaterDecision> RaterDecisions => Set<RaterDecision>();
    /// <summary>This deployment's own key ring (cookies, antiforgery): never shared with another instance.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>The names of the roles the account holds now, read from the database (not from a cookie).</summary>
    public IQueryable<string> RoleNamesOf(string userId) =>
        UserRoles.Where(r => r.UserId == userId).Join(Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!);

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(PainReviewDbContext).Assembly);
    }

    /// <summary>
    /// The audit log is append-only: changing or deleting an entry is refused, and new entries are
    /// hash-chained to the trail (see <see cref="AuditChain"/>) in the same transaction as the change they record.
    /// </summary>
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        if (!GuardAudit()) return base.SaveChanges(acceptAllChangesOnSuccess);
        return AuditChain.SaveChainedAsync(this, acceptAllChangesOnSuccess, accept => base.SaveChanges(accept),
            (accept, ct) => base.SaveChangesAsync(accept, ct), async: false, CancellationToken.None).GetAwaiter().GetResult();
    }

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        if (!GuardAudit()) return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        return await AuditChain.SaveChainedAsync(this, acceptAllChangesOnSuccess, accept => base.SaveChanges(accept),
            (accept, ct) => base.SaveChangesAsync(accept, ct), async: true, cancellationToken);
    }

    /// <summary>Refuses changes to saved audit entries; true when there are new ones to chain.</summary>
    private bool GuardAudit()
    {
        foreach (var entry in ChangeTracker.Entries<Participant>().Where(e => e.State is EntityState.Added or EntityState.Modified))
            entry.Entity.NormalizedCode = Participant.Normalize(entry.Entity.Code);
        var audit = ChangeTracker.Entries<AuditEvent>().Select(e => e.State).ToList();
        if (audit.Any(s => s is EntityState.Modified or EntityState.Deleted))
            throw new InvalidOperationException("The audit log is append-only.");
        return audit.Contains(EntityState.Added);
    }
}
