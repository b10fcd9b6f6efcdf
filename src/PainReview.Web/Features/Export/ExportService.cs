using PainReview.Data;
using PainReview.Data.Export;
using PainReview.Pipeline.Analysis;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Features.Export;

/// <summary>Builds an export into a temporary file (bounded memory, any size), audits it, and hands the file over.</summary>
public sealed class ExportService(PainReviewDbContext db, AuditLog audit, VideoStore store)
{
    public sealed record File(string Path, ExportResult Result);

    public async Task<File> ExportAsync(Guid studyId, ExportFormat format, bool includeUnreviewed, bool includeVideo, CancellationToken cancellationToken)
    {
        var user = await audit.CurrentUserAsync();
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"painreview-export-{Guid.NewGuid():N}");
        ExportResult result;
        try
        {
            await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                result = await new DatasetExporter(db).ExportAsync(
                    new ExportRequest(studyId, format, user, includeUnreviewed, includeVideo, VideoStore: store.Root), output,
                    RecordingAnalysis.AppVersion, cancellationToken);
        }
        catch
        {
            System.IO.File.Delete(path);
            throw;
        }
        await audit.AddAsync("export.downloaded", "Study", studyId.ToString(), after: new
        {
            format = format.ToString(), result.Recordings, result.Frames, includeUnreviewed, includeVideo, file = result.FileName,
        }, studyId: studyId, user: user);
        await db.SaveChangesAsync(cancellationToken);
        return new File(path, result);
    }
}

/// <summary>A file stream that deletes its file when the response is done with it.</summary>
public sealed class DeleteOnCloseStream(string path) : FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
