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
        var lanes = Common.LanesOption();
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures as JSON." };
        var config = Common.ConfigOption();
        var twoStage = new Option<bool>("--two-stage") { Description = "Also run the two-stage APEX search and compare its APEX set and time with the full pass." };
        var step = new Option<int>("--step") { Description = "Two-stage: the cheap pass measures every k-th frame.", DefaultValueFactory = _ => 4 };
        var candidates = new Option<double>("--candidate-quantile")
        {
            Description = "Two-stage: a sampled frame opens a window when its provisional HPII reaches this quantile of the samples so far.",
            DefaultValueFactory = _ => TwoStageAnalyzer.DefaultCandidateQuantile,
            Validators = { r => { if (r.GetValueOrDefault<double>() is not (> 0 and < 1)) r.AddError("--candidate-quantile must be between 0 and 1."); } },
        };
        var remeasure = new Option<bool>("--remeasure-samples") { Description = "Two-stage: measure a candidate sample again in its window instead of reusing its measurement." };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Measure ffmpeg alone, the full pipeline (and the two-stage search) this many times, interleaved, and report the median ratio: one round is at the mercy of whatever else the machine does.",
            DefaultValueFactory = _ => 1,
            Validators = { r => { if (r.GetValueOrDefault<int>() is < 1 or > 50) r.AddError("--rounds must be from 1 to 50."); } },
        };
        var command = new Command("bench", "Measure decode-only, decode and full-pipeline speed (frames/s) and memory on one clip.")
        {
            video, models, gpu, lanes, json, config, twoStage, step, candidates, remeasure, rounds,
        };
        command.SetAction(async (r, ct) =>
        {
            // The runtime's own start (process start to this command), counted in the whole-process time.
            var runtimeSeconds = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds;
            var input = r.GetValue(video)!;
            var info = await Common.ProbeAsync(input, ct);
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(c, $"clip: {input.Name} {info.Codec} {info.Width}x{info.Height} -> {info.FrameWidth}x{info.FrameHeight}, {info.Duration.TotalSeconds:0.#} s, {Environment.ProcessorCount} cores"));

            // 1. ffmpeg alone: decode and discard.
            async Task<double> FfmpegAloneAsync()
            {
                var sw = Stopwatch.StartNew();
                await FFMpegArguments.FromFileInput(info.Path, true, o => o.WithCustomArgument(SafeInput.Arguments))
                    .OutputToNull(o => o.WithCustomArgument("-map 0:v:0 -fps_mode passthrough"))
                    .CancellableThrough(ct)
                    .ProcessAsynchronously();
                return sw.Elapsed.TotalSeconds;
            }
            var cpuFfmpeg = CpuClock.Now();
            var ffmpegSeconds = await FfmpegAloneAsync();
            cpuFfmpeg = CpuClock.Now() - cpuFfmpeg;

            // 2. Our decode through the pipe, nothing else: as the pipeline reads it (planar YUV) and as rgb24.
            async Task<(int Frames, double Seconds)> DecodeOnly(PixelLayout layout)
            {
                var watch = Stopwatch.StartNew();
                var count = 0;
                await foreach (var frame in FrameDecoder.DecodeAsync(info, new DecodeOptions { Layout = layout }, ct))
                {
                    frame.Dispose();
                    count++;
                }
                return (count, watch.Elapsed.TotalSeconds);
            }
            var cpuDecode = CpuClock.Now();
            var inProcessBefore = DecoderActivity.InProcessDecodes;
            var (decoded, decodeSeconds) = await DecodeOnly(PixelLayout.Yuv420p);
            cpuDecode = CpuClock.Now() - cpuDecode;
            // Which decoder ran: in this process through FFmpeg's libraries where eligible, else the ffmpeg process (PAINREVIEW_DECODER=ffmpeg forces it).
            var decoder = DecoderActivity.InProcessDecodes > inProcessBefore ? "in-process" : "ffmpeg";
            var (_, rgbSeconds) = await DecodeOnly(PixelLayout.Rgb24);

            // 3. The full pipeline (face, AUs, HPII, APEX), sampling memory as it goes; start-up counted apart.
            var startup = Stopwatch.StartNew();
            using var pipeline = Common.OpenPipeline(r.GetValue(models), r.GetValue(gpu), r.GetValue(lanes));
            // The second lane's sessions open on first use: count them with the models, not with the first video's frames.
            if (pipeline.Lanes > 1) pipeline.CreateSecondLaneTracker();
            var loadSeconds = startup.Elapsed.TotalSeconds;
            var memory = new List<(int Frame, long WorkingSet, long Managed)>();
            var process = Process.GetCurrentProcess();
            var sampleEvery = Math.Max(1, decoded / 10);
            var cpuPipeline = CpuClock.Now();
            var analysis = await new RecordingAnalyzer(pipeline).AnalyzeAsync(info.Path, Common.LoadConfig(r.GetValue(config)), onGeometry: g =>
            {
                if (g.Index % sampleEvery != 0) return;
                process.Refresh();
                memory.Add((g.Index, process.WorkingSet64, GC.GetTotalMemory(false)));
            }, cancellationToken: ct);
            cpuPipeline = CpuClock.Now() - cpuPipeline;
            var run = analysis.Run;
            var scoringShare = analysis.ScoringTime.TotalSeconds / run.Timings.Wall.TotalSeconds;
            process.Refresh();
            var peak = process.PeakWorkingSet64;

            double ffmpegFps = decoded / ffmpegSeconds, decodeFps = decoded / decodeSeconds, rgbFps = decoded / rgbSeconds, pipelineFps = run.FramesPerSecond;
            var wholeSeconds = Math.Max(0, runtimeSeconds) + loadSeconds + analysis.Run.Timings.Wall.TotalSeconds + analysis.ScoringTime.TotalSeconds;
            double PerFrame(TimeSpan t) => t.TotalMilliseconds / Math.Max(1, run.Frames);
            // CPU time per frame (this process and ffmpeg): what the wall-clock figures come to on an idle machine.
            double CpuMs(CpuClock.Reading r) => r.Total.TotalMilliseconds / Math.Max(1, decoded);
            double cpuFfmpegMs = CpuMs(cpuFfmpeg), cpuDecodeMs = CpuMs(cpuDecode), cpuPipelineMs = CpuMs(cpuPipeline);
            var stages = new (string Name, TimeSpan Time)[]
            {
                ("decode (waited for)", run.Timings.DecodeWait), ("detect", run.Timings.Detect), ("mesh", run.Timings.Mesh),
                ("pose and texture", run.Timings.Pose), ("handler", run.Timings.Handler), ("scoring", analysis.ScoringTime),
            };
            var stageTotal = stages.Sum(s => s.Time.TotalMilliseconds);
            Console.WriteLine(string.Create(c, $"frames: {decoded} decoded, face in {run.FramesWithFace}, detector ran {run.DetectorRuns} times, {pipeline.Lanes} lane(s)"));
            Console.WriteLine($"decoder            : {(decoder == "in-process" ? "in-process (FFmpeg's libraries, no ffmpeg process)" : "ffmpeg process (raw frames through a pipe)")}"
                + $"{(Environment.GetEnvironmentVariable("PAINREVIEW_DECODER") is { Length: > 0 } choice ? $", PAINREVIEW_DECODER={choice}" : "")}");
            Console.WriteLine(string.Create(c, $"ffmpeg decode only : {ffmpegFps,8:0.0} frames/s"));
            Console.WriteLine(string.Create(c, $"our decode (yuv420p): {decodeFps,7:0.0} frames/s  ({decodeFps / ffmpegFps:0.00}x ffmpeg); as rgb24 {rgbFps:0.0} frames/s ({rgbFps / ffmpegFps:0.00}x)"));
            Console.WriteLine(string.Create(c, $"full pipeline      : {pipelineFps,8:0.0} frames/s  ({pipelineFps / ffmpegFps:0.00}x ffmpeg, {pipelineFps / decodeFps:0.00}x our decode)"));
            Console.WriteLine(string.Create(c,
                $"cpu per frame (ms) : ffmpeg decode only {cpuFfmpegMs:0.00} (ffmpeg itself {CpuMs(new(TimeSpan.Zero, cpuFfmpeg.Children)):0.00}, the rest this process while it ran), our decode {cpuDecodeMs:0.00}, full pipeline {cpuPipelineMs:0.00} (ffmpeg {CpuMs(new(TimeSpan.Zero, cpuPipeline.Children)):0.00} of it); cpu ratio to ffmpeg {cpuFfmpegMs / cpuPipelineMs:0.00}"));
            Console.WriteLine(string.Create(c,
                $"whole process      : {wholeSeconds:0.00} s = runtime start {Math.Max(0, runtimeSeconds):0.00} s + models {loadSeconds:0.00} s + analysis {analysis.Run.Timings.Wall.TotalSeconds + analysis.ScoringTime.TotalSeconds:0.00} s: {decoded / wholeSeconds:0.0} frames/s end to end"));
            Console.WriteLine(string.Create(c,
                $"per frame (ms)     : detect {PerFrame(run.Timings.Detect):0.00}, mesh {PerFrame(run.Timings.Mesh):0.00}, pose {PerFrame(run.Timings.Pose):0.000}, handler {PerFrame(run.Timings.Handler):0.000}, waiting for decode {PerFrame(run.Timings.DecodeWait):0.00}"));
            Console.WriteLine("stage shares       : " + string.Join(", ", stages.Select(s => string.Create(c, $"{s.Name} {100 * s.Time.TotalMilliseconds / stageTotal:0.0}%")))
                + (pipeline.Lanes > 1 ? " (of the summed time of both lanes)" : ""));
            Console.WriteLine(string.Create(c,
                $"scoring (baseline, AUs, HPII, PSPI, APEX, summary): {analysis.ScoringTime.TotalMilliseconds:0.0} ms in all, {100 * scoringShare:0.00}% of the pipeline's time"));
            Console.WriteLine(string.Create(c, $"peak working set   : {peak / 1048576.0:0} MiB"));
            Console.WriteLine("memory over the run: " + string.Join(", ",
                memory.Select(m => string.Create(c, $"frame {m.Frame}: {m.WorkingSet / 1048576.0:0} MiB ({m.Managed / 1048576.0:0.0} managed)"))));

            object? twoStageFigures = null;
            var twoStageCpu = new List<double>();
            double? twoStageFirstFps = null;
            Task<TwoStageResult> TwoStageAsync() => new TwoStageAnalyzer(pipeline).FindApexAsync(info, Common.LoadConfig(r.GetValue(config)),
                r.GetValue(step), r.GetValue(candidates), ct, reuseSamples: !r.GetValue(remeasure));
            if (r.GetValue(twoStage))
            {
                var cpuTwoStage = CpuClock.Now();
                var result = await TwoStageAsync();
                cpuTwoStage = CpuClock.Now() - cpuTwoStage;
                var cpuTwoStageMs = CpuMs(cpuTwoStage);
                var full = analysis.Frames.Where(f => f.Apex).Select(f => f.Index).ToHashSet();
                var found = result.ApexFrames.ToHashSet();
                var both = full.Intersect(found).Count();
                double jaccard = full.Union(found).Count() is var union and > 0 ? both / (double)union : 1;
                double recall = full.Count > 0 ? both / (double)full.Count : 1, precision = found.Count > 0 ? both / (double)found.Count : 1;
                var saved = 1 - result.Total.TotalSeconds / run.Timings.Wall.TotalSeconds;
                Console.WriteLine(string.Create(c,
                    $"two-stage (step {r.GetValue(step)}): cheap pass {result.CheapPass.TotalSeconds:0.00} s + full pass {result.FullPass.TotalSeconds:0.00} s over {result.Windows.Count} windows ({result.AnalysedFrames} of {result.TotalFrames} frames in windows; {result.MeasuredFrames} mesh passes in all) = {result.Total.TotalSeconds:0.00} s vs {run.Timings.Wall.TotalSeconds:0.00} s: {100 * saved:0.#}% saved"));
                var twoStageFps = result.TotalFrames / result.Total.TotalSeconds;
                twoStageFirstFps = twoStageFps;
                twoStageCpu.Add(cpuTwoStageMs);
                Console.WriteLine(string.Create(c,
                    $"two-stage speed    : {twoStageFps,8:0.0} frames/s  ({twoStageFps / ffmpegFps:0.00}x ffmpeg), one decode; cpu {cpuTwoStageMs:0.00} ms a frame (cpu ratio to ffmpeg {cpuFfmpegMs / cpuTwoStageMs:0.00})"));
                Console.WriteLine(string.Create(c,
                    $"two-stage APEX set vs full: {found.Count} vs {full.Count} frames, Jaccard {jaccard:0.000}, recall {recall:0.000}, precision {precision:0.000}"));
                twoStageFigures = new
                {
                    step = r.GetValue(step), fps = twoStageFps, ratioToFfmpeg = twoStageFps / ffmpegFps, seconds = result.Total.TotalSeconds,
                    cpuMsPerFrame = cpuTwoStageMs, cpuRatioToFfmpeg = cpuFfmpegMs / cpuTwoStageMs,
                    framesMeasured = result.AnalysedFrames, meshPasses = result.MeasuredFrames, reuseSamples = !r.GetValue(remeasure), totalFrames = result.TotalFrames, windows = result.Windows.Count,
                    apexFrames = found.Count, fullApexFrames = full.Count, jaccard, recall, precision,
                };
            }

            // More rounds, interleaved so that each ratio compares runs made under the same load.
            var roundFigures = new List<(double Ffmpeg, double Pipeline, double? TwoStage)> { (ffmpegFps, pipelineFps, twoStageFirstFps) };
            for (var round = 2; round <= r.GetValue(rounds); round++)
            {
                var ffmpegRound = decoded / await FfmpegAloneAsync();
                var pipelineRound = (await new RecordingAnalyzer(pipeline).AnalyzeAsync(info.Path, Common.LoadConfig(r.GetValue(config)), cancellationToken: ct)).Run.FramesPerSecond;
                double? twoStageRound = null;
                if (twoStageFirstFps is not null)
                {
                    var cpuRound = CpuClock.Now();
                    var again = await TwoStageAsync();
                    twoStageCpu.Add(CpuMs(CpuClock.Now() - cpuRound));
                    twoStageRound = again.TotalFrames / again.Total.TotalSeconds;
                }
                roundFigures.Add((ffmpegRound, pipelineRound, twoStageRound));
            }
            static double Median(IEnumerable<double> values)
            {
                var sorted = values.Order().ToArray();
                return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
            }
            var medianRatio = Median(roundFigures.Select(x => x.Pipeline / x.Ffmpeg));
            double? medianTwoStageRatio = twoStageFirstFps is null ? null : Median(roundFigures.Select(x => x.TwoStage!.Value / x.Ffmpeg));
            if (roundFigures.Count > 1)
            {
                Console.WriteLine(string.Create(c, $"rounds ({roundFigures.Count}, interleaved): ffmpeg / full pipeline{(twoStageFirstFps is null ? "" : " / two-stage")} frames/s: ")
                    + string.Join("; ", roundFigures.Select(x => string.Create(c, $"{x.Ffmpeg:0} / {x.Pipeline:0}{(x.TwoStage is { } t ? $" / {t:0}" : "")}"))));
                Console.WriteLine(string.Create(c, $"median ratio to ffmpeg over the rounds: full pipeline {medianRatio:0.00}x")
                    + (medianTwoStageRatio is { } m ? string.Create(c, $", two-stage {m:0.00}x") : ""));
                if (twoStageCpu.Count > 1)
                    Console.WriteLine(string.Create(c, $"two-stage cpu per frame over the rounds (ms): {string.Join(" / ", twoStageCpu.Select(x => x.ToString("0.00", c)))}; median {Median(twoStageCpu):0.00}, least {twoStageCpu.Min():0.00}"));
            }

            if (r.GetValue(json) is { } file)
            {
                var figures = new
                {
                    clip = input.Name, decoder, frames = decoded, cores = Environment.ProcessorCount, lanes = pipeline.Lanes,
                    ffmpegFps, decodeFps, rgbDecodeFps = rgbFps, pipelineFps,
                    ratioToFfmpeg = pipelineFps / ffmpegFps, ratioToDecode = pipelineFps / decodeFps,
                    cpuMsPerFrame = new { ffmpeg = cpuFfmpegMs, ffmpegProcessOnly = CpuMs(new(TimeSpan.Zero, cpuFfmpeg.Children)), decode = cpuDecodeMs, pipeline = cpuPipelineMs, pipelineFfmpeg = CpuMs(new(TimeSpan.Zero, cpuPipeline.Children)) },
                    cpuRatioToFfmpeg = cpuFfmpegMs / cpuPipelineMs,
                    wholeProcess = new { seconds = wholeSeconds, runtimeStartSeconds = Math.Max(0, runtimeSeconds), modelLoadSeconds = loadSeconds, fps = decoded / wholeSeconds },
                    stageShares = stages.ToDictionary(s => s.Name, s => s.Time.TotalMilliseconds / stageTotal),
                    scoringMs = analysis.ScoringTime.TotalMilliseconds, scoringShare,
                    msPerFrame = new { detect = PerFrame(run.Timings.Detect), mesh = PerFrame(run.Timings.Mesh), pose = PerFrame(run.Timings.Pose), handler = PerFrame(run.Timings.Handler), decodeWait = PerFrame(run.Timings.DecodeWait) },
                    peakWorkingSetBytes = peak,
                    memory = memory.Select(m => new { frame = m.Frame, workingSetBytes = m.WorkingSet, managedBytes = m.Managed }),
                    twoStage = twoStageFigures,
                    rounds = roundFigures.Select(x => new { ffmpegFps = x.Ffmpeg, pipelineFps = x.Pipeline, twoStageFps = x.TwoStage }),
                    medianRatioToFfmpeg = medianRatio, twoStageMedianRatioToFfmpeg = medianTwoStageRatio,
                    twoStageCpuMsPerFrame = twoStageCpu,
                };
                await File.WriteAllTextAsync(file.FullName, System.Text.Json.JsonSerializer.Serialize(figures, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), ct);
            }
            return CliErrors.Ok;
        });
        return command;
    }
}
