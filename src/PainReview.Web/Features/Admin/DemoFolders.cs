using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Features.Admin;

/// <summary>
/// Where the demo page may import videos from: only a folder inside the data folder (never the
/// video store or the work folders, whose files are participants' recordings), with every
/// symbolic link resolved, so that no path the page is given reads or lists anything else on
/// the server. Anything else is refused with one sentence that says nothing about the path.
/// </summary>
public static class DemoFolders
{
    /// <summary>The folder's real path, or a <see cref="PortalValidationException"/> with a sentence.</summary>
    public static string Resolve(string dataDirectory, IEnumerable<string> reserved, string? input)
    {
        var root = Canonical(Path.GetFullPath(dataDirectory));
        var text = input?.Trim() ?? "";
        var refusal = $"Demo studies are imported only from a folder inside the data folder ({root}): copy the videos into a folder there, for example {Path.Combine(root, "demo")}, and give its name (demo).";
        if (text.Length == 0 || text.Contains('\0', StringComparison.Ordinal)) throw new PortalValidationException(refusal);
        string candidate;
        try
        {
            candidate = Path.GetFullPath(Path.IsPathRooted(text) ? text : Path.Combine(root, text));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new PortalValidationException(refusal);
        }
        // Checked before the disk is touched: a path outside is refused whether it exists or not.
        if (!IsStrictlyUnder(candidate, root)) throw new PortalValidationException(refusal);
        var relative = Path.GetRelativePath(root, candidate);
        if (!Directory.Exists(candidate)) throw new PortalValidationException($"There is no folder '{relative}' in the data folder ({root}).");
        var real = Canonical(candidate);
        if (!IsStrictlyUnder(real, root)) throw new PortalValidationException(refusal);
        foreach (var folder in reserved.Select(f => Canonical(Path.GetFullPath(f))))
        {
            if (real == folder || IsStrictlyUnder(real, folder) || IsStrictlyUnder(folder, real))
                throw new PortalValidationException($"'{relative}' holds the portal's own files (participants' recordings, work files): put the demo videos in a folder of their own inside the data folder.");
        }
        return real;
    }

    private static bool IsStrictlyUnder(string path, string folder) =>
        path.StartsWith(folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The path with every symbolic link along it resolved (as realpath does).</summary>
    public static string Canonical(string path, int depth = 0)
    {
        if (depth > 32) throw new PortalValidationException("That folder's symbolic links go round in a circle.");
        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full) ?? "/";
        foreach (var part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            var info = new DirectoryInfo(next);
            if (info.LinkTarget is { } target)
                next = Canonical(Path.IsPathRooted(target) ? target : Path.Combine(current, target), depth + 1);
            current = next;
        }
        return current;
    }
}
