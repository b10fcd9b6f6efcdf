using System.CommandLine;
using PainReview.Pipeline.Decoding;
using PainReview.Pipeline.Faces;
using PainReview.Pipeline.Models;
using Spectre.Console;

namespace PainReview.Cli.Commands;

/// <summary>Options shared by the commands that run the face pipeline.</summary>
internal static class Common
{
    public static Option<string?> ModelsOption() => new("--models")
    {
        Description = $"Folder of the face models (default: $${ModelDirectory.EnvironmentVariable} or the nearest models/ with a manifest).",
    };

    public static Option<bool> GpuOption() => new("--gpu")
    {
        Description = "Run the face models on the CUDA execution provider (needs the GPU build of ONNX Runtime).",
    };

    public static Argument<FileInfo> VideoArgument() => new("video")
    {
        Description = "A video file (any container and codec ffmpeg reads) or a still image.",
    };

    public static InferenceOptions Inference(bool gpu) =>
        new() { Provider = gpu ? ExecutionProvider.Cuda : ExecutionProvider.Cpu };

    public static FacePipeline OpenPipeline(string? models, bool gpu, int lanes = 0) =>
        new(ModelDirectory.Locate(models).EnsureComplete(), Inference(gpu))
        {
            Lanes = lanes > 0 ? lanes : Math.Clamp(Environment.ProcessorCount, 1, 2),
        };

    public static Option<int> LanesOption() => new("--lanes")
    {
        Description = "Frames measured at once on their own threads: 2 uses two cores (the default where there are two), 1 one.",
        DefaultValueFactory = _ => 0,
        Validators = { r => { if (r.GetValueOrDefault<int>() is < 0 or > 2) r.AddError("--lanes must be 1 or 2."); } },
    };

    /// <summary>Progress on a terminal (stderr), silence when redirected.</summary>
    public static async Task<T> WithProgressAsync<T>(string title, Func<IProgress<AnalysisProgress>?, Task<T>> work)
    {
        if (Console.IsErrorRedirected) return await work(null);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: 1);
                var progress = new Progress<AnalysisProgress>(p =>
                {
                    task.MaxValue = Math.Max(1, p.EstimatedFrames);
                    task.Value = p.Frames;
                });
                return await work(progress);
            });
    }

    public static Option<FileInfo?> ConfigOption() => new("--config")
    {
        Description = "JSON analysis configuration (baseline, smoothing, HPII weights, APEX strategy, quality limits); defaults otherwise.",
    };

    public static PainReview.Pipeline.Analysis.AnalysisConfig LoadConfig(FileInfo? file)
    {
        if (file is null) return new();
        if (!file.Exists) throw new FileNotFoundException($"No such configuration file: {file.FullName}");
        return PainReview.Pipeline.Analysis.AnalysisConfig.Load(file.FullName);
    }

    /// <summary>Writes through a temporary file so a failed or cancelled run leaves no half-written output.</summary>
    public static async Task WriteAtomicallyAsync(string path, Action<TextWriter> write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".partial";
        try
        {
            await using (var writer = new StreamWriter(temporary))
                write(writer);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public static async Task<VideoInfo> ProbeAsync(FileInfo video, CancellationToken ct) =>
        await VideoProbe.ProbeAsync(video.FullName, new DecodeOptions(), ct);
}
