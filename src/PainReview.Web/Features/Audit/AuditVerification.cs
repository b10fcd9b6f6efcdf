using PainReview.Data;
using PainReview.Data.Audit;
using PainReview.Web.Features.Access;

namespace PainReview.Web.Features.Audit;

/// <summary>The audit trail's hash chain checked from the portal (Admins only), as 'painreview audit verify' does; each check is audited.</summary>
public sealed class AuditVerification(PainReviewDbContext db, StudyAccess access, AuditLog audit)
{
    public const string Action = "audit.verified";

    public async Task<AuditVerification.Outcome> VerifyAsync(CancellationToken cancellationToken = default)
    {
        var actor = await access.ActorAsync();
        if (!actor.IsAdmin) throw new AccessException("Only an Admin verifies the audit trail.", StatusCodes.Status403Forbidden);
        var result = await AuditChain.VerifyAsync(db, cancellationToken: cancellationToken);
        await audit.AddAsync(Action, "AuditTrail", "audit", after: new
        {
            intact = result.Intact, events = result.Count, head = result.Head, @event = result.EventId, problem = result.Problem,
        }, user: actor.Name);
        await db.SaveChangesAsync(cancellationToken);
        return new Outcome(result.Intact, result.Message);
    }

    /// <summary>What the page shows.</summary>
    public sealed record Outcome(bool Intact, string Message);
}
