using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data.Entities;
using PainReview.Data.Export;
using PainReview.Pipeline.Analysis;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Cohort;
using PainReview.Web.Features.Review;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>A study with five analysed recordings, some reviewed, one with a decision and a corrected VAS.</summary>
public sealed class CohortStudy : IAsyncLifetime
{
    public PortalFixture Portal { get; private set; } = default!;
    public Guid StudyId { get; private set; }
    public List<Guid> Recordings { get; } = [];
    public Guid Corrected { get; private set; }

    public async ValueTask InitializeAsync() { await Task.CompletedTask; }

    public async Task EnsureAsync(PortalFixture portal)
    {
        if (Portal is not null) return;
        Portal = portal;
        using var temp = TestEnvironment.TempDirectory();
        StudyId = await portal.Factory.WithDbAsync(async db =>
        {
            var study = new Study { Name = "Cohort " + Guid.NewGuid().ToString("N")[..6], CreatedBy = "fixture" };
            foreach (var code in new[] { "C-01", "C-02", "C-03", "C-04", "C-05" }) study.Participants.Add(new Participant { Code = code });
            db.Studies.Add(study);
            await db.SaveChangesAsync();
            await Members.AddRoleUsersAsync(db, study.Id, dataManagerMayExportVideo: true);
            return study.Id;
        });
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Coordinator));
        (string Clip, string Code, double Vas)[] plan =
        [
            ("WolfgangLanger_Pexels.mp4", "C-01", 8), ("single_face.mp4", "C-02", 1), ("2015-10-15-15-14.avi", "C-03", 6),
            ("default.wmv", "C-04", 2), ("changeLighting.wmv", "C-05", 3),
        ];
        foreach (var (clip, code, vas) in plan)
        {
            var path = temp.File($"{code}.mp4");
            Ffmpeg.Run("-i", TestEnvironment.Clip(clip), "-t", "6", "-an", "-c:v", "libx264", "-preset", "ultrafast", "-metadata", $"comment={Guid.NewGuid()}", path);
            var upload = await Uploads.UploadAsync(client, StudyId, $"{code}-visit.mp4", File.OpenRead(path), code, vas.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(HttpStatusCode.OK, upload.Status);
            Recordings.Add(upload.Id);
        }
        foreach (var id in Recordings) Assert.Equal(RecordingStatus.Completed, (await portal.Factory.WaitForAnalysisAsync(id)).Status);

        // Reviewed: all but the last; the first with a rejected span and a corrected VAS.
        Corrected = Recordings[0];
        using var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Clinician));
        var review = scope.ServiceProvider.GetRequiredService<ReviewService>();
        var model = (await review.LoadAsync(Corrected))!;
        var span = model.Spans[0];
        await review.DecideAsync(Corrected, model.Recording.ReviewVersion, Enumerable.Range(span.First, span.Length).ToArray(), DecisionKind.Rejected, "blink");
        await review.CorrectVasAsync(Corrected, model.Recording.ReviewVersion + 1, 7, "re-rated, with \"quotes\", and a comma");
        foreach (var id in Recordings.Take(4))
        {
            var m = (await review.LoadAsync(id))!;
            await review.SignAsync(id, m.Recording.ReviewVersion, PortalFactory.Password, "Reviewed");
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Host: exports in every format read back row by row against the database; cohort statistics; who may export.</summary>
[Collection(PortalCollection.Name)]
public sealed class ExportAndCohortTests(PortalFixture portal, CohortStudy cohort) : IClassFixture<CohortStudy>
{
    private static readonly SemaphoreSlim Setup = new(1, 1);

    private async Task<CohortStudy> StudyAsync()
    {
        await Setup.WaitAsync();
        try { await cohort.EnsureAsync(portal); } finally { Setup.Release(); }
        return cohort;
    }

    private async Task<(byte[] Bytes, string FileName, string ContentType)> DownloadAsync(Guid studyId, string format, bool unreviewed = false)
    {
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.DataManager));
        var response = await client.GetAsync($"/data/export?study={studyId}&format={format}&unreviewed={unreviewed.ToString().ToLowerInvariant()}", TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken),
            response.Content.Headers.ContentDisposition!.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName!, response.Content.Headers.ContentType!.MediaType!);
    }

    private sealed record Expected(Guid Id, string Code, double? SelfVas, double? Corrected, int Frames, string ReviewState, string? ReviewedBy,
        List<FrameResult> FrameRows, int Rejected);

    private async Task<List<Expected>> ExpectedAsync(CohortStudy study, bool reviewedOnly) => await portal.Factory.WithDbAsync(async db =>
    {
        var list = new List<Expected>();
        foreach (var id in study.Recordings)
        {
            var r = await db.Recordings.AsNoTracking().Include(x => x.Participant).SingleAsync(x => x.Id == id);
            if (reviewedOnly && r.ReviewState != ReviewState.Reviewed) continue;
            var corrected = await db.VasCorrections.Where(c => c.RecordingId == id).OrderByDescending(c => c.Id).Select(c => (double?)c.Value).FirstOrDefaultAsync();
            var frames = await db.FrameResults.AsNoTracking().Where(f => f.RecordingId == id).OrderBy(f => f.FrameIndex).ToListAsync();
            var rejected = await db.ReviewDecisions.CountAsync(d => d.RecordingId == id && d.Decision == DecisionKind.Rejected);
            list.Add(new Expected(id, r.Participant!.Code, r.VasSelfReport, corrected, r.Frames!.Value, r.ReviewState.ToString(), r.ReviewedBy, frames, rejected));
        }
        return list;
    });

    [Fact]
    public async Task Csv_export_round_trips_row_by_row_with_provenance()
    {
        var study = await StudyAsync();
        var (bytes, name, type) = await DownloadAsync(study.StudyId, "csv");
        Assert.Equal("application/zip", type);
        Assert.EndsWith("-csv.zip", name);
        using var zip = new ZipArchive(new MemoryStream(bytes));
        Assert.Equal(["manifest.json", "recordings.csv", "frames.csv", "decisions.csv", "rater_decisions.csv", "audit.csv"], zip.Entries.Select(e => e.FullName));
        var expected = await ExpectedAsync(study, reviewedOnly: true);
        Assert.Equal(4, expected.Count);

        var recordings = ReadCsv(zip.GetEntry("recordings.csv")!);
        Assert.Equal(expected.Select(e => e.Id.ToString()), recordings.Select(r => r["recording_id"]));
        foreach (var (row, e) in recordings.Zip(expected))
        {
            Assert.Equal(e.Code, row["participant"]);
            Assert.Equal(e.SelfVas, Num(row["vas_self_report"]));
            Assert.Equal(e.Corrected, Num(row["vas_corrected"]));
            Assert.Equal(e.Corrected ?? e.SelfVas, Num(row["vas"]));
            Assert.Equal(e.ReviewState, row["review_state"]);
            Assert.Equal(e.ReviewedBy, row["reviewed_by"]);
            Assert.Equal(e.Rejected, int.Parse(row["apex_rejected"]!, CultureInfo.InvariantCulture));
        }
        Assert.Equal("re-rated, with \"quotes\", and a comma", recordings[0]["vas_correction_reason"]);
        Assert.DoesNotContain(recordings, r => r.Values.Any(v => v?.Contains("-visit.mp4", StringComparison.Ordinal) == true));

        var frames = ReadCsv(zip.GetEntry("frames.csv")!);
        var expectedFrames = expected.SelectMany(e => e.FrameRows).ToList();
        Assert.Equal(expectedFrames.Count, frames.Count);
        foreach (var (row, f) in frames.Zip(expectedFrames))
        {
            Assert.Equal(f.RecordingId.ToString(), row["recording_id"]);
            Assert.Equal(f.FrameIndex, int.Parse(row["frame"]!, CultureInfo.InvariantCulture));
            Assert.Equal(f.TimeSeconds, Num(row["time_s"]));
            Assert.Equal((double?)f.Au07, Num(row["AU07"]) is { } au ? (double?)(float)au : null);
            Assert.Equal(f.Hpii, Num(row["hpii"]));
            Assert.Equal(f.Apex ? "1" : "0", row["apex"]);
        }
        Assert.Contains(frames, r => r["review"] == "rejected");
        // Negative numbers are written as numbers, not neutralised like text.
        Assert.Contains(frames, r => r["yaw"] is ['-', >= '0' and <= '9', ..]);
        Assert.DoesNotContain(frames, r => r.Values.Any(v => v?.StartsWith('\'') == true));

        var decisions = ReadCsv(zip.GetEntry("decisions.csv")!);
        Assert.Equal(expected.Sum(e => e.Rejected), decisions.Count);
        Assert.All(decisions, d => Assert.Equal("blink", d["reason"]));

        var audit = ReadCsv(zip.GetEntry("audit.csv")!);
        Assert.Contains(audit, a => a["action"] == "vas.corrected");
        Assert.DoesNotContain(audit, a => (a["after"] ?? "").Contains("-visit.mp4", StringComparison.Ordinal));

        using var manifest = JsonDocument.Parse(zip.GetEntry("manifest.json")!.Open());
        AssertManifest(manifest.RootElement, expected, "Csv");
    }

    [Fact]
    public async Task Json_export_round_trips_and_can_include_unreviewed_recordings()
    {
        var study = await StudyAsync();
        var (bytes, name, type) = await DownloadAsync(study.StudyId, "json", unreviewed: true);
        Assert.Equal("application/json", type);
        Assert.EndsWith(".json", name);
        using var doc = JsonDocument.Parse(bytes);
        var expected = await ExpectedAsync(study, reviewedOnly: false);
        Assert.Equal(5, expected.Count);
        var recordings = doc.RootElement.GetProperty("recordings").EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => e.Id.ToString()), recordings.Select(r => r.GetProperty("recording_id").GetString()));
        foreach (var (r, e) in recordings.Zip(expected))
        {
            var frames = r.GetProperty("frames").EnumerateArray().ToList();
            Assert.Equal(e.Frames, frames.Count);
            Assert.Equal(e.FrameRows.Select(f => f.Hpii), frames.Select(f => f.GetProperty("hpii").ValueKind == JsonValueKind.Null ? null : (double?)f.GetProperty("hpii").GetDouble()));
            Assert.Equal(e.Rejected, r.GetProperty("decisions").GetArrayLength());
        }
        Assert.False(doc.RootElement.GetProperty("manifest").GetProperty("selection").GetProperty("reviewed_only").GetBoolean());
        AssertManifest(doc.RootElement.GetProperty("manifest"), expected, "Json");
    }

    [Fact]
    public async Task Parquet_export_round_trips()
    {
        var study = await StudyAsync();
        var (bytes, name, _) = await DownloadAsync(study.StudyId, "parquet");
        Assert.EndsWith("-parquet.zip", name);
        using var zip = new ZipArchive(new MemoryStream(bytes));
        var expected = await ExpectedAsync(study, reviewedOnly: true);
        var frames = await ReadParquetAsync(zip.GetEntry("frames.parquet")!);
        var expectedFrames = expected.SelectMany(e => e.FrameRows).ToList();
        Assert.Equal(expectedFrames.Count, frames.Count);
        Assert.Equal(expectedFrames.Select(f => f.FrameIndex), frames.Select(r => Convert.ToInt32(r["frame"], CultureInfo.InvariantCulture)));
        Assert.Equal(expectedFrames.Select(f => f.Au04), frames.Select(r => Cell(r, "AU04") is { } v ? (float?)Convert.ToSingle(v, CultureInfo.InvariantCulture) : null));
        var recordings = await ReadParquetAsync(zip.GetEntry("recordings.parquet")!);
        Assert.Equal(expected.Select(e => e.Code), recordings.Select(r => (string)r["participant"]!));
        Assert.Equal(expected.Select(e => e.Corrected), recordings.Select(r => Cell(r, "vas_corrected") is { } v ? (double?)Convert.ToDouble(v, CultureInfo.InvariantCulture) : null));
        Assert.Equal(expected.Sum(e => e.Rejected), (await ReadParquetAsync(zip.GetEntry("decisions.parquet")!)).Count);
    }

    [Fact]
    public async Task Exports_are_audited_and_refused_to_clinicians_and_coordinators()
    {
        var study = await StudyAsync();
        await DownloadAsync(study.StudyId, "csv");
        var audit = await portal.Factory.WithDbAsync(db => db.AuditEvents.Where(a => a.StudyId == study.StudyId && a.Action == "export.downloaded").ToListAsync());
        Assert.Contains(audit, a => a.User == PortalFactory.EmailOf(Roles.DataManager) && a.After!.Contains("\"format\":\"Csv\""));

        foreach (var role in new[] { Roles.Clinician, Roles.Coordinator })
        {
            var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(role));
            foreach (var path in new[] { $"/data/export?study={study.StudyId}&format=csv", $"/data/cohort-report?study={study.StudyId}", "/data/exports", "/data/cohort" })
            {
                var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
                Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
                Assert.Contains("AccessDenied", response.Headers.Location!.ToString());
            }
        }
    }

    [Fact]
    public async Task Cohort_statistics_equal_the_library_and_follow_the_settings()
    {
        var study = await StudyAsync();
        using var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.DataManager));
        var analytics = scope.ServiceProvider.GetRequiredService<CohortAnalytics>();
        var report = await analytics.ComputeAsync(study.StudyId, reviewedOnly: false, new AnalysisConfig(), TestContext.Current.CancellationToken);
        Assert.Equal(5, report.Points.Count);
        Assert.Equal(7, report.Points.Single(p => p.RecordingId == study.Corrected).Vas); // the corrected VAS is used

        // With the analysis's own configuration, stored frames give the analysis's own summary.
        var stored = await portal.Factory.WithDbAsync(db => db.Recordings.Where(r => study.Recordings.Contains(r.Id)).ToDictionaryAsync(r => r.Id, r => r.HpiiMeanAll));
        Assert.All(report.Points, p => Assert.Equal(stored[p.RecordingId]!.Value, p.HpiiAll!.Value, 4));
        var r = MathNet.Numerics.Statistics.Correlation.Pearson(report.Points.Select(p => p.HpiiApex!.Value), report.Points.Select(p => p.Vas));
        Assert.Equal(r, report.Correlations.Hpii.Apex.Pearson!.R, 10);
        Assert.Equal(5, report.Correlations.Hpii.Apex.Pearson.N);

        // Changing the weights recomputes from stored AUs: with only w9, HPII is AU9's mean.
        var au9 = await analytics.ComputeAsync(study.StudyId, false, CohortSettings.ToConfig(0, 0, 1, "Max", "TopQuantile", 0.75, false), TestContext.Current.CancellationToken);
        Assert.All(au9.Points, p => Assert.Equal(p.Summary.ActionUnits["AU09"].MeanAll!.Value, p.HpiiAll!.Value, 6));
        var single = await analytics.ComputeAsync(study.StudyId, false, CohortSettings.ToConfig(1, 1, 1, "Max", "Single", 0.75, false), TestContext.Current.CancellationToken);
        Assert.All(single.Points, p => Assert.Equal(1, p.Summary.ApexFrames));
        var reviewed = await analytics.ComputeAsync(study.StudyId, true, new AnalysisConfig(), TestContext.Current.CancellationToken);
        Assert.Equal(4, reviewed.Points.Count);
    }

    [Fact]
    public async Task Html_report_is_self_contained_and_audited()
    {
        var study = await StudyAsync();
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.DataManager));
        // A timepoint typed as a spreadsheet formula is shown as text (the report's tables get pasted into spreadsheets).
        const string formula = "=HYPERLINK(\"http://evil.example\",\"x\")";
        var timepoint = await SetTimepointAsync(study.Recordings[1], formula);
        string html;
        try
        {
            var response = await client.GetAsync($"/data/cohort-report?study={study.StudyId}&w4=1&w67=1&w9=1&apex=TopQuantile", TestContext.Current.CancellationToken);
            html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        }
        finally
        {
            await SetTimepointAsync(study.Recordings[1], timepoint);
        }
        Assert.Contains("<td>&#39;=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)</td>", html);
        Assert.DoesNotContain("<td>=", html);
        Assert.Contains("<svg", html);
        Assert.Contains("HPII, APEX frames", html);
        Assert.Contains("&quot;strategy&quot;: &quot;TopQuantile&quot;", html);
        Assert.Contains("sha256", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("src=\"http", html);
        Assert.True(await portal.Factory.WithDbAsync(db => db.AuditEvents.AnyAsync(a => a.StudyId == study.StudyId && a.Action == "report.downloaded")));
    }

    /// <summary>Sets a recording's timepoint; returns the one it had.</summary>
    private Task<string?> SetTimepointAsync(Guid recording, string? timepoint) => portal.Factory.WithDbAsync(async db =>
    {
        var r = await db.Recordings.SingleAsync(x => x.Id == recording);
        var before = r.Timepoint;
        r.Timepoint = timepoint;
        await db.SaveChangesAsync();
        return before;
    });

    private static void AssertManifest(JsonElement manifest, List<Expected> expected, string format)
    {
        Assert.Equal("PainReview", manifest.GetProperty("app").GetProperty("name").GetString());
        Assert.Matches(@"^\d+\.\d+\.\d+$", manifest.GetProperty("app").GetProperty("version").GetString());
        Assert.Equal(PortalFactory.EmailOf(Roles.DataManager), manifest.GetProperty("exported_by").GetString());
        Assert.Equal(format, manifest.GetProperty("format").GetString());
        Assert.True(DateTime.Parse(manifest.GetProperty("exported_utc").GetString()!, CultureInfo.InvariantCulture) > DateTime.UtcNow.AddMinutes(-5));
        var analyses = manifest.GetProperty("analyses").EnumerateArray().ToList();
        Assert.Single(analyses);
        var configuration = analyses[0].GetProperty("configuration");
        Assert.Equal("TopQuantile", configuration.GetProperty("apex").GetProperty("strategy").GetString());
        Assert.Equal("Auto", configuration.GetProperty("baseline").GetProperty("mode").GetString());
        Assert.Equal("Median", configuration.GetProperty("smoothing").GetProperty("method").GetString());
        Assert.Equal(1, configuration.GetProperty("hpii").GetProperty("w4").GetDouble());
        Assert.Contains(analyses[0].GetProperty("models").EnumerateArray(), m => m.GetProperty("sha256").GetString()!.Length == 64);
        var recordings = manifest.GetProperty("recordings").EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => e.Id.ToString()), recordings.Select(r => r.GetProperty("recording_id").GetString()));
        Assert.Equal(expected.Select(e => e.ReviewedBy), recordings.Select(r => r.GetProperty("reviewed_by").GetString()));
    }

    /// <summary>Untyped Parquet rows leave null cells out.</summary>
    private static object? Cell(Dictionary<string, object?> row, string column) => row.TryGetValue(column, out var v) ? v : null;

    private static double? Num(string? cell) => string.IsNullOrEmpty(cell) ? null : double.Parse(cell, CultureInfo.InvariantCulture);

    /// <summary>An RFC 4180 reader, enough for the export's tables.</summary>
    private static List<Dictionary<string, string?>> ReadCsv(ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(entry.Open());
        var text = reader.ReadToEnd();
        var rows = new List<List<string>>();
        var row = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cell.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(cell.ToString()); cell.Clear(); }
            else if (c == '\n') { row.Add(cell.ToString()); cell.Clear(); rows.Add(row); row = []; }
            else if (c != '\r') cell.Append(c);
        }
        var header = rows[0];
        return rows.Skip(1).Select(r => header.Select((h, i) => (h, v: i < r.Count ? r[i] : null)).ToDictionary(x => x.h, x => x.v)).ToList();
    }

    private static async Task<List<Dictionary<string, object?>>> ReadParquetAsync(ZipArchiveEntry entry)
    {
        using var buffer = new MemoryStream();
        await using (var s = entry.Open()) await s.CopyToAsync(buffer);
        buffer.Position = 0;
        var result = await Parquet.Serialization.ParquetSerializer.DeserializeUntypedAsync(buffer);
        return result.Data.Select(d => d.ToDictionary(kv => kv.Key, kv => (object?)kv.Value)).ToList();
    }
}
