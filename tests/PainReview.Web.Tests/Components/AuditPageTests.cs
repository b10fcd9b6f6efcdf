using Bunit;
using Bunit.TestDoubles;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PainReview.Data;
using PainReview.Data.Entities;
using AuditLogPage = PainReview.Web.Components.Pages.AuditLog;
using PainReview.Web.Features.Audit;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Components;

/// <summary>bUnit: the audit page's "Verify audit trail" button, clicked by an Admin, on an intact and on a tampered trail.</summary>
public sealed class AuditPageTests : BunitContext
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly BunitAuthorizationContext _auth;

    public AuditPageTests()
    {
        _connection.Open();
        Services.AddDbContext<PainReviewDbContext>(o => o.UseSqlite(_connection));
        Services.AddMudServices();
        Services.AddAccessServices();
        Services.AddScoped<AuditVerification>();
        JSInterop.Mode = JSRuntimeMode.Loose;
        _auth = AddAuthorization();
        using var scope = Services.GetRequiredService<IServiceScopeFactory>().CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PainReviewDbContext>();
        db.Database.EnsureCreated();
        for (var i = 0; i < 3; i++) db.AuditEvents.Add(new AuditEvent { User = "t", Action = $"test.{i}", EntityType = "Test", EntityId = $"{i}" });
        db.SaveChanges();
    }

    private IRenderedComponent<AuditLogPage> RenderAs(string role)
    {
        var email = PortalFactory.EmailOf(role);
        _auth.SetAuthorized(email);
        _auth.SetRoles(role);
        _auth.SetClaims(Members.AccountAsync(Services, email, role, null).GetAwaiter().GetResult());
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        return Render<AuditLogPage>();
    }

    [Fact]
    public void An_admin_clicks_verify_and_sees_the_outcome()
    {
        var page = RenderAs(Roles.Admin);
        page.Find("#verify-audit").Click();
        page.WaitForAssertion(() => Assert.StartsWith("audit trail intact: 3 events, head ", page.Find("#audit-verify-result").TextContent.Trim()));
        // The check is in the table now, as an event of its own.
        page.WaitForAssertion(() => Assert.Contains(page.FindAll("td[data-action]"), td => td.TextContent == AuditVerification.Action));

        using (var scope = Services.GetRequiredService<IServiceScopeFactory>().CreateScope())
            scope.ServiceProvider.GetRequiredService<PainReviewDbContext>().Database
                .ExecuteSqlRaw("UPDATE AuditEvents SET EntityId = 'changed' WHERE Action = 'test.1'");
        page.Find("#verify-audit").Click();
        page.WaitForAssertion(() => Assert.Equal("event 2 was altered (its content does not match its hash)", page.Find("#audit-verify-result").TextContent.Trim()));
    }

    [Fact]
    public void A_clinician_has_no_verify_button()
    {
        var page = RenderAs(Roles.Clinician);
        page.WaitForAssertion(() => page.Find("#audit-table"));
        Assert.Empty(page.FindAll("#verify-audit"));
        Assert.Empty(page.FindAll("#audit-verify-result"));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _connection.Dispose();
    }
}
