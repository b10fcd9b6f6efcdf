using Microsoft.Extensions.Options;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Infrastructure;

/// <summary>
/// Work files (exports being built, uploads arriving, media being made) live inside the data
/// directory, owner-only, and whatever a killed process left behind is swept at the next start:
/// a partial face video or an export never outlives the work that made it.
/// </summary>
public sealed class TemporaryFiles(IOptions<PortalOptions> options, VideoStore store, ILogger<TemporaryFiles> logger)
{
    public const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Root { get; } = OwnerOnly(Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "tmp"));

    public string NewPath(string kind) => Path.Combine(Root, $"{kind}-{Guid.NewGuid():N}");

    /// <summary>A new owner-only file for reading and writing.</summary>
    public static FileStream Create(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 1 << 16, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile;
        return new FileStream(path, options);
    }

    /// <summary>Creates the folder if needed and makes it owner-only.</summary>
    public static string OwnerOnly(string folder)
    {
        var created = Directory.CreateDirectory(folder).FullName;
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(created, OwnerOnlyFolder);
        return created;
    }

    /// <summary>
    /// Deletes what earlier processes left: every work file when this process owns the data
    /// directory alone, otherwise only those untouched for a day (another process may be writing).
    /// </summary>
    public int Sweep()
    {
        var cutoff = options.Value.Role == PortalRole.All ? DateTime.MaxValue : DateTime.UtcNow.AddDays(-1);
        var leftovers = Directory.EnumerateFiles(Root)
            .Concat(Directory.EnumerateFiles(store.Root, VideoStore.IncomingPattern))
            .Concat(Directory.Exists(Path.Combine(store.Root, "playback")) ? Directory.EnumerateFiles(Path.Combine(store.Root, "playback"), "*.partial.*") : [])
            .Concat(Directory.Exists(Path.Combine(store.Root, "thumbnails")) ? Directory.EnumerateFiles(Path.Combine(store.Root, "thumbnails"), "*.partial.*", SearchOption.AllDirectories) : []);
        var removed = 0;
        foreach (var file in leftovers.ToList())
        {
            try
            {
                if (File.GetLastWriteTimeUtc(file) > cutoff) continue;
                File.Delete(file);
                removed++;
            }
            catch (IOException e)
            {
                logger.LogWarning(e, "Could not remove the leftover {File}.", file);
            }
        }
        if (removed > 0) logger.LogInformation("Removed {Count} files left by an interrupted upload, export or conversion.", removed);
        return removed;
    }
}
