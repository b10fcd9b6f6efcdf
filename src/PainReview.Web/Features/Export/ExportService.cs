using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Export;
using PainReview.Pipeline.Analysis;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Infrastructure;

namespace PainReview.Web.Features.Export;

/// <summary>Builds an export into a temporary file (bounded memory, any size), audits it, and hands the file over.</summary>
public sealed class ExportService(PainReviewDbContext db, AuditLog audit, VideoStore store, Access.StudyAccess access, TemporaryFiles temporary)
{
    public sealed record File(string Path, ExportResult Result);

    /// <summary>How many recordings an export of the study would carry now.</summary>
    public async Task<int> CountAsync(Guid studyId, bool includeUnreviewed, CancellationToken cancellationToken = default)
    {
        await access.RequireStudyAsync(studyId, Access.StudyPermission.Export, "export its data");
        return await DatasetExporter.Exported(db, studyId, includeUnreviewed).CountAsync(cancellationToken);
    }

    public async Task<File> ExportAsync(Guid studyId, ExportFormat format, bool includeUnreviewed, bool includeVideo, CancellationToken cancellationToken)
    {
        await access.RequireStudyAsync(studyId, Access.StudyPermission.Export, "export its data");
        if (includeVideo && !await access.CanAsync(studyId, Access.StudyPermission.ExportVideo))
            throw Access.AccessException.Forbidden("export raw facial video (an Admin grants that per study, to named data managers)");
        if (includeVideo && format == ExportFormat.Fhir)
            throw new PortalValidationException("Raw video goes only into CSV or Parquet exports: the FHIR export holds results, not faces.");
        var user = await audit.CurrentUserAsync();
        // Inside the data directory, owner-only, swept at start: never a world-readable file in /tmp.
        var path = temporary.NewPath("export");
        try
        {
            ExportResult result;
            await using (var output = TemporaryFiles.Create(path))
                result = await new DatasetExporter(db).ExportAsync(
                    new ExportRequest(studyId, format, user, includeUnreviewed, includeVideo, VideoStore: store.Root), output,
                    RecordingAnalysis.AppVersion, cancellationToken);
            await audit.AddAsync(includeVideo ? "export.downloaded.with-video" : "export.downloaded", "Study", studyId.ToString(), after: new
            {
                format = format.ToString(), result.Recordings, result.Frames, includeUnreviewed, includeVideo, file = result.FileName,
            }, studyId: studyId, user: user);
            await db.SaveChangesAsync(cancellationToken);
            return new File(path, result);
        }
        catch
        {
            // Nothing leaves without its audit record: a failed export or audit write leaves no file.
            System.IO.File.Delete(path);
            throw;
        }
    }
}

/// <summary>A file stream that deletes its file when the response is done with it.</summary>
public sealed class DeleteOnCloseStream(string path) : FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
