using PainReview.Web.Tests.Support;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Web.Components.Pages.Data;

namespace PainReview.Web.Tests.Components;

/// <summary>bUnit: the data manager's export page (selection, counts as the export selects, the download link it builds).</summary>
public sealed class DataPagesTests : BunitContext
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly Guid _study;
    private readonly PainReview.Testing.TempDirectory _data = new();

    public DataPagesTests()
    {
        _connection.Open();
        Services.AddDbContext<PainReviewDbContext>(o => o.UseSqlite(_connection));
        Services.AddMudServices();
        Services.AddAccessServices();
        Services.Configure<PainReview.Web.Infrastructure.PortalOptions>(o => o.DataDirectory = _data.Path);
        Services.AddSingleton<PainReview.Web.Features.Recordings.VideoStore>();
        Services.AddSingleton<PainReview.Web.Infrastructure.TemporaryFiles>();
        Services.AddScoped<PainReview.Web.Features.Export.ExportService>();
        JSInterop.Mode = JSRuntimeMode.Loose;
        var auth = AddAuthorization();
        auth.SetAuthorized("datamanager@example.org");
        auth.SetRoles(Roles.DataManager);
        using var scope = Services.GetRequiredService<IServiceScopeFactory>().CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PainReviewDbContext>();
        db.Database.EnsureCreated();
        var study = new Study { Name = "Export study", CreatedBy = "t" };
        var participant = new Participant { Code = "P-1", Study = study };
        foreach (var reviewed in new[] { true, true, false })
            db.Recordings.Add(new Recording
            {
                Study = study, Participant = participant, OriginalFileName = "x.mp4", StoredFileName = "x.mp4", Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"),
                UploadedBy = "t", Status = RecordingStatus.Completed, ReviewState = reviewed ? ReviewState.Reviewed : ReviewState.NotReviewed,
            });
        // A withdrawn participant's data is kept but leaves no more: not counted either.
        db.Recordings.Add(new Recording
        {
            Study = study, Participant = new Participant { Code = "P-2", Study = study, WithdrawnUtc = DateTime.UtcNow, WithdrawnBy = "t" },
            OriginalFileName = "y.mp4", StoredFileName = "y.mp4", Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"),
            UploadedBy = "t", Status = RecordingStatus.Completed, ReviewState = ReviewState.Reviewed,
        });
        db.SaveChanges();
        _study = study.Id;
        auth.SetClaims(Support.Members.AccountAsync(Services, "datamanager@example.org", Roles.DataManager, _study).GetAwaiter().GetResult());
    }

    [Fact]
    public void Export_page_counts_reviewed_recordings_and_builds_the_download_link()
    {
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        var nav = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        nav.NavigateTo($"data/exports?study={_study}");
        var page = Render<ExportPage>();
        page.WaitForAssertion(() => Assert.Contains("2 recordings will be exported", page.Find("#export-count").TextContent));
        var link = page.Find("#export-download");
        Assert.Contains($"study={_study}", link.GetAttribute("href"));
        Assert.Contains("format=csv", link.GetAttribute("href"));
        Assert.Contains("unreviewed=false", link.GetAttribute("href"));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _connection.Dispose();
            _data.Dispose();
        }
    }
}
