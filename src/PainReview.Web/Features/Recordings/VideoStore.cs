using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PainReview.Web.Infrastructure;

namespace PainReview.Web.Features.Recordings;

/// <summary>
/// Recording files on disk, named by generated id (the uploader's file name is metadata only).
/// Uploads stream to a temporary file while being hashed: never held whole in memory.
/// </summary>
public sealed class VideoStore(IOptions<PortalOptions> options)
{
    public const string IncomingPattern = ".incoming-*";

    public string Root { get; } = TemporaryFiles.OwnerOnly(options.Value.VideoStorePath);

    public string PathOf(string storedFileName) => Path.Combine(Root, Path.GetFileName(storedFileName));

    public sealed record Incoming(string TemporaryPath, long Bytes, string Sha256) : IDisposable
    {
        public void Dispose()
        {
            if (File.Exists(TemporaryPath)) File.Delete(TemporaryPath);
        }
    }

    /// <summary>The store's disk has no room left (ENOSPC), or less than the configured reserve.</summary>
    public sealed class DiskFullException() : Exception("The server has no room left to store this file (its disk is full): nothing was stored. Tell your administrator.");

    public static bool DiskFull(IOException e) => (e.HResult & 0xFFFF) is 28 or 0x70 || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    /// <summary>Refuses work that would fill the disk: below the reserve, the store counts as full.</summary>
    public void EnsureRoom()
    {
        var reserve = options.Value.MinFreeDiskBytes;
        if (reserve > 0 && new DriveInfo(Root).AvailableFreeSpace < reserve) throw new DiskFullException();
    }

    public sealed class TooLargeException(long limit) : Exception($"The file is larger than the upload limit of {Pipeline.Decoding.VideoProbe.FormatBytes(limit)}.");

    /// <summary>Copies a stream to a temporary file in the store, hashing as it goes; stops at the size limit.</summary>
    public async Task<Incoming> ReceiveAsync(Stream source, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxUploadBytes;
        EnsureRoom();
        var temporary = Path.Combine(Root, $".incoming-{Guid.NewGuid():N}");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        try
        {
            await using var target = TemporaryFiles.Create(temporary);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
                if (total > limit) throw new TooLargeException(limit);
                hash.AppendData(buffer, 0, read);
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (IOException e) when (DiskFull(e))
        {
            File.Delete(temporary);
            throw new DiskFullException();
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        return new Incoming(temporary, total, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    public void Commit(Incoming incoming, string storedFileName) => File.Move(incoming.TemporaryPath, PathOf(storedFileName));

    public void Delete(string storedFileName)
    {
        var path = PathOf(storedFileName);
        if (File.Exists(path)) File.Delete(path);
    }
}
