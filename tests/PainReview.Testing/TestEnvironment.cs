using PainReview.Pipeline.Models;

namespace PainReview.Testing;

/// <summary>
/// Finds the shared test clips and the fetched models. Without them a test skips with a message
/// saying so, except under CI (CI=true), where missing data is a failure.
/// </summary>
public static class TestEnvironment
{
    private static readonly Lazy<string?> RepositoryRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PainReview.sln"))) return dir.FullName;
        return null;
    });

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string TestDataDirectory
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("PAINREVIEW_TESTDATA");
            var candidate = !string.IsNullOrWhiteSpace(configured) ? configured
                : RepositoryRoot.Value is { } root ? Path.GetFullPath(Path.Combine(root, "..", "shared", "testdata")) : null;
            if (candidate is null || !Directory.Exists(candidate))
                Missing($"Test clips not found (looked for ../shared/testdata beside the repository and $PAINREVIEW_TESTDATA{(candidate is null ? "" : $": {candidate}")}).");
            return candidate!;
        }
    }

    /// <summary>A file from the shared test clips.</summary>
    public static string Clip(string name)
    {
        var path = Path.Combine(TestDataDirectory, name);
        if (!File.Exists(path)) Missing($"Test clip {name} is missing from {TestDataDirectory}.");
        return path;
    }

    public static ModelDirectory Models
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(ModelDirectory.EnvironmentVariable);
            var path = !string.IsNullOrWhiteSpace(configured) ? configured
                : Path.Combine(RepositoryRoot.Value ?? ".", "models");
            var models = new ModelDirectory(Path.GetFullPath(path));
            if (!models.IsComplete) Missing($"Face models not found in {models.Path}: run 'painreview models fetch' (./test.sh does).");
            return models;
        }
    }

    private static void Missing(string message)
    {
        if (IsCi) Assert.Fail(message + " Under CI missing test data is a failure.");
        Assert.Skip(message);
    }

    /// <summary>A fresh temporary folder, removed when disposed.</summary>
    public static TempDirectory TempDirectory() => new();
}

public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("painreview-test-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
