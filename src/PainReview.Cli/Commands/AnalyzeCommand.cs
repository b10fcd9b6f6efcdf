using System.CommandLine;
using System.Globalization;
using PainReview.Pipeline.Faces;

namespace PainReview.Cli.Commands;

internal static class AnalyzeCommand
{
    public static Command Create()
    {
        var video = Common.VideoArgument();
        var output = new Option<FileInfo>("--out", "-o") { Description = "CSV file to write, one row per decoded frame.", Required = true };
        var landmarks = new Option<bool>("--landmarks") { Description = "Add the 468 landmarks (x, y, z in image pixels) to each row." };
        var models = Common.ModelsOption();
        var gpu = Common.GpuOption();
        var command = new Command("analyze", "Analyse one video (or still image): per-frame face, head pose and quality.")
        {
            video, output, landmarks, models, gpu,
        };
        command.SetAction(async (r, ct) =>
        {
            var input = r.GetValue(video)!;
            var target = r.GetValue(output)!;
            var info = await Common.ProbeAsync(input, ct);
            using var pipeline = Common.OpenPipeline(r.GetValue(models), r.GetValue(gpu));

            var temporary = target.FullName + ".partial";
            Directory.CreateDirectory(target.DirectoryName!);
            PipelineRun run;
            await using (var writer = new StreamWriter(temporary))
            {
                var csv = new GeometryCsv(writer, r.GetValue(landmarks));
                csv.WriteHeader();
                run = await Common.WithProgressAsync(input.Name,
                    progress => pipeline.RunAsync(info, csv.WriteRow, progress: progress, cancellationToken: ct));
            }
            File.Move(temporary, target.FullName, overwrite: true);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{input.Name}: {run.Frames} frames, face in {run.FramesWithFace} ({100.0 * run.FramesWithFace / Math.Max(1, run.Frames):0.#}%), {run.FramesPerSecond:0} frames/s -> {target.FullName}"));
            if (run.FramesWithFace == 0) Console.Error.WriteLine($"warning: no face found in {input.Name}.");
            return CliErrors.Ok;
        });
        return command;
    }
}

/// <summary>The per-frame CSV: stable column names that other tools parse.</summary>
internal sealed class GeometryCsv(TextWriter writer, bool landmarks)
{
    public static readonly string[] Columns = ["frame", "time_s", "face", "confidence", "yaw", "pitch", "roll"];
    public static readonly string[] QualityColumns = ["pose_ok", "detected", "multi_face", "subject_uncertain"];

    public void WriteHeader()
    {
        var header = Columns.Concat(QualityColumns);
        if (landmarks)
            header = header.Concat(Enumerable.Range(0, FaceMeshLandmarker.LandmarkCount).SelectMany(i => new[] { $"x{i}", $"y{i}", $"z{i}" }));
        writer.WriteLine(string.Join(',', header));
    }

    public void WriteRow(FrameGeometry g)
    {
        var c = CultureInfo.InvariantCulture;
        var face = g.Face.FaceFound;
        writer.Write(g.Index.ToString(c));
        writer.Write(',');
        writer.Write(g.TimeSeconds.ToString("0.####", c));
        writer.Write(face ? ",1," : ",0,");
        writer.Write(g.Face.Confidence.ToString("0.###", c));
        if (g.Pose is { } p)
            writer.Write(string.Create(c, $",{p.Yaw:0.##},{p.Pitch:0.##},{p.Roll:0.##}"));
        else
            writer.Write(",,,");
        writer.Write(face ? (g.PoseOutOfRange ? ",0" : ",1") : ",0");
        writer.Write(g.Face.Detected ? ",1" : ",0");
        writer.Write(g.Face.MultipleFaces ? ",1" : ",0");
        writer.Write(g.Face.SubjectUncertain ? ",1" : ",0");
        if (landmarks)
        {
            if (face)
                foreach (var v in g.Face.Landmarks) { writer.Write(','); writer.Write(v.ToString("0.##", c)); }
            else
                writer.Write(new string(',', FaceMeshLandmarker.LandmarkCount * 3));
        }
        writer.WriteLine();
    }
}
