using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Scoring;

namespace PainReview.Cli.Commands;

/// <summary>painreview compare FRAMES.csv REFERENCE.csv [--map au.json] [--json]: agreement with another coder or tool.</summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var frames = new Argument<FileInfo>("frames") { Description = "A per-frame CSV written by 'painreview analyze'." };
        var reference = new Argument<FileInfo>("reference") { Description = "An OpenFace 2.x FeatureExtraction CSV (1-based frames, AUxx_r) or a hand-coded CSV (frame,AU04,...; 0-based frames)." };
        var map = new Option<FileInfo?>("--map") { Description = "A JSON object naming the reference column for each AU, e.g. {\"AU04\": \"AU04_r\"}." };
        var json = new Option<bool>("--json") { Description = "Write the table as JSON." };
        var command = new Command("compare", "Agreement of our per-frame AUs with a reference on the same frames: Pearson r, ICC(3,1), MAE and n per AU.")
        {
            frames, reference, map, json,
        };
        command.SetAction((r, ct) =>
        {
            var ours = r.GetValue(frames)!;
            var theirs = r.GetValue(reference)!;
            foreach (var f in new[] { ours, theirs })
                if (!f.Exists) throw new FileNotFoundException($"No such file: {f.FullName}");
            var mapFile = r.GetValue(map);
            if (mapFile is { Exists: false }) throw new FileNotFoundException($"No such file: {mapFile.FullName}");

            var referenceData = AuAgreement.ReadReference(theirs.FullName);
            var pairs = AuAgreement.Map(referenceData, mapFile is null ? null : File.ReadAllText(mapFile.FullName));
            var rows = AuAgreement.Compare(AuAgreement.ReadOurs(ours.FullName), referenceData, pairs);
            if (rows.All(x => x.N == 0))
                throw new InvalidDataException($"{ours.Name} and {theirs.Name} have no frame in common with values on both sides.");

            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { reference = referenceData.Kind, rows }, AnalysisConfig.JsonOptions));
                return Task.FromResult(CliErrors.Ok);
            }
            var c = CultureInfo.InvariantCulture;
            string F(double? v) => v is { } x ? x.ToString("0.000", c) : "-";
            Console.WriteLine($"reference: {referenceData.Kind} ({theirs.Name}); frames compared only where both have a value");
            Console.WriteLine($"{"AU",-6}{"reference",-12}{"n",6}{"r",9}{"ICC(3,1)",10}{"MAE",8}");
            foreach (var row in rows)
                Console.WriteLine($"{row.Unit,-6}{row.ReferenceColumn,-12}{row.N,6}{F(row.Pearson),9}{F(row.Icc31),10}{F(row.Mae),8}"
                    + (row.Flat ? "  reference flat: r and ICC undefined" : row.N == 0 ? "  no frame in common" : ""));
            return Task.FromResult(CliErrors.Ok);
        });
        return command;
    }
}
