using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data.Audit;
using PainReview.Data.Entities;
using PainReview.Web.Features.Access;
using PainReview.Web.Features.Audit;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>Host: the portal's own trail is chained and verifies; Admins (only) verify it from the audit page, and each check is audited.</summary>
[Collection(PortalCollection.Name)]
public sealed class AuditTrailTests(PortalFixture portal)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_admin_verifies_the_portals_trail_and_the_check_is_audited()
    {
        // A sign-in through the form: an audit event of the portal's own.
        using (await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Admin))) { }
        using var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Admin));
        var outcome = await scope.ServiceProvider.GetRequiredService<AuditVerification>().VerifyAsync(Ct);
        Assert.True(outcome.Intact, outcome.Message);
        Assert.StartsWith("audit trail intact: ", outcome.Message);

        var (verified, count) = await portal.Factory.WithDbAsync(async db => (
            await db.AuditEvents.AsNoTracking().OrderByDescending(a => a.Id).FirstAsync(a => a.Action == AuditVerification.Action, Ct),
            await db.AuditEvents.CountAsync(Ct)));
        Assert.Equal(PortalFactory.EmailOf(Roles.Admin), verified.User);
        using var after = JsonDocument.Parse(verified.After!);
        Assert.True(after.RootElement.GetProperty("intact").GetBoolean());
        Assert.True(after.RootElement.GetProperty("events").GetInt32() >= 1);
        Assert.Equal(64, after.RootElement.GetProperty("head").GetString()!.Length);
        // The check's own event is chained too.
        var again = await portal.Factory.WithDbAsync(db => AuditChain.VerifyAsync(db, cancellationToken: Ct));
        Assert.True(again.Intact, again.Problem);
        Assert.True(again.Count >= count);
    }

    [Fact]
    public async Task Only_an_admin_may_verify()
    {
        using var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Clinician));
        var refused = await Assert.ThrowsAsync<AccessException>(() => scope.ServiceProvider.GetRequiredService<AuditVerification>().VerifyAsync(Ct));
        Assert.Equal(403, refused.StatusCode);
    }

    [Theory]
    [InlineData(Roles.Admin, true)]
    [InlineData(Roles.Clinician, false)]
    [InlineData(Roles.DataManager, false)]
    public async Task The_audit_page_offers_verification_to_admins_only(string role, bool offered)
    {
        using var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(role));
        var page = await client.GetStringAsync("/audit", Ct);
        Assert.Contains("id=\"audit-table\"", page);
        Assert.Equal(offered, page.Contains("id=\"verify-audit\"", StringComparison.Ordinal));
        Assert.Equal(offered, page.Contains("Verify audit trail", StringComparison.Ordinal));
    }
}
