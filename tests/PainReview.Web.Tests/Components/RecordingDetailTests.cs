using Bunit;
using Bunit.TestDoubles;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Scoring;
using PainReview.Web.Components.Pages;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Components;

/// <summary>bUnit: the recording page's logic (what each role may do, live progress, summary).</summary>
public sealed class RecordingDetailTests : BunitContext
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly RecordingProgress _progress = new();
    private readonly BunitAuthorizationContext _auth;

    public RecordingDetailTests()
    {
        _connection.Open();
        Services.AddDbContext<PainReviewDbContext>(o => o.UseSqlite(_connection));
        Services.AddSingleton(_progress);
        Services.AddMudServices();
        Services.AddAccessServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
        _auth = AddAuthorization();
        using var scope = Services.GetRequiredService<IServiceScopeFactory>().CreateScope();
        scope.ServiceProvider.GetRequiredService<PainReviewDbContext>().Database.EnsureCreated();
    }

    private async Task<Recording> SeedAsync(RecordingStatus status, double progress = 0)
    {
        using var scope = Services.GetRequiredService<IServiceScopeFactory>().CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PainReviewDbContext>();
        var study = new Study { Name = "S" + Guid.NewGuid().ToString("N")[..6], CreatedBy = "t" };
        var participant = new Participant { Code = "P-9", Study = study };
        var recording = new Recording
        {
            Study = study, Participant = participant, OriginalFileName = "visit.mp4", StoredFileName = "x.mp4",
            Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), UploadedBy = "coordinator@example.org",
            Status = status, Progress = progress, VasSelfReport = 6, Frames = 100, UsableFrames = 90, ApexFrames = 23,
            HpiiMeanAll = 2.5, HpiiMeanApex = 6.25, HpiiPeak = 9,
            SummaryJson = status == RecordingStatus.Completed
                ? SummaryDocument("auto (10th percentile of 90 usable frames)", new() { ["AU07"] = new ScoreSummary(1.5, 3.25, null, 4, 1.0) })
                : null,
        };
        db.Recordings.Add(recording);
        await db.SaveChangesAsync();
        return recording;
    }

    /// <summary>A summary document as an analysis writes it, with these scores.</summary>
    private static string SummaryDocument(string baseline, Dictionary<string, ScoreSummary> actionUnits)
    {
        var none = new ScoreSummary(null, null, null, null, null);
        return new AnalysisDocument
        {
            Tool = new AnalysisTool("PainReview", "0.1.0"),
            CreatedUtc = DateTimeOffset.UtcNow,
            Video = new AnalysedVideo("visit.mp4", 1000, new string('0', 64), "mov,mp4", "h264", 640, 480, 0, 30, 10, false),
            Config = new AnalysisConfig(),
            Models = [],
            Summary = new RecordingSummary
            {
                Frames = 100, UsableFrames = 90, UsableShare = 0.9, NoFaceFrames = 10, PoseOutOfRangeFrames = 0, ApexFrames = 23, ApexShare = 23 / 90.0,
                Baseline = baseline, Hpii = none, Pspi = none, ActionUnits = actionUnits,
            },
        }.ToJson();
    }

    private IRenderedComponent<RecordingDetail> RenderAs(string role, Guid id)
    {
        var email = $"{role.ToLowerInvariant()}@example.org";
        Guid studyId;
        using (var scope = Services.GetRequiredService<IServiceScopeFactory>().CreateScope())
            studyId = scope.ServiceProvider.GetRequiredService<PainReviewDbContext>().Recordings.Single(r => r.Id == id).StudyId;
        _auth.SetAuthorized(email);
        _auth.SetRoles(role);
        _auth.SetClaims(Support.Members.AccountAsync(Services, email, role, studyId).GetAwaiter().GetResult());
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        return Render<RecordingDetail>(p => p.Add(c => c.RecordingId, id));
    }

    [Fact]
    public async Task A_completed_recording_shows_its_summary_and_a_clinician_gets_no_coordinator_actions()
    {
        var recording = await SeedAsync(RecordingStatus.Completed);
        var page = RenderAs(Roles.Clinician, recording.Id);
        page.WaitForAssertion(() => Assert.Contains("6.25", page.Find("#hpii-apex").TextContent));
        Assert.Contains("2.50", page.Find("#hpii-all").TextContent);
        Assert.Contains("AU07", page.Markup);
        Assert.Contains("3.25", page.Markup);
        Assert.Contains("auto (10th percentile", page.Markup);
        Assert.Contains("they do not replace them", page.Find("#score-notice").TextContent);
        Assert.Empty(page.FindAll("#delete-recording"));
        Assert.Empty(page.FindAll("#cancel-analysis"));
    }

    [Fact]
    public async Task A_coordinator_can_cancel_a_running_analysis_and_sees_live_progress()
    {
        var recording = await SeedAsync(RecordingStatus.Running, 0.1);
        var page = RenderAs(Roles.Coordinator, recording.Id);
        page.WaitForAssertion(() => Assert.Single(page.FindAll("#cancel-analysis")));
        Assert.Single(page.FindAll("#delete-recording"));
        Assert.Empty(page.FindAll("#retry-analysis"));

        _progress.Publish(new RecordingUpdate(recording.Id, recording.StudyId, RecordingStatus.Running, 0.5, null));
        page.WaitForAssertion(() => Assert.Contains("Analysing: 50", page.Markup));
        // Updates for other recordings are ignored.
        _progress.Publish(new RecordingUpdate(Guid.NewGuid(), recording.StudyId, RecordingStatus.Running, 0.9, null));
        Assert.DoesNotContain("Analysing: 90", page.Markup);
    }

    [Fact]
    public async Task A_failed_recording_shows_the_reason_and_offers_retry()
    {
        var recording = await SeedAsync(RecordingStatus.Failed);
        using (var scope = Services.GetRequiredService<IServiceScopeFactory>().CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PainReviewDbContext>();
            await db.Recordings.Where(r => r.Id == recording.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Error, "visit.mp4 is not a video or image that ffmpeg can read"), Xunit.TestContext.Current.CancellationToken);
        }
        var page = RenderAs(Roles.Coordinator, recording.Id);
        page.WaitForAssertion(() => Assert.Contains("is not a video", page.Find("#recording-error").TextContent));
        Assert.Single(page.FindAll("#retry-analysis"));
        Assert.Empty(page.FindAll("#summary"));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _connection.Dispose();
    }
}
