// The Firely POCOs mark every element nullable; a missing element fails these tests where it is read.
#nullable disable
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data.Entities;
using PainReview.Data.Export;
using PainReview.Data.Review;
using PainReview.Web.Features.Review;
using PainReview.Web.Tests.Support;
using Task = System.Threading.Tasks.Task;

namespace PainReview.Web.Tests.Host;

/// <summary>
/// The FHIR R4 export: every Bundle parsed back with the Firely SDK (strict R4), checked against
/// the database: self-reported and corrected VAS, HPII and PSPI over accepted APEX frames only,
/// the device with the model hashes, the pseudonymous subject, no file names; the portal and
/// 'painreview export --format fhir' alike.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class FhirExportTests(PortalFixture portal) : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();
    private static readonly SemaphoreSlim Setup = new(1, 1);
    private static (Guid Study, Guid Accepted, Guid Pending, Guid Unreviewed)? _study;

    public void Dispose() => _temp.Dispose();

    /// <summary>One study, three analysed recordings: a signed one with an accepted span and a corrected VAS, a signed one with every frame pending, an unreviewed one.</summary>
    private async Task<(Guid Study, Guid Accepted, Guid Pending, Guid Unreviewed)> StudyAsync()
    {
        await Setup.WaitAsync();
        try
        {
            if (_study is { } done) return done;
            var studyId = await portal.Factory.WithDbAsync(async db =>
            {
                var study = new Study { Name = "FHIR " + Guid.NewGuid().ToString("N")[..6], CreatedBy = "fixture" };
                foreach (var code in new[] { "F-01", "F-02", "F-03" }) study.Participants.Add(new Participant { Code = code });
                db.Studies.Add(study);
                await db.SaveChangesAsync();
                await Members.AddRoleUsersAsync(db, study.Id);
                return study.Id;
            });
            var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Coordinator));
            var ids = new List<Guid>();
            foreach (var (code, vas) in new[] { ("F-01", "6"), ("F-02", "2.5"), ("F-03", "4") })
            {
                var path = _temp.File($"{code}.mp4");
                Ffmpeg.Run("-i", TestEnvironment.Clip("WolfgangLanger_Pexels.mp4"), "-t", "4", "-an", "-c:v", "libx264", "-preset", "ultrafast",
                    "-metadata", $"comment={Guid.NewGuid()}", path);
                var upload = await Uploads.UploadAsync(client, studyId, $"John_Smith_{code}.mp4", File.OpenRead(path), code, vas);
                ids.Add(upload.Id);
            }
            foreach (var id in ids) Assert.Equal(RecordingStatus.Completed, (await portal.Factory.WaitForAnalysisAsync(id, TimeSpan.FromSeconds(180))).Status);

            using var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Clinician));
            var review = scope.ServiceProvider.GetRequiredService<ReviewService>();
            var model = (await review.LoadAsync(ids[0]))!;
            var span = model.Spans[0];
            await review.DecideAsync(ids[0], model.Recording.ReviewVersion, Enumerable.Range(span.First, span.Length).ToArray(), DecisionKind.Accepted, "clear grimace");
            await review.CorrectVasAsync(ids[0], model.Recording.ReviewVersion + 1, 7.5, "participant re-rated after the recording");
            foreach (var id in ids.Take(2))
            {
                var m = (await review.LoadAsync(id))!;
                await review.SignAsync(id, m.Recording.ReviewVersion, PortalFactory.Password, "Reviewed");
            }
            _study = (studyId, ids[0], ids[1], ids[2]);
            return _study.Value;
        }
        finally
        {
            Setup.Release();
        }
    }

    private static List<Bundle> Parse(string ndjson) =>
        ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<Bundle>(line, DatasetExporter.FhirJson) ?? throw new Xunit.Sdk.XunitException("An empty line."))
            .ToList();

    private static T Single<T>(Bundle bundle, Func<T, bool> where) where T : Resource =>
        Assert.Single(bundle.Entry.Select(e => e.Resource).OfType<T>(), r => where(r));

    private static Observation ObservationOf(Bundle bundle, string system, string code) =>
        Single<Observation>(bundle, o => o.Code.Coding.Any(c => c.System == system && c.Code == code) && o.Status != ObservationStatus.Amended);

    private static double? ValueOf(Observation o) => o.Value is Quantity q ? (double?)q.Value : null;

    [Fact]
    public async Task Fhir_bundles_parse_back_and_carry_the_validated_results()
    {
        var (study, accepted, pending, unreviewed) = await StudyAsync();
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.DataManager));
        var response = await client.GetAsync($"/data/export?study={study}&format=fhir", TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("application/fhir+ndjson", response.Content.Headers.ContentType!.MediaType);
        Assert.EndsWith("-fhir.ndjson", response.Content.Headers.ContentDisposition!.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName);

        var bundles = Parse(text);
        // Reviewed (signed) recordings only: the unreviewed one is not validated.
        Assert.Equal([accepted, pending], bundles.Select(b => Guid.Parse(b.Identifier.Value)));
        Assert.DoesNotContain(bundles, b => b.Identifier.Value == unreviewed.ToString());
        // Never a name or a file name.
        Assert.DoesNotContain("John_Smith", text, StringComparison.Ordinal);
        Assert.DoesNotContain(".mp4", text, StringComparison.Ordinal);

        foreach (var bundle in bundles)
        {
            var id = Guid.Parse(bundle.Identifier.Value);
            var (code, selfVas, sha, models, frames, decisions, summaryMeans) = await portal.Factory.WithDbAsync(async db =>
            {
                var r = await db.Recordings.AsNoTracking().Include(x => x.Participant).SingleAsync(x => x.Id == id);
                using var summary = JsonDocument.Parse(r.SummaryJson!);
                var hashes = summary.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("sha256").GetString()!).ToList();
                var f = await db.FrameResults.AsNoTracking().Where(x => x.RecordingId == id).ToListAsync();
                var d = await db.ReviewDecisions.AsNoTracking().Where(x => x.RecordingId == id).ToDictionaryAsync(x => x.FrameIndex);
                return (r.Participant!.Code, r.VasSelfReport, r.Sha256, hashes, f, d, (r.HpiiMeanAll, r.PspiMeanAll));
            });
            Assert.Equal(Bundle.BundleType.Collection, bundle.Type);

            // Every observation is about the participant's pseudonymous code in this study.
            var observations = bundle.Entry.Select(e => e.Resource).OfType<Observation>().ToList();
            Assert.Equal(id == accepted ? 4 : 3, observations.Count);
            Assert.All(observations, o =>
            {
                Assert.Equal(FhirCodes.ParticipantSystem(study), o.Subject.Identifier.System);
                Assert.Equal(code, o.Subject.Identifier.Value);
                Assert.Null(o.Subject.Reference);
            });

            var self = ObservationOf(bundle, "http://loinc.org", "38214-3");
            Assert.Equal(ObservationStatus.Final, self.Status);
            Assert.Equal(selfVas, ValueOf(self));
            Assert.Equal("{score}", ((Quantity)self.Value).Code);

            // The device names the app and every model by its SHA-256; HPII and PSPI point at it and at the recording's media.
            var device = Single<Device>(bundle, _ => true);
            Assert.Contains(device.DeviceName, n => n.Name == "PainReview");
            Assert.Equal(models.Order(), device.Version.Where(v => v.Type.Coding.Any(c => c.System == FhirCodes.ModelSystem)).Select(v => v.Value).Order());
            var media = Single<Media>(bundle, _ => true);
            Assert.Contains(media.Identifier, i => i.System == FhirCodes.Sha256System && i.Value == sha);
            Assert.Null(media.Content.Url);
            Assert.Null(media.Content.Data);
            string UrlOf(Resource r) => bundle.Entry.Single(e => ReferenceEquals(e.Resource, r)).FullUrl;

            var accept = frames.Where(f => ReviewRules.CountsAsAccepted(ReviewRules.VerdictOf(f.Apex, decisions.GetValueOrDefault(f.FrameIndex)))).ToList();
            foreach (var (score, values, mean) in new[]
                     {
                         ("hpii", accept.Where(f => f.Hpii != null).Select(f => f.Hpii!.Value).ToList(), summaryMeans.HpiiMeanAll),
                         ("pspi", accept.Where(f => f.Pspi != null).Select(f => f.Pspi!.Value).ToList(), summaryMeans.PspiMeanAll),
                     })
            {
                var o = ObservationOf(bundle, FhirCodes.ScoreSystem, score);
                Assert.Equal(ObservationStatus.Final, o.Status);
                Assert.NotNull(o.Method);
                Assert.Contains("accepted", o.Method.Text, StringComparison.Ordinal);
                Assert.Equal(UrlOf(device), o.Device.Reference);
                Assert.Equal(UrlOf(media), Assert.Single(o.DerivedFrom).Reference);
                Assert.NotNull(o.Issued);
                if (id == accepted)
                {
                    Assert.NotEmpty(values);
                    Assert.Equal(Math.Round(values.Average(), 4), ValueOf(o)!.Value, 6);
                }
                else
                {
                    // Pending is not accepted: nothing was accepted, so there is no validated value.
                    Assert.Null(o.Value);
                    Assert.Equal("not-performed", o.DataAbsentReason.Coding[0].Code);
                }
                var all = o.Component.Single(c => c.Code.Coding[0].Code == $"{score}-mean-all");
                Assert.Equal(Math.Round(mean!.Value, 4), ValueOf(new Observation { Value = all.Value })!.Value, 6);
                var pendingCount = o.Component.Single(c => c.Code.Coding[0].Code == "apex-pending");
                Assert.Equal(frames.Count(f => ReviewRules.VerdictOf(f.Apex, decisions.GetValueOrDefault(f.FrameIndex)) == FrameVerdict.Pending),
                    ((Integer)pendingCount.Value).Value);
            }

            if (id == accepted)
            {
                var amended = Single<Observation>(bundle, o => o.Status == ObservationStatus.Amended);
                Assert.Equal("38214-3", amended.Code.Coding[0].Code);
                Assert.Equal(7.5, ValueOf(amended));
                Assert.Equal("participant re-rated after the recording", Assert.Single(amended.Note).Text);
                Assert.Equal(UrlOf(self), Assert.Single(amended.DerivedFrom).Reference);
            }
        }
    }

    [Fact]
    public async Task Fhir_export_follows_the_export_rules()
    {
        var (study, _, _, unreviewed) = await StudyAsync();
        var dataManager = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.DataManager));

        // Unreviewed recordings only when asked, and then their scores are preliminary.
        var all = Parse(await dataManager.GetStringAsync($"/data/export?study={study}&format=fhir&unreviewed=true", TestContext.Current.CancellationToken));
        Assert.Equal(3, all.Count);
        var preliminary = all.Single(b => b.Identifier.Value == unreviewed.ToString());
        Assert.Equal(ObservationStatus.Preliminary, ObservationOf(preliminary, FhirCodes.ScoreSystem, "hpii").Status);

        // Raw video never goes into a FHIR export: a sentence, and nothing audited as downloaded.
        var before = await portal.Factory.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.StudyId == study && a.Action.StartsWith("export.")));
        var refused = await dataManager.GetAsync($"/data/export?study={study}&format=fhir&video=true", TestContext.Current.CancellationToken);
        Assert.True((int)refused.StatusCode is >= 400 and < 500, refused.StatusCode.ToString());
        var after = await portal.Factory.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.StudyId == study && a.Action.StartsWith("export.")));
        Assert.Equal(before, after);

        // A data manager of another study gets what a missing study gives.
        var outsider = $"dm-{Guid.NewGuid():N}"[..12] + "@example.org";
        await portal.Factory.EnsureMemberAsync(outsider, Roles.DataManager, portal.StudyId);
        var other = await portal.Factory.SignedInAsync(outsider);
        var hidden = await other.GetAsync($"/data/export?study={study}&format=fhir", TestContext.Current.CancellationToken);
        var missing = await other.GetAsync($"/data/export?study={Guid.NewGuid()}&format=fhir", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(await missing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), await hidden.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        // Clinicians do not export.
        var clinician = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Clinician));
        var forbidden = await clinician.GetAsync($"/data/export?study={study}&format=fhir", TestContext.Current.CancellationToken);
        Assert.NotEqual(HttpStatusCode.OK, forbidden.StatusCode);
    }

    [Fact]
    public async Task Painreview_export_writes_the_same_fhir_bundles()
    {
        var (study, accepted, pending, _) = await StudyAsync();
        var output = _temp.File("results.ndjson");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { PortalProcess.BuiltDll("PainReview.Cli", "painreview.dll"), "export", "--data", portal.Factory.DataDirectory,
                     "--study", study.ToString(), "--format", "fhir", "--out", output })
            psi.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, await stderr);
        Assert.Contains("2 recordings", await stdout, StringComparison.Ordinal);
        var bundles = Parse(await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken));
        Assert.Equal([accepted, pending], bundles.Select(b => Guid.Parse(b.Identifier.Value)));
        Assert.Equal(7.5, ValueOf(Single<Observation>(bundles[0], o => o.Status == ObservationStatus.Amended)));
        Assert.True(await portal.Factory.WithDbAsync(db => db.AuditEvents.AnyAsync(a => a.StudyId == study && a.Action == "export.downloaded" && a.After!.Contains("Fhir"))));
    }
}
