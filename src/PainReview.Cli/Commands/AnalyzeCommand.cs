using System.CommandLine;
using System.Globalization;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Faces;

namespace PainReview.Cli.Commands;

internal static class AnalyzeCommand
{
    public static Command Create()
    {
        var video = Common.VideoArgument();
        var output = new Option<FileInfo>("--out", "-o") { Description = "Per-frame CSV to write, one row per decoded frame.", Required = true };
        var summary = new Option<FileInfo?>("--summary") { Description = "Also write the recording's summary as JSON (scores, configuration, model hashes)." };
        var config = Common.ConfigOption();
        var landmarks = new Option<bool>("--landmarks") { Description = "Add the 468 landmarks (x, y, z in image pixels) to each row." };
        var neutralStart = new Option<double?>("--neutral-start") { Description = "Start (s) of a neutral segment to use as the baseline." };
        var neutralEnd = new Option<double?>("--neutral-end") { Description = "End (s) of that neutral segment." };
        var neutralRecording = new Option<FileInfo?>("--neutral-recording") { Description = "A neutral recording of the same participant to use as the baseline." };
        var models = Common.ModelsOption();
        var gpu = Common.GpuOption();
        var lanes = Common.LanesOption();
        var command = new Command("analyze", "Analyse one video or still image: per-frame face, head pose, action units, HPII, PSPI and APEX.")
        {
            video, output, summary, config, landmarks, neutralStart, neutralEnd, neutralRecording, models, gpu, lanes,
        };
        command.SetAction(async (r, ct) =>
        {
            var input = r.GetValue(video)!;
            var target = r.GetValue(output)!;
            var settings = Common.LoadConfig(r.GetValue(config));
            if (r.GetValue(neutralStart) is { } start && r.GetValue(neutralEnd) is { } end)
                settings = settings with { Baseline = settings.Baseline with { Mode = BaselineMode.Range, RangeStartSeconds = start, RangeEndSeconds = end } };
            if (r.GetValue(neutralRecording) is { } neutral)
                settings = settings with { Baseline = settings.Baseline with { Mode = BaselineMode.Recording, Recording = neutral.FullName } };

            using var pipeline = Common.OpenPipeline(r.GetValue(models), r.GetValue(gpu), r.GetValue(lanes));
            var withLandmarks = r.GetValue(landmarks);
            using var spool = withLandmarks ? new LandmarkSpool() : null;
            var analysis = await Common.WithProgressAsync(input.Name, progress =>
                new RecordingAnalyzer(pipeline).AnalyzeAsync(input.FullName, settings, onGeometry: spool is null ? null : spool.Add,
                    progress: progress, cancellationToken: ct));

            await Common.WriteAtomicallyAsync(target.FullName, writer =>
            {
                spool?.Rewind();
                FramesCsv.WriteHeader(writer, withLandmarks);
                foreach (var frame in analysis.Frames)
                    FramesCsv.WriteRow(writer, frame, spool is null ? default : spool.Next(frame.Face), withLandmarks);
            });
            if (r.GetValue(summary) is { } summaryFile)
                await Common.WriteAtomicallyAsync(summaryFile.FullName, w => w.Write(analysis.SummaryJson()));

            var s = analysis.Summary;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{input.Name}: {s.Frames} frames, {s.UsableFrames} usable ({100 * s.UsableShare:0.#}%), APEX {s.ApexFrames} ({100 * s.ApexShare:0.#}%), " +
                $"HPII mean {Format(s.Hpii.MeanAll)} (APEX {Format(s.Hpii.MeanApex)}, peak {Format(s.Hpii.Peak)}), {analysis.Run.FramesPerSecond:0} frames/s -> {target.FullName}"));
            if (s.UsableFrames == 0) Console.Error.WriteLine($"warning: no usable face found in {input.Name}; scores are empty.");
            return CliErrors.Ok;
        });
        return command;
    }

    private static string Format(double? v) => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "-";
}

/// <summary>Landmarks of every face frame on disk while a video is analysed, so memory stays bounded.</summary>
internal sealed class LandmarkSpool : IDisposable
{
    private readonly string _path = Path.GetTempFileName();
    private readonly FileStream _stream;
    private readonly float[] _buffer = new float[FaceMeshLandmarker.LandmarkCount * 3];

    public LandmarkSpool() => _stream = new FileStream(_path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);

    public void Add(FrameGeometry g)
    {
        if (g.Face.FaceFound) _stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(g.Face.Landmarks.AsSpan()));
    }

    public void Rewind() => _stream.Position = 0;

    public ReadOnlySpan<float> Next(bool face)
    {
        if (!face) return default;
        _stream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_buffer.AsSpan()));
        return _buffer;
    }

    public void Dispose() => _stream.Dispose();
}
