using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;

namespace PainReview.Web.Tests.Process;

/// <summary>
/// 'painreview upload' against a real portal process with an API token: a manifest of five rows
/// with one bad row reports four done and one refused with its reason, and each recording carries
/// its own row's participant, timepoint, date and VAS.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ManifestUploadTests : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    private static (int Code, string StdOut, string StdErr) Cli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(PortalProcess.BuiltDll("PainReview.Cli", "painreview.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        process.WaitForExit(300_000);
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public async Task A_manifest_of_five_rows_with_one_bad_row_reports_four_done_and_one_refused()
    {
        var data = Path.Combine(_temp.Path, "data");
        using var portal = await PortalProcess.StartAsync(data, PortalProcess.FreePort());
        var coordinator = Cli("users", "add", "--data", data, "--email", "batch@example.org", "--role", "Coordinator", "--password", "Harbour-Lantern-42");
        Assert.True(coordinator.Code == 0, coordinator.StdErr);
        var token = Cli("tokens", "create", "--data", data, "--email", "batch@example.org", "--days", "1");
        Assert.True(token.Code == 0, token.StdErr);
        var secret = token.StdOut.Trim();

        // The coordinator's token creates the study and its participants through the API.
        using var api = new HttpClient { BaseAddress = portal.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        var created = await api.PostAsJsonAsync("/api/studies", new { name = "Batch study" }, Ct);
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync(Ct));
        var studyId = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        foreach (var code in new[] { "B-01", "B-02", "B-03" })
            Assert.True((await api.PostAsJsonAsync($"/api/studies/{studyId}/participants", new { code }, Ct)).IsSuccessStatusCode);

        var folder = Directory.CreateDirectory(Path.Combine(_temp.Path, "batch")).FullName;
        foreach (var (name, clip, seconds) in new[] { ("a.mp4", "single_face.mp4", "1"), ("b.mp4", "single_face.mp4", "2"), ("c.mp4", "WolfgangLanger_Pexels.mp4", "1"), ("d.mp4", "WolfgangLanger_Pexels.mp4", "2"), ("e.mp4", "single_face.mp4", "3") })
            Ffmpeg.Run("-i", TestEnvironment.Clip(clip), "-t", seconds, "-an", "-c:v", "libx264", "-preset", "ultrafast", "-metadata", $"comment={Guid.NewGuid()}", Path.Combine(folder, name));
        var manifest = Path.Combine(folder, "manifest.csv");
        await File.WriteAllTextAsync(manifest, """
            file,participant,timepoint,recorded_on,vas,notes
            a.mp4,B-01,baseline,2026-11-01,2,first visit
            b.mp4,B-02,baseline,2026-11-02,7.5,"notes, with a comma"
            c.mp4,B-03,week 4,2026-11-20,4,
            d.mp4,B-01,week 4,2099-01-01,3,a date in the future
            e.mp4,b-02,week 4,2026-11-21,0,
            """, Ct);

        var (exit, stdout, stderr) = Cli("upload", "--server", portal.BaseAddress.ToString(), "--token", secret, "--study", "Batch study", "--manifest", manifest);
        Assert.True(exit == 3, $"exit {exit}: {stdout} {stderr}");
        Assert.True(stdout.Contains("4 done, 1 refused.", StringComparison.Ordinal), stdout);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Count(l => l.Contains(" done: recording ", StringComparison.Ordinal)));
        var refused = Assert.Single(lines, l => l.Contains(" refused: ", StringComparison.Ordinal));
        Assert.Equal("line 5  d.mp4  refused: Recording date 2099-01-01 is in the future.", refused);

        // Each recording carries its own row's values (not one batch's), and nothing of the refused row was kept.
        var options = new DbContextOptionsBuilder<PainReviewDbContext>().UseSqlite($"Data Source={Path.Combine(data, "painreview.db")}").Options;
        await using var db = new PainReviewDbContext(options);
        var rows = await db.Recordings.AsNoTracking().Where(r => r.StudyId == studyId).OrderBy(r => r.OriginalFileName)
            .Select(r => new { r.OriginalFileName, r.Participant!.Code, r.Timepoint, r.RecordedOn, r.VasSelfReport, r.Notes }).ToListAsync(Ct);
        Assert.Equal(["a.mp4", "b.mp4", "c.mp4", "e.mp4"], rows.Select(r => r.OriginalFileName));
        Assert.Equal(["B-01", "B-02", "B-03", "B-02"], rows.Select(r => r.Code));
        Assert.Equal(new double?[] { 2, 7.5, 4, 0 }, rows.Select(r => r.VasSelfReport));
        Assert.Equal(new DateOnly(2026, 11, 20), rows[2].RecordedOn);
        Assert.Equal("notes, with a comma", rows[1].Notes);
        Assert.Equal(["baseline", "baseline", "week 4", "week 4"], rows.Select(r => r.Timepoint));
        Assert.Equal(4, await db.AuditEvents.CountAsync(a => a.StudyId == studyId && a.Action == "recording.uploaded", Ct));
        Assert.Equal(4, Directory.EnumerateFiles(Path.Combine(data, "videos")).Count());

        // A token that is wrong is refused before any row is sent.
        var wrong = Cli("upload", "--server", portal.BaseAddress.ToString(), "--token", "prt_wrong", "--study", "Batch study", "--manifest", manifest);
        Assert.Equal(3, wrong.Code);
        Assert.Contains("refused the token", wrong.StdErr);
    }
}
