using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CsvHelper;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Models;
using PainReview.Pipeline.Scoring;

namespace PainReview.Cli.Commands;

/// <summary>
/// Analyses every video of a manifest (in parallel, resumably: finished recordings are kept in a
/// work folder keyed by video content, configuration and models) and reports how the scores
/// correlate with VAS.
/// </summary>
internal static class CohortCommand
{
    internal sealed record ManifestRow(int Line, string Video, double Vas, string? Participant);

    internal sealed record CachedRecording(string Video, string Sha256, RecordingSummary Summary);

    public static Command Create()
    {
        var manifest = new Argument<FileInfo>("manifest") { Description = "CSV with columns video,vas[,participant]; paths relative to the manifest." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "JSON report to write.", Required = true };
        var config = Common.ConfigOption();
        var parallel = new Option<int>("--parallel") { Description = "Videos analysed at once (default: one per two cores).", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount / 2) };
        var work = new Option<DirectoryInfo?>("--work") { Description = "Folder for finished recordings, so that an interrupted run resumes (default: REPORT.work beside the report)." };
        var models = Common.ModelsOption();
        var command = new Command("cohort", "Analyse a cohort of videos and correlate HPII, PSPI and each AU with VAS.")
        {
            manifest, output, config, parallel, work, models,
        };
        command.SetAction(async (r, ct) =>
        {
            var manifestFile = r.GetValue(manifest)!;
            var rows = ReadManifest(manifestFile);
            var settings = Common.LoadConfig(r.GetValue(config));
            var report = r.GetValue(output)!;
            var workDir = r.GetValue(work)?.FullName ?? report.FullName + ".work";
            Directory.CreateDirectory(workDir);
            var modelDirectory = ModelDirectory.Locate(r.GetValue(models)).EnsureComplete();
            var key = Key(settings.ToJson() + string.Join(",", modelDirectory.Manifest!.Models.Select(m => m.Sha256)));

            var results = new CohortRecording?[rows.Count];
            var errors = new string?[rows.Count];
            var next = -1;
            var workers = Enumerable.Range(0, Math.Clamp(r.GetValue(parallel), 1, rows.Count)).Select(_ => Task.Run(async () =>
            {
                using var pipeline = new PainReview.Pipeline.Faces.FacePipeline(modelDirectory);
                var analyzer = new RecordingAnalyzer(pipeline);
                int i;
                while ((i = Interlocked.Increment(ref next)) < rows.Count)
                {
                    var row = rows[i];
                    try
                    {
                        var summary = await AnalyzeOrResumeAsync(analyzer, row, settings, workDir, key, ct);
                        results[i] = new CohortRecording(row.Video, row.Participant, row.Vas, summary);
                    }
                    catch (Exception e) when (e is PainReview.Pipeline.Decoding.VideoInputException or FileNotFoundException)
                    {
                        errors[i] = e.Message;
                        Console.Error.WriteLine($"error: {row.Video}: {e.Message}");
                    }
                }
            }, ct)).ToList();
            await Task.WhenAll(workers);

            var recordings = results.OfType<CohortRecording>().ToList();
            var correlations = CohortCorrelations.Compute(recordings);
            var document = new
            {
                tool = new { name = "PainReview", version = RecordingAnalysis.AppVersion },
                createdUtc = DateTimeOffset.UtcNow,
                manifest = manifestFile.FullName,
                unit = "recording",
                config = settings,
                models = modelDirectory.Manifest!.Models.Select(m => new { m.Name, m.Sha256 }),
                recordings = rows.Select((row, i) => new
                {
                    row.Video, row.Participant, row.Vas,
                    error = errors[i],
                    summary = results[i]?.Summary,
                }),
                correlations,
                notice = "Scores complement self-report and clinical judgement; they do not replace them.",
            };
            await Common.WriteAtomicallyAsync(report.FullName, w => w.Write(JsonSerializer.Serialize(document, AnalysisConfig.JsonOptions)));

            static string F(CorrelationResult? c) => c is null ? "n/a (too few recordings)" : string.Create(CultureInfo.InvariantCulture,
                $"r = {c.R:0.000} (95% CI {c.FisherLow:0.00} to {c.FisherHigh:0.00}), p = {c.P:0.0000}, n = {c.N}");
            Console.WriteLine($"{recordings.Count} of {rows.Count} recordings analysed -> {report.FullName}");
            Console.WriteLine($"HPII (all frames) vs VAS: Pearson {F(correlations.Hpii.AllFrames.Pearson)}");
            Console.WriteLine($"HPII (APEX frames) vs VAS: Pearson {F(correlations.Hpii.Apex.Pearson)}");
            return errors.Any(e => e is not null) ? CliErrors.BadInput : CliErrors.Ok;
        });
        return command;
    }

    private static async Task<RecordingSummary> AnalyzeOrResumeAsync(RecordingAnalyzer analyzer, ManifestRow row, AnalysisConfig config,
        string workDir, string key, CancellationToken ct)
    {
        var sha = await Task.Run(() => { using var s = File.OpenRead(row.Video); return Convert.ToHexStringLower(SHA256.HashData(s)); }, ct);
        var cached = Path.Combine(workDir, $"{sha[..16]}-{key}.json");
        if (File.Exists(cached))
        {
            var previous = JsonSerializer.Deserialize<CachedRecording>(await File.ReadAllTextAsync(cached, ct), AnalysisConfig.JsonOptions);
            if (previous is not null && previous.Sha256 == sha)
            {
                Console.Error.WriteLine($"{Path.GetFileName(row.Video)}: already analysed (resumed)");
                return previous.Summary;
            }
        }
        var analysis = await analyzer.AnalyzeAsync(row.Video, config, cancellationToken: ct);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(row.Video)}: {analysis.Summary.Frames} frames, HPII {analysis.Summary.Hpii.MeanAll:0.00}"));
        await Common.WriteAtomicallyAsync(cached, w => w.Write(JsonSerializer.Serialize(
            new CachedRecording(row.Video, sha, analysis.Summary), AnalysisConfig.JsonOptions)));
        return analysis.Summary;
    }

    private static string Key(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    /// <summary>Reads the manifest as CSV (quoted cells may hold commas); a sentence names the line of any problem.</summary>
    internal static List<ManifestRow> ReadManifest(FileInfo file)
    {
        if (!file.Exists) throw new FileNotFoundException($"No such manifest: {file.FullName}");
        if (file.Length == 0) throw new InvalidDataException($"{file.Name} is empty.");
        using var reader = File.OpenText(file.FullName);
        var options = new CsvReaderOptions
        {
            HasHeader = true,
            TrimWhitespace = true,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            MalformedData = CsvMalformedDataHandling.Throw,
        };
        using var csv = CsvReader.Create(reader, options, false);
        try
        {
            csv.ReadHeader();
            var header = csv.Headers.Select(h => h.Trim().ToLowerInvariant()).ToList();
            if (header.Count == 0) throw new InvalidDataException($"{file.Name} is empty.");
            int videoColumn = header.IndexOf("video"), vasColumn = header.IndexOf("vas"), participantColumn = header.IndexOf("participant");
            if (videoColumn < 0 || vasColumn < 0)
                throw new InvalidDataException($"{file.Name}: the header must name the columns video and vas (and optionally participant).");
            var rows = new List<ManifestRow>();
            while (csv.Read())
            {
                var line = (int)csv.LineNumber;
                var cells = Enumerable.Range(0, csv.FieldCount).Select(i => csv.GetString(i).Trim()).ToArray();
                if (cells.All(c => c.Length == 0)) continue;
                if (cells.Length <= Math.Max(videoColumn, vasColumn))
                    throw new InvalidDataException($"{file.Name} line {line}: expected at least {Math.Max(videoColumn, vasColumn) + 1} columns.");
                if (!double.TryParse(cells[vasColumn], NumberStyles.Float, CultureInfo.InvariantCulture, out var vas) || vas is < 0 or > 10)
                    throw new InvalidDataException($"{file.Name} line {line}: VAS '{cells[vasColumn]}' is not a number from 0 to 10.");
                var video = Path.GetFullPath(Path.Combine(file.DirectoryName!, cells[videoColumn]));
                rows.Add(new ManifestRow(line, video, vas, participantColumn >= 0 && participantColumn < cells.Length ? cells[participantColumn] : null));
            }
            if (rows.Count == 0) throw new InvalidDataException($"{file.Name} lists no recordings.");
            return rows;
        }
        catch (CsvFormatException e)
        {
            throw new InvalidDataException($"{file.Name} cannot be read as CSV: {e.Message.Split('\n')[0]}");
        }
    }
}
