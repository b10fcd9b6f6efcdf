using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PainReview.Data;
using PainReview.Data.Demo;
using PainReview.Data.Entities;
using PainReview.Web.Features.Access;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Features.Review;
using PainReview.Web.Features.Scheduling;
using PainReview.Web.Infrastructure;

namespace PainReview.Web.Features.Admin;

/// <summary>
/// Demo studies, for Admins: built from a folder of videos inside the data folder, queued for
/// analysis like any upload (each job's id recorded), and deleted in one action with every file
/// they left: the videos, their playback copies and thumbnails.
/// </summary>
public sealed class DemoService(PainReviewDbContext db, StudyAccess access, VideoStore store, TemporaryFiles temporary,
    IOptions<PortalOptions> options, IJobScheduler jobs, ReviewMedia media)
{
    public sealed record DemoRow(Guid Id, string Name, int Recordings);

    public async Task<List<DemoRow>> ListAsync()
    {
        await RequireAdminAsync();
        return await db.Studies.AsNoTracking().Where(s => s.IsDemo).OrderBy(s => s.Name)
            .Select(s => new DemoRow(s.Id, s.Name, s.Recordings.Count)).ToListAsync();
    }

    /// <summary>Creates the demo study and queues its recordings; returns what to tell the Admin.</summary>
    public async Task<List<string>> CreateAsync(string folder)
    {
        var actor = await RequireAdminAsync();
        try
        {
            // Only a folder inside the data folder: any other server path is refused before it is read.
            var source = DemoFolders.Resolve(options.Value.DataDirectory, [store.Root, temporary.Root], folder);
            var result = await DemoStudies.CreateAsync(db, source, store.Root, actor.Name, Jobs.DemoVideos.ProbeAsync);
            foreach (var recording in result.Study.Recordings) await jobs.QueueAnalysisAsync(recording.Id);
            return [$"{result.Study.Name}: {result.Added.Count} recordings queued for analysis.", .. result.Skipped.Select(s => "skipped " + s)];
        }
        catch (Exception e) when (e is DirectoryNotFoundException or InvalidDataException)
        {
            throw new PortalValidationException(e.Message);
        }
    }

    public async Task DeleteAsync(Guid studyId)
    {
        var actor = await RequireAdminAsync();
        var recordings = await db.Recordings.IgnoreQueryFilters().AsNoTracking().Where(r => r.StudyId == studyId)
            .Select(r => new { r.Id, r.JobId }).ToListAsync();
        foreach (var r in recordings) jobs.CancelAnalysis(r.Id, r.JobId);
        try
        {
            await DemoStudies.DeleteAsync(db, studyId, store.Root, actor.Name);
        }
        catch (InvalidOperationException e)
        {
            throw new PortalValidationException(e.Message);
        }
        foreach (var r in recordings) media.Delete(r.Id);
    }

    private async Task<Actor> RequireAdminAsync()
    {
        var actor = await access.ActorAsync();
        return actor.IsAdmin ? actor : throw new AccessException("Only Admins manage demo data.", StatusCodes.Status403Forbidden);
    }
}
