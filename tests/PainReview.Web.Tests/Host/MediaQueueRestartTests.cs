using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PainReview.Data.Entities;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Features.Review;
using PainReview.Web.Infrastructure;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>
/// Host: the playable copy and thumbnails are made by the background media queue right after
/// analysis, never by the first viewer. The queue lives in memory, so a restart loses what it had
/// queued: a recording analysed before the restart, whose copy and thumbnails were never made, gets
/// them from the restarted queue at start-up, without a viewer asking for them.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class MediaQueueRestartTests(PortalFixture portal)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_recording_analysed_before_a_restart_gets_its_copy_and_thumbnails_without_a_viewer()
    {
        var services = portal.Factory.Services;
        var store = services.GetRequiredService<VideoStore>();
        var media = services.GetRequiredService<ReviewMedia>();
        var id = Guid.NewGuid();
        var stored = $"{id:N}.mp4";
        File.Copy(TestEnvironment.Clip("single_face.mp4"), store.PathOf(stored));
        // Analysed (two APEX spans, peaks at frames 4 and 8), and then the process stopped before its queue got to it.
        await portal.Factory.WithDbAsync(async db =>
        {
            var participant = db.Participants.First(p => p.StudyId == portal.StudyId);
            var recording = new Recording
            {
                Id = id, StudyId = portal.StudyId, ParticipantId = participant.Id, OriginalFileName = "before-restart.mp4", StoredFileName = stored,
                Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), UploadedBy = "fixture", Status = RecordingStatus.Completed,
                CompletedUtc = DateTime.UtcNow, Frames = 12, UsableFrames = 12, ApexFrames = 4,
            };
            for (var i = 0; i < 12; i++)
                recording.FrameResults.Add(new FrameResult
                {
                    FrameIndex = i, TimeSeconds = i / 25.0, Face = true, Usable = true, Apex = i is >= 3 and <= 5 or 8, Hpii = i == 4 ? 3 : i == 8 ? 2.5 : 1,
                });
            db.Recordings.Add(recording);
            await db.SaveChangesAsync(Ct);
            return 0;
        });
        Assert.False(media.IsPlayableReady(id));

        // The restarted process's queue: empty, started as the host starts its hosted services. Nobody opens the recording.
        using var restarted = new ReviewMediaQueue(services.GetRequiredService<IServiceScopeFactory>(), media,
            services.GetRequiredService<IOptions<PortalOptions>>(), NullLogger<ReviewMediaQueue>.Instance);
        await restarted.StartAsync(Ct);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!media.IsPrepared(id))
            {
                Assert.True(DateTime.UtcNow < deadline, "the restarted queue did not make the playable copy and thumbnails in 120 s");
                await Task.Delay(100, Ct);
            }
        }
        finally
        {
            await restarted.StopAsync(CancellationToken.None);
        }

        Assert.True(new FileInfo(Path.Combine(store.Root, "playback", $"{id:N}.mp4")).Length > 1000);
        foreach (var peak in new[] { 4, 8 })
            Assert.True(File.Exists(Path.Combine(store.Root, "thumbnails", id.ToString("N"), $"{peak}.jpg")), $"thumbnail of frame {peak}");
    }

    [Fact]
    public async Task An_upload_gets_its_copy_and_thumbnails_right_after_analysis_without_a_viewer()
    {
        var media = portal.Factory.Services.GetRequiredService<ReviewMedia>();
        using var temp = TestEnvironment.TempDirectory();
        var clip = temp.File("queued.mp4");
        // A copy of a shared clip that no other test uploads (uploads are refused as duplicates by their content).
        Ffmpeg.Run("-i", TestEnvironment.Clip("single_face.mp4"), "-c", "copy", "-metadata", $"comment={Guid.NewGuid()}", clip);
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Coordinator));
        var upload = await Uploads.UploadFileAsync(client, portal.StudyId, clip);
        var analysed = await portal.Factory.WaitForAnalysisAsync(upload.Id);
        Assert.Equal(RecordingStatus.Completed, analysed.Status);

        // Nobody opens the recording (no page, no media request): the queue makes the copy and the APEX spans' thumbnails.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!media.IsPrepared(upload.Id))
        {
            Assert.True(DateTime.UtcNow < deadline, "the media queue did not make the playable copy and thumbnails within 120 s of the analysis");
            await Task.Delay(100, Ct);
        }
        Assert.True(media.IsPlayableReady(upload.Id));
    }
}
