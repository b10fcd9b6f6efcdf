using System.Net;
using Microsoft.EntityFrameworkCore;
using PainReview.Data.Entities;
using PainReview.Web.Features;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>
/// A file called John_Smith_2026-11-03.mp4 is shown to reviewers as "participant · timepoint ·
/// date" on every page, export and API answer; only the study's Coordinators and Admins see the
/// uploader's file name.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class RecordingNameTests(PortalFixture portal) : IDisposable
{
    private const string FileName = "John_Smith_2026-11-03.mp4";
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Reviewers_see_the_participant_timepoint_and_date_never_the_file_name()
    {
        var ct = TestContext.Current.CancellationToken;
        var studyId = await portal.Factory.WithDbAsync(async db =>
        {
            var study = new Study { Name = "Names " + Guid.NewGuid().ToString("N")[..6], CreatedBy = "fixture" };
            study.Participants.Add(new Participant { Code = "N-007" });
            db.Studies.Add(study);
            await db.SaveChangesAsync(ct);
            await Members.AddRoleUsersAsync(db, study.Id);
            return study.Id;
        });
        var clip = _temp.File("clip.mp4");
        Ffmpeg.Run("-i", TestEnvironment.Clip("single_face.mp4"), "-t", "2", "-an", "-c:v", "libx264", "-preset", "ultrafast", "-metadata", $"comment={Guid.NewGuid()}", clip);
        var coordinator = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Coordinator));
        using var form = new MultipartFormDataContent
        {
            { new StringContent("N-007"), "participant" }, { new StringContent("week 4"), "timepoint" },
            { new StringContent("2026-11-03"), "recordedOn" }, { new StringContent("5"), "vas" },
            { new StreamContent(File.OpenRead(clip)), "file", FileName },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/studies/{studyId}/recordings") { Content = form };
        request.Headers.Add(PortalEndpoints.ApiHeader, "1");
        var upload = await coordinator.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        var id = await portal.Factory.WithDbAsync(db => db.Recordings.Where(r => r.StudyId == studyId).Select(r => r.Id).SingleAsync(ct));
        Assert.Equal(RecordingStatus.Completed, (await portal.Factory.WaitForAnalysisAsync(id)).Status);
        const string name = "N-007 · week 4 · 2026-11-03";
        Assert.Equal(name, RecordingName.Of("N-007", "week 4", new DateOnly(2026, 11, 3)));

        var clinician = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Clinician));
        var dataManager = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.DataManager));
        var seen = new List<(string What, string Body)>();
        async Task<string> Read(HttpClient client, string url, string what)
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, url);
            message.Headers.Add(PortalEndpoints.ApiHeader, "1");
            var response = await client.SendAsync(message, ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{what}: {(int)response.StatusCode}");
            var body = WebUtility.HtmlDecode(System.Text.Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync(ct)));
            seen.Add((what, body));
            return body;
        }
        Assert.Contains(name, await Read(clinician, $"/studies/{studyId}", "study page (clinician)"));
        Assert.Contains(name, await Read(clinician, $"/recordings/{id}", "recording page (clinician)"));
        Assert.Contains(name, await Read(clinician, $"/review/{id}", "review workspace"));
        Assert.Contains(name, await Read(clinician, "/review", "review queue"));
        Assert.Contains(name, await Read(clinician, $"/audit?recording={id}", "audit page (clinician)"));
        await Read(clinician, $"/api/recordings/{id}", "API (clinician)");
        Assert.Contains(name, await Read(dataManager, $"/studies/{studyId}", "study page (data manager)"));
        await Read(dataManager, $"/recordings/{id}", "recording page (data manager)");
        await Read(dataManager, $"/audit?recording={id}", "audit page (data manager)");
        await Read(dataManager, $"/data/export?study={studyId}&format=json&unreviewed=true", "JSON export");
        await Read(dataManager, $"/data/export?study={studyId}&format=fhir&unreviewed=true", "FHIR export");
        await Read(dataManager, $"/data/cohort-report?study={studyId}", "cohort report");
        foreach (var (what, body) in seen)
        {
            Assert.False(body.Contains("Smith", StringComparison.OrdinalIgnoreCase), $"{what} shows the file name.");
        }

        // The study's Coordinator (and an Admin) still see it, beside the name.
        var coordinatorPage = await Read(coordinator, $"/studies/{studyId}", "study page (coordinator)");
        Assert.Contains(FileName, coordinatorPage);
        Assert.Contains(name, coordinatorPage);
        Assert.Contains(FileName, await Read(coordinator, $"/recordings/{id}", "recording page (coordinator)"));
        var admin = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Admin));
        Assert.Contains(FileName, await Read(admin, $"/recordings/{id}", "recording page (admin)"));
    }
}
