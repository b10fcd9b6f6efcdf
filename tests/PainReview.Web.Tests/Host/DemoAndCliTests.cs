using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data.Demo;
using PainReview.Data.Entities;
using PainReview.Web.Jobs;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>Host and CLI: demo studies (labelled, analysed, deleted in one action) and 'painreview export' on the portal's data.</summary>
[Collection(PortalCollection.Name)]
public sealed class DemoAndCliTests(PortalFixture portal) : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private string VideoStore => Path.Combine(portal.Factory.DataDirectory, "videos");

    private string DemoFolder()
    {
        var folder = Directory.CreateDirectory(_temp.File("demo-videos")).FullName;
        foreach (var (clip, seconds) in new[] { ("single_face.mp4", "2"), ("WolfgangLanger_Pexels.mp4", "4") })
            Ffmpeg.Run("-i", TestEnvironment.Clip(clip), "-t", seconds, "-an", "-c:v", "libx264", "-preset", "ultrafast",
                "-metadata", $"comment={Guid.NewGuid()}", Path.Combine(folder, Path.GetFileNameWithoutExtension(clip) + ".mp4"));
        File.WriteAllText(Path.Combine(folder, "readme.txt"), "not a video");
        return folder;
    }

    [Fact]
    public async Task A_demo_study_is_labelled_analysed_and_deleted_in_one_action()
    {
        var folder = DemoFolder();
        // The same video twice in the folder: imported once, as an upload would be.
        File.Copy(Path.Combine(folder, "single_face.mp4"), Path.Combine(folder, "Copy Of Face.MP4"));
        var result = await portal.Factory.WithDbAsync(db => DemoStudies.CreateAsync(db, folder, VideoStore, "admin@example.org", DemoVideos.ProbeAsync));
        Assert.True(result.Study.IsDemo);
        Assert.StartsWith("Demo: ", result.Study.Name);
        Assert.Equal(["Copy Of Face.MP4", "WolfgangLanger_Pexels.mp4"], result.Added);
        Assert.Single(result.Skipped, s => s.StartsWith("readme.txt", StringComparison.Ordinal));
        Assert.Contains("single_face.mp4: the same video as Copy Of Face.MP4", result.Skipped);
        // Stored by the uploads' rule: the recording's id and the extension in lower case, never the file's name.
        Assert.All(result.Study.Recordings, r => Assert.Equal(StoredFiles.NameFor(r.Id, r.OriginalFileName), r.StoredFileName));
        Assert.All(result.Study.Recordings, r => Assert.EndsWith(".mp4", r.StoredFileName, StringComparison.Ordinal));

        // The portal's sweep picks the queued recordings up and analyses them.
        foreach (var recording in result.Study.Recordings)
        {
            var done = await portal.Factory.WaitForAnalysisAsync(recording.Id, TimeSpan.FromSeconds(120));
            Assert.Equal(RecordingStatus.Completed, done.Status);
            Assert.Equal(DemoStudies.GeneratedLabelNote, done.Notes);
            Assert.InRange(done.VasSelfReport!.Value, 0, 10);
        }
        var files = result.Study.Recordings.Select(r => Path.Combine(VideoStore, r.StoredFileName)).ToList();
        Assert.All(files, f => Assert.True(File.Exists(f)));

        await portal.Factory.WithDbAsync(async db => { await DemoStudies.DeleteAsync(db, result.Study.Id, VideoStore, "admin@example.org"); return 0; });
        var (studyExists, recordings, frames, audit) = await portal.Factory.WithDbAsync(async db => (
            await db.Studies.AnyAsync(s => s.Id == result.Study.Id),
            await db.Recordings.CountAsync(r => r.StudyId == result.Study.Id),
            await db.FrameResults.CountAsync(f => result.Study.Recordings.Select(r => r.Id).Contains(f.RecordingId)),
            await db.AuditEvents.Where(a => a.StudyId == result.Study.Id).Select(a => a.Action).ToListAsync()));
        Assert.False(studyExists);
        Assert.Equal(0, recordings);
        Assert.Equal(0, frames);
        Assert.All(files, f => Assert.False(File.Exists(f)));
        Assert.Contains("demo.created", audit);
        Assert.Contains("demo.deleted", audit);
    }

    [Fact]
    public async Task The_demo_page_queues_each_recording_with_its_job_and_deletion_leaves_no_file_behind()
    {
        // The page's path: a folder inside the data folder, through the feature service, as an Admin.
        var name = "demo-" + Guid.NewGuid().ToString("N")[..8];
        var inside = Directory.CreateDirectory(Path.Combine(portal.Factory.DataDirectory, name)).FullName;
        foreach (var file in Directory.GetFiles(DemoFolder())) File.Copy(file, Path.Combine(inside, Path.GetFileName(file)));
        using var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Admin));
        var demos = scope.ServiceProvider.GetRequiredService<PainReview.Web.Features.Admin.DemoService>();
        var before = (await demos.ListAsync()).Select(d => d.Id).ToHashSet();
        var messages = await demos.CreateAsync(name);
        Assert.Contains(messages, m => m.Contains("2 recordings queued for analysis"));
        var study = Assert.Single(await demos.ListAsync(), d => !before.Contains(d.Id));
        var recordings = await portal.Factory.WithDbAsync(db => db.Recordings.Where(r => r.StudyId == study.Id).Select(r => new { r.Id, r.JobId, r.StoredFileName }).ToListAsync());
        // Each job's id is on its recording the moment it is queued: the sweep never queues it a second time.
        Assert.All(recordings, r => Assert.False(string.IsNullOrEmpty(r.JobId)));

        var media = scope.ServiceProvider.GetRequiredService<PainReview.Web.Features.Review.ReviewMedia>();
        var made = new List<string>();
        foreach (var r in recordings)
        {
            Assert.Equal(RecordingStatus.Completed, (await portal.Factory.WaitForAnalysisAsync(r.Id, TimeSpan.FromSeconds(120))).Status);
            made.Add(await media.EnsurePlayableAsync(r.Id, r.StoredFileName, Ct));
            made.Add(await media.EnsureThumbnailAsync(r.Id, r.StoredFileName, 0, 0, Ct));
        }
        made.AddRange(recordings.Select(r => Path.Combine(VideoStore, r.StoredFileName)));
        Assert.All(made, f => Assert.True(File.Exists(f), f));

        await demos.DeleteAsync(study.Id);
        Assert.All(made, f => Assert.False(File.Exists(f), f));
        Assert.DoesNotContain(await demos.ListAsync(), d => d.Id == study.Id);

        using var coordinator = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Coordinator));
        var refused = await Assert.ThrowsAsync<PainReview.Web.Features.Access.AccessException>(() =>
            coordinator.ServiceProvider.GetRequiredService<PainReview.Web.Features.Admin.DemoService>().ListAsync());
        Assert.Equal(403, refused.StatusCode);
    }

    [Fact]
    public async Task Real_studies_cannot_be_deleted_as_demo_data()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            portal.Factory.WithDbAsync(async db => { await DemoStudies.DeleteAsync(db, portal.StudyId, VideoStore, "x"); return 0; }));
        Assert.Contains("real study", e.Message);
    }

    [Fact]
    public async Task Painreview_export_writes_the_same_dataset_from_the_command_line()
    {
        var demo = await portal.Factory.WithDbAsync(db => DemoStudies.CreateAsync(db, DemoFolder(), VideoStore, "admin@example.org", DemoVideos.ProbeAsync));
        foreach (var r in demo.Study.Recordings) await portal.Factory.WaitForAnalysisAsync(r.Id, TimeSpan.FromSeconds(120));
        var output = _temp.File("export.json");
        var (code, stdout, stderr) = RunCli("export", "--data", portal.Factory.DataDirectory, "--study", demo.Study.Name, "--format", "json",
            "--include-unreviewed", "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("2 recordings", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        Assert.StartsWith("cli:", doc.RootElement.GetProperty("manifest").GetProperty("exported_by").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("recordings").GetArrayLength());
        Assert.True(doc.RootElement.GetProperty("manifest").GetProperty("study").GetProperty("demo").GetBoolean());
        Assert.True(await portal.Factory.WithDbAsync(db => db.AuditEvents.AnyAsync(a => a.StudyId == demo.Study.Id && a.Action == "export.downloaded" && a.User.StartsWith("cli:"))));

        var missing = RunCli("export", "--data", portal.Factory.DataDirectory, "--study", "No such study", "--out", _temp.File("x.zip"));
        Assert.Equal(3, missing.Code);
        Assert.Contains("No study called 'No such study'", missing.StdErr);
    }

    [Fact]
    public async Task Operators_provision_accounts_and_tokens_without_a_browser()
    {
        var email = $"script-{Guid.NewGuid():N}"[..15] + "@example.org";
        var weak = RunCli("users", "add", "--data", portal.Factory.DataDirectory, "--email", email, "--role", "Coordinator", "--password", "Password123!");
        Assert.Equal(3, weak.Code);
        Assert.Contains("common passwords", weak.StdErr);
        var badRole = RunCli("users", "add", "--data", portal.Factory.DataDirectory, "--email", email, "--role", "Wizard");
        Assert.Equal(3, badRole.Code);
        Assert.Contains("no role 'Wizard'", badRole.StdErr);

        var added = RunCli("users", "add", "--data", portal.Factory.DataDirectory, "--email", email, "--role", "Coordinator");
        Assert.True(added.Code == 0, added.StdErr);
        var password = System.Text.RegularExpressions.Regex.Match(added.StdOut, "password: (\\S+)").Groups[1].Value;
        Assert.NotEmpty(password);
        await PortalFactory.SignInAsync(portal.Factory.Client(), email, password);
        Assert.Equal(3, RunCli("users", "add", "--data", portal.Factory.DataDirectory, "--email", email, "--role", "Clinician").Code);

        var token = RunCli("tokens", "create", "--data", portal.Factory.DataDirectory, "--email", email, "--days", "7");
        Assert.True(token.Code == 0, token.StdErr);
        var secret = token.StdOut.Trim();
        Assert.StartsWith("prt_", secret);
        Assert.Equal(3, RunCli("tokens", "create", "--data", portal.Factory.DataDirectory, "--email", email, "--days", "400").Code);

        // The token works as its user (a Coordinator, member of no study yet) and creates a study it then belongs to.
        var client = portal.Factory.Client();
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/studies") { Content = System.Net.Http.Json.JsonContent.Create(new { name = "Scripted " + Guid.NewGuid().ToString("N")[..6] }) };
        create.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        Assert.Equal(System.Net.HttpStatusCode.Created, (await client.SendAsync(create, TestContext.Current.CancellationToken)).StatusCode);
        var actions = await portal.Factory.WithDbAsync(db => db.AuditEvents.Where(a => a.User == "cli:" + Environment.UserName).Select(a => a.Action).ToListAsync());
        Assert.Contains("user.created", actions);
        Assert.Contains("token.created", actions);
    }

    private static (int Code, string StdOut, string StdErr) RunCli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(PortalProcess.BuiltDll("PainReview.Cli", "painreview.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit(120_000);
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
