namespace PainReview.Pipeline.Models;

/// <summary>Finds the models folder and the files in it.</summary>
public sealed record ModelDirectory(string Path)
{
    public const string EnvironmentVariable = "PAINREVIEW_MODELS";

    public string File(ModelSpec spec) => System.IO.Path.Combine(Path, spec.FileName);

    public ModelManifest? Manifest => ModelManifest.TryLoad(Path);

    public bool IsComplete => ModelCatalog.All.All(s => System.IO.File.Exists(File(s))) && Manifest is not null;

    /// <summary>
    /// The folder named explicitly, else $PAINREVIEW_MODELS, else the nearest <c>models/</c> with a
    /// manifest above the working directory or the program, else <c>./models</c>.
    /// </summary>
    public static ModelDirectory Locate(string? explicitPath = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath)) return new(System.IO.Path.GetFullPath(explicitPath));
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return new(System.IO.Path.GetFullPath(fromEnvironment));
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = System.IO.Path.Combine(dir.FullName, "models");
                if (System.IO.File.Exists(System.IO.Path.Combine(candidate, ModelManifest.FileName))) return new(candidate);
            }
        }
        return new(System.IO.Path.GetFullPath("models"));
    }

    /// <summary>Throws a clear error when the models have not been fetched yet.</summary>
    public ModelDirectory EnsureComplete()
    {
        if (!IsComplete)
            throw new ModelSetupException(
                $"The face models are not in {Path}. Run 'painreview models fetch' (the README's set-up does it).");
        return this;
    }
}
