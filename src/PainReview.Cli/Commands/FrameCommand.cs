using System.CommandLine;
using System.Globalization;
using PainReview.Pipeline.Decoding;
using PainReview.Pipeline.Rendering;

namespace PainReview.Cli.Commands;

internal static class FrameCommand
{
    public static Command Create()
    {
        var video = Common.VideoArgument();
        var at = new Option<double>("--at") { Description = "Time of the frame, in seconds.", DefaultValueFactory = _ => 0 };
        var draw = new Option<bool>("--draw") { Description = "Draw the face region, landmarks and head pose on the frame." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "PNG file to write.", Required = true };
        var models = Common.ModelsOption();
        var command = new Command("frame", "Save one frame as PNG, optionally with what the pipeline saw drawn on it.")
        {
            video, at, draw, output, models,
        };
        command.SetAction(async (r, ct) =>
        {
            var input = r.GetValue(video)!;
            var seconds = r.GetValue(at);
            var info = await Common.ProbeAsync(input, ct);
            if (seconds < 0 || (!info.IsStillImage && seconds > info.Duration.TotalSeconds))
                throw new VideoInputException(VideoInputProblem.DecodeFailed, string.Create(CultureInfo.InvariantCulture,
                    $"--at {seconds:0.###} is outside the video ({info.Duration.TotalSeconds:0.###} s long)."));

            var decode = new DecodeOptions { Start = info.IsStillImage ? null : TimeSpan.FromSeconds(seconds), MaxFrames = 1 };
            using var pipeline = r.GetValue(draw) ? Common.OpenPipeline(r.GetValue(models), gpu: false) : null;
            await foreach (var frame in FrameDecoder.DecodeAsync(info, decode, ct))
            {
                using (frame)
                {
                    var geometry = pipeline?.Measure(pipeline.CreateTracker(), frame);
                    var target = r.GetValue(output)!;
                    Directory.CreateDirectory(target.DirectoryName!);
                    await File.WriteAllBytesAsync(target.FullName, FrameRenderer.RenderPng(frame, geometry, annotate: geometry is not null, indexKnown: info.IsStillImage), ct);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"frame at {frame.TimeSeconds:0.###} s ({frame.Width}x{frame.Height}){(geometry is null ? "" : geometry.Face.FaceFound ? ", face found" : ", no face found")} -> {target.FullName}"));
                }
                return CliErrors.Ok;
            }
            throw new VideoInputException(VideoInputProblem.DecodeFailed, $"No frame could be decoded at {seconds} s.");
        });
        return command;
    }
}
