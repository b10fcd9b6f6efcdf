using System.CommandLine;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Rendering;
using PainReview.Pipeline.Scoring;

namespace PainReview.Cli.Commands;

internal static class PlotCommand
{
    public static Command Create()
    {
        var frames = new Argument<FileInfo>("frames") { Description = "A per-frame CSV written by 'painreview analyze'." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "PNG file to write.", Required = true };
        var config = Common.ConfigOption();
        var command = new Command("plot", "Draw a recording's timeline (HPII with APEX frames shaded, AU4/6/7/9) as a PNG.")
        {
            frames, output, config,
        };
        command.SetAction(async (r, ct) =>
        {
            var input = r.GetValue(frames)!;
            if (!input.Exists) throw new FileNotFoundException($"No such file: {input.FullName}");
            string[] aus = ["AU04", "AU06", "AU07", "AU09"];
            var points = FramesCsv.Read(input.FullName).Select(row => new TimelinePoint(
                FramesCsv.Number(row, "time_s") ?? 0,
                FramesCsv.Number(row, "hpii"),
                aus.ToDictionary(a => a, a => FramesCsv.Number(row, a)),
                FramesCsv.Number(row, "apex") == 1)).ToList();
            if (points.Count == 0) throw new InvalidDataException($"{input.Name} has no frames.");
            var threshold = ApexSelector.Threshold(points.Select(p => p.Hpii).ToArray(), Common.LoadConfig(r.GetValue(config)).Apex);
            var title = $"{Path.GetFileNameWithoutExtension(input.Name)}: {points.Count} frames, {points.Count(p => p.Apex)} APEX";
            var target = r.GetValue(output)!;
            Directory.CreateDirectory(target.DirectoryName!);
            await File.WriteAllBytesAsync(target.FullName, TimelinePlot.RenderPng(points, title, threshold), ct);
            Console.WriteLine($"timeline of {points.Count} frames -> {target.FullName}");
            return CliErrors.Ok;
        });
        return command;
    }
}
