using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Audit;
using PainReview.Data.Demo;
using PainReview.Data.Entities;
using PainReview.Data.Export;
using PainReview.Pipeline.Analysis;

namespace PainReview.Cli.Commands;

/// <summary>Commands that work on the portal's embedded database: export and demo data.</summary>
internal static class PortalDataCommands
{
    internal static Option<DirectoryInfo> DataOption() => new("--data")
    {
        Description = "The portal's data folder (painreview.db and videos/); default: ./data.",
        DefaultValueFactory = _ => new DirectoryInfo("data"),
    };

    internal static PainReviewDbContext Open(DirectoryInfo data)
    {
        var database = Path.Combine(data.FullName, "painreview.db");
        if (!File.Exists(database))
            throw new FileNotFoundException($"No portal database at {database}: start the portal once (./run.sh) or give --data.");
        var db = new PainReviewDbContext(new DbContextOptionsBuilder<PainReviewDbContext>().UseSqlite($"Data Source={database}").Options);
        db.Database.Migrate();
        // As the portal does at start: events from before the audit hash chain are chained once.
        AuditChain.SealUnhashedAsync(db).GetAwaiter().GetResult();
        return db;
    }

    internal static string CliUser => $"cli:{Environment.UserName}";

    public static Command Export()
    {
        var data = DataOption();
        var study = new Option<string>("--study") { Description = "Study name (or id).", Required = true };
        var format = new Option<ExportFormat>("--format") { Description = "csv, json, parquet or fhir (FHIR R4: one Bundle of Observations per recording, NDJSON).", DefaultValueFactory = _ => ExportFormat.Csv };
        var output = new Option<FileInfo>("--out", "-o") { Description = "File to write (.zip for csv and parquet, .json for json, .ndjson for fhir).", Required = true };
        var unreviewed = new Option<bool>("--include-unreviewed") { Description = "Also export analysed recordings not yet reviewed." };
        var video = new Option<bool>("--include-video") { Description = "Add the raw videos (identifiable faces)." };
        var command = new Command("export", "Export a study's validated, pseudonymised dataset with its provenance manifest (as the portal does).")
        {
            data, study, format, output, unreviewed, video,
        };
        command.SetAction(async (r, ct) =>
        {
            var folder = r.GetValue(data)!;
            await using var db = Open(folder);
            var name = r.GetValue(study)!;
            // By name, or by id (compared as a Guid: SQLite keeps ids as upper-case text).
            var byId = Guid.TryParse(name, out var id) ? id : Guid.Empty;
            var found = await db.Studies.AsNoTracking().Where(s => s.Name == name || s.Id == byId).SingleOrDefaultAsync(ct)
                ?? throw new InvalidDataException($"No study called '{name}'.");
            var target = r.GetValue(output)!;
            var temporary = target.FullName + ".partial";
            ExportResult result;
            try
            {
                await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite))
                    result = await new DatasetExporter(db).ExportAsync(
                        new ExportRequest(found.Id, r.GetValue(format), CliUser, r.GetValue(unreviewed), r.GetValue(video),
                            VideoStore: Path.Combine(folder.FullName, "videos")), stream, RecordingAnalysis.AppVersion, ct);
                File.Move(temporary, target.FullName, overwrite: true);
            }
            finally
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
            db.AuditEvents.Add(new AuditEvent
            {
                User = CliUser, Action = "export.downloaded", EntityType = nameof(Study), EntityId = found.Id.ToString(), StudyId = found.Id,
                After = AuditJson.Serialize(new { format = r.GetValue(format).ToString(), recordings = result.Recordings, frames = result.Frames, via = "cli" }),
            });
            await db.SaveChangesAsync(ct);
            Console.WriteLine($"{found.Name}: {result.Recordings} recordings, {result.Frames} frames -> {target.FullName}");
            return CliErrors.Ok;
        });
        return command;
    }

    public static Command Demo()
    {
        var data = DataOption();
        var from = new Option<DirectoryInfo>("--from") { Description = "Folder of videos to build the demo study from.", Required = true };
        var command = new Command("demo", "Build a labelled demo study (generated VAS labels) from a folder of videos; the portal analyses it.")
        {
            data, from,
        };
        command.SetAction(async (r, ct) =>
        {
            var folder = r.GetValue(data)!;
            await using var db = Open(folder);
            var result = await DemoStudies.CreateAsync(db, r.GetValue(from)!.FullName, Path.Combine(folder.FullName, "videos"), CliUser, ProbeDemoVideoAsync, ct);
            Console.WriteLine($"{result.Study.Name}: {result.Added.Count} recordings queued (VAS labels generated and marked as such).");
            foreach (var skipped in result.Skipped) Console.WriteLine($"  skipped {skipped}");
            Console.WriteLine("The portal analyses them as soon as it runs (./run.sh).");
            return CliErrors.Ok;
        });
        return command;
    }

    /// <summary>The pipeline's probe for a demo study (the data project does not reference the pipeline).</summary>
    private static async Task<DemoVideo> ProbeDemoVideoAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var v = await PainReview.Pipeline.Decoding.VideoProbe.ProbeAsync(path, cancellationToken: cancellationToken);
            return new DemoVideo(v.Container, v.Codec, v.Width, v.Height, v.Rotation, v.FrameRate, v.Duration, v.IsStillImage);
        }
        catch (PainReview.Pipeline.Decoding.VideoInputException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }
}
