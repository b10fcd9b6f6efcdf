using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FFMpegCore;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Decoding;
using PainReview.Pipeline.Faces;

namespace PainReview.Cli.Commands;

/// <summary>
/// Speed in one run on one clip: ffmpeg decoding alone, our decode through the pipe, and the full
/// pipeline, with per-stage time and peak memory sampled along the way.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var video = Common.VideoArgument();
        var models = Common.ModelsOption();
        var gpu = Common.GpuOption();
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures as JSON." };
        var config = Common.ConfigOption();
        var twoStage = new Option<bool>("--two-stage") { Description = "Also run the two-stage APEX search and compare its APEX set and time with the full pass." };
        var step = new Option<int>("--step") { Description = "Two-stage: the cheap pass measures every k-th frame.", DefaultValueFactory = _ => 4 };
        var command = new Command("bench", "Measure decode-only, decode and full-pipeline speed (frames/s) and memory on one clip.")
        {
            video, models, gpu, json, config, twoStage, step,
        };
        command.SetAction(async (r, ct) =>
        {
            var input = r.GetValue(video)!;
            var info = await Common.ProbeAsync(input, ct);
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(c, $"clip: {input.Name} {info.Codec} {info.Width}x{info.Height} -> {info.FrameWidth}x{info.FrameHeight}, {info.Duration.TotalSeconds:0.#} s, {Environment.ProcessorCount} cores"));

            // 1. ffmpeg alone: decode and discard.
            var sw = Stopwatch.StartNew();
            await FFMpegArguments.FromFileInput(info.Path, true, o => o.WithCustomArgument(SafeInput.Arguments))
                .OutputToNull(o => o.WithCustomArgument("-map 0:v:0 -fps_mode passthrough"))
                .CancellableThrough(ct)
                .ProcessAsynchronously();
            var ffmpegSeconds = sw.Elapsed.TotalSeconds;

            // 2. Our decode: rgb24 frames through the pipe, nothing else.
            sw.Restart();
            var decoded = 0;
            await foreach (var frame in FrameDecoder.DecodeAsync(info, cancellationToken: ct))
            {
                frame.Dispose();
                decoded++;
            }
            var decodeSeconds = sw.Elapsed.TotalSeconds;

            // 3. The full pipeline (face, AUs, HPII, APEX), sampling memory as it goes.
            using var pipeline = Common.OpenPipeline(r.GetValue(models), r.GetValue(gpu));
            var memory = new List<(int Frame, long WorkingSet, long Managed)>();
            var process = Process.GetCurrentProcess();
            var sampleEvery = Math.Max(1, decoded / 10);
            var analysis = await new RecordingAnalyzer(pipeline).AnalyzeAsync(info.Path, Common.LoadConfig(r.GetValue(config)), onGeometry: g =>
            {
                if (g.Index % sampleEvery != 0) return;
                process.Refresh();
                memory.Add((g.Index, process.WorkingSet64, GC.GetTotalMemory(false)));
            }, cancellationToken: ct);
            var run = analysis.Run;
            var scoringShare = analysis.ScoringTime.TotalSeconds / run.Timings.Wall.TotalSeconds;
            process.Refresh();
            var peak = process.PeakWorkingSet64;

            double ffmpegFps = decoded / ffmpegSeconds, decodeFps = decoded / decodeSeconds, pipelineFps = run.FramesPerSecond;
            double PerFrame(TimeSpan t) => t.TotalMilliseconds / Math.Max(1, run.Frames);
            Console.WriteLine(string.Create(c, $"frames: {decoded} decoded, face in {run.FramesWithFace}, detector ran {run.DetectorRuns} times"));
            Console.WriteLine(string.Create(c, $"ffmpeg decode only : {ffmpegFps,8:0.0} frames/s"));
            Console.WriteLine(string.Create(c, $"our decode (rgb24) : {decodeFps,8:0.0} frames/s  ({decodeFps / ffmpegFps:0.00}x ffmpeg)"));
            Console.WriteLine(string.Create(c, $"full pipeline      : {pipelineFps,8:0.0} frames/s  ({pipelineFps / ffmpegFps:0.00}x ffmpeg, {pipelineFps / decodeFps:0.00}x our decode)"));
            Console.WriteLine(string.Create(c,
                $"per frame (ms)     : detect {PerFrame(run.Timings.Detect):0.00}, mesh {PerFrame(run.Timings.Mesh):0.00}, pose {PerFrame(run.Timings.Pose):0.000}, handler {PerFrame(run.Timings.Handler):0.000}, waiting for decode {PerFrame(run.Timings.DecodeWait):0.00}"));
            Console.WriteLine(string.Create(c,
                $"scoring (baseline, AUs, HPII, PSPI, APEX, summary): {analysis.ScoringTime.TotalMilliseconds:0.0} ms in all, {100 * scoringShare:0.00}% of the pipeline's time"));
            Console.WriteLine(string.Create(c, $"peak working set   : {peak / 1048576.0:0} MiB"));
            Console.WriteLine("memory over the run: " + string.Join(", ",
                memory.Select(m => string.Create(c, $"frame {m.Frame}: {m.WorkingSet / 1048576.0:0} MiB ({m.Managed / 1048576.0:0.0} managed)"))));

            if (r.GetValue(twoStage))
            {
                var settings = Common.LoadConfig(r.GetValue(config));
                var result = await new TwoStageAnalyzer(pipeline).FindApexAsync(info.Path, settings, r.GetValue(step), cancellationToken: ct);
                var full = analysis.Frames.Where(f => f.Apex).Select(f => f.Index).ToHashSet();
                var found = result.ApexFrames.ToHashSet();
                var both = full.Intersect(found).Count();
                double jaccard = full.Union(found).Count() is var union and > 0 ? both / (double)union : 1;
                double recall = full.Count > 0 ? both / (double)full.Count : 1, precision = found.Count > 0 ? both / (double)found.Count : 1;
                var saved = 1 - result.Total.TotalSeconds / run.Timings.Wall.TotalSeconds;
                Console.WriteLine(string.Create(c,
                    $"two-stage (step {r.GetValue(step)}): cheap pass {result.CheapPass.TotalSeconds:0.00} s + full pass {result.FullPass.TotalSeconds:0.00} s over {result.Windows.Count} windows ({result.AnalysedFrames} of {result.TotalFrames} frames measured) = {result.Total.TotalSeconds:0.00} s vs {run.Timings.Wall.TotalSeconds:0.00} s: {100 * saved:0.#}% saved"));
                Console.WriteLine(string.Create(c,
                    $"two-stage APEX set vs full: {found.Count} vs {full.Count} frames, Jaccard {jaccard:0.000}, recall {recall:0.000}, precision {precision:0.000}"));
            }

            if (r.GetValue(json) is { } file)
            {
                var figures = new
                {
                    clip = input.Name, frames = decoded, ffmpegFps, decodeFps, pipelineFps,
                    ratioToFfmpeg = pipelineFps / ffmpegFps, ratioToDecode = pipelineFps / decodeFps,
                    scoringMs = analysis.ScoringTime.TotalMilliseconds, scoringShare,
                    msPerFrame = new { detect = PerFrame(run.Timings.Detect), mesh = PerFrame(run.Timings.Mesh), pose = PerFrame(run.Timings.Pose), handler = PerFrame(run.Timings.Handler), decodeWait = PerFrame(run.Timings.DecodeWait) },
                    peakWorkingSetBytes = peak,
                    memory = memory.Select(m => new { frame = m.Frame, workingSetBytes = m.WorkingSet, managedBytes = m.Managed }),
                };
                await File.WriteAllTextAsync(file.FullName, System.Text.Json.JsonSerializer.Serialize(figures, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), ct);
            }
            return CliErrors.Ok;
        });
        return command;
    }
}
