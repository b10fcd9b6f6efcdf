using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data.Entities;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Jobs;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>Host (real ffmpeg, models, SQLite, Hangfire): upload validation, analysis jobs, cancel, retry, delete.</summary>
[Collection(PortalCollection.Name)]
public sealed class UploadAndJobTests(PortalFixture portal) : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    private Task<HttpClient> CoordinatorAsync() => portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Coordinator));

    /// <summary>A fresh participant, so each test's uploads are its own.</summary>
    private async Task<string> ParticipantAsync()
    {
        var code = "T-" + Guid.NewGuid().ToString("N")[..8];
        await portal.Factory.WithDbAsync(async db =>
        {
            db.Participants.Add(new Participant { StudyId = portal.StudyId, Code = code });
            return await db.SaveChangesAsync();
        });
        return code;
    }

    /// <summary>A clip unique to this test (re-encoded with a distinct tag), so duplicates are never accidental.</summary>
    private string UniqueClip(string clip, double seconds = 0)
    {
        var path = _temp.File(Guid.NewGuid().ToString("N")[..8] + "-" + Path.GetFileNameWithoutExtension(clip) + ".mp4");
        var args = seconds > 0
            ? new List<string> { "-stream_loop", "-1", "-i", TestEnvironment.Clip(clip), "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }
            : new List<string> { "-i", TestEnvironment.Clip(clip) };
        args.AddRange(["-an", "-c:v", "libx264", "-preset", "ultrafast", "-metadata", $"comment={Guid.NewGuid()}", path]);
        Ffmpeg.Run([.. args]);
        return path;
    }

    [Fact]
    public async Task A_good_upload_is_analysed_once_with_results_and_audit()
    {
        var client = await CoordinatorAsync();
        var participant = await ParticipantAsync();
        var upload = await Uploads.UploadFileAsync(client, portal.StudyId, UniqueClip("single_face.mp4"), "clinic visit.mp4", participant);
        Assert.Equal(HttpStatusCode.OK, upload.Status);
        var recording = await portal.Factory.WaitForAnalysisAsync(upload.Id);

        Assert.Equal(RecordingStatus.Completed, recording.Status);
        Assert.Equal(72, recording.Frames);
        Assert.Equal(72, recording.UsableFrames);
        Assert.InRange(recording.ApexFrames!.Value, 10, 25);
        Assert.NotNull(recording.HpiiMeanAll);
        Assert.Equal("clinic visit.mp4", recording.OriginalFileName);
        Assert.DoesNotContain("clinic", recording.StoredFileName); // stored under a generated id
        Assert.True(File.Exists(Path.Combine(portal.Factory.DataDirectory, "videos", recording.StoredFileName)));
        Assert.Equal(4, recording.VasSelfReport);
        Assert.Equal("mov,mp4,m4a,3gp,3g2,mj2", recording.Container);
        Assert.Equal(64, recording.Sha256.Length);
        Assert.Contains("\"models\"", recording.SummaryJson);

        var (frames, audits) = await portal.Factory.WithDbAsync(async db => (
            await db.FrameResults.Where(f => f.RecordingId == upload.Id).CountAsync(),
            await db.AuditEvents.Where(a => a.RecordingId == upload.Id).Select(a => a.Action).ToListAsync()));
        Assert.Equal(72, frames);
        Assert.Contains("recording.uploaded", audits);
        Assert.Contains("analysis.completed", audits);
    }

    [Fact]
    public async Task Upload_validation_refuses_bad_files_with_specific_messages()
    {
        var client = await CoordinatorAsync();
        var participant = await ParticipantAsync();

        var text = await Uploads.UploadAsync(client, portal.StudyId, "diary.mp4", new MemoryStream("a participant diary"u8.ToArray()), participant);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, text.Status);
        Assert.Contains("diary.mp4 is not a video", text.Error);

        var bytes = await File.ReadAllBytesAsync(TestEnvironment.Clip("single_face.mp4"), TestContext.Current.CancellationToken);
        var truncated = await Uploads.UploadAsync(client, portal.StudyId, "cut.mp4", new MemoryStream(bytes[..20000]), participant);
        Assert.Contains("truncated", truncated.Error);

        var huge = new byte[PortalFactory.UploadLimit + 1024];
        Random.Shared.NextBytes(huge);
        var tooLarge = await Uploads.UploadAsync(client, portal.StudyId, "huge.mp4", new MemoryStream(huge), participant);
        Assert.Contains("larger than the upload limit of 5.0 MiB", tooLarge.Error);

        var unknownParticipant = await Uploads.UploadFileAsync(client, portal.StudyId, TestEnvironment.Clip("single_face.jpg"), participant: "P-NOBODY");
        Assert.Contains("No participant 'P-NOBODY'", unknownParticipant.Error);

        // Nothing was kept: no recording rows for this participant, no stray files.
        var rows = await portal.Factory.WithDbAsync(db => db.Recordings.CountAsync(r => r.Participant!.Code == participant));
        Assert.Equal(0, rows);
        Assert.Empty(Directory.GetFiles(Path.Combine(portal.Factory.DataDirectory, "videos"), ".incoming-*"));
    }

    [Fact]
    public async Task Upload_refuses_lists_of_other_files_named_as_videos()
    {
        var client = await CoordinatorAsync();
        var participant = await ParticipantAsync();
        var videos = Path.Combine(portal.Factory.DataDirectory, "videos");
        // The store holds other recordings: a list naming one of them (relatively or by its path) must not pass as it.
        var target = Directory.GetFiles(videos, "*.mp4").FirstOrDefault() ?? UniqueClip("single_face.mp4");
        var lists = new (string Name, string Text)[]
        {
            ("concat.mp4", $"ffconcat version 1.0\nfile {Path.GetFileName(target)}\n"),
            ("playlist.mp4", $"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n{target}\n#EXT-X-ENDLIST\n"),
        };
        foreach (var (name, text) in lists)
        {
            var upload = await Uploads.UploadAsync(client, portal.StudyId, name, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), participant);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, upload.Status);
            Assert.Equal($"{name} is a playlist or a list of other files (concat, HLS), not a video: such files are refused.", upload.Error);
        }
        Assert.Equal(0, await portal.Factory.WithDbAsync(db => db.Recordings.CountAsync(r => r.Participant!.Code == participant)));
        Assert.Empty(Directory.GetFiles(videos, ".incoming-*"));
    }

    [Fact]
    public async Task Duplicate_upload_in_the_same_study_names_the_earlier_recording()
    {
        var client = await CoordinatorAsync();
        var participant = await ParticipantAsync();
        var clip = UniqueClip("single_face.mp4");
        var first = await Uploads.UploadFileAsync(client, portal.StudyId, clip, "first-name.mp4", participant);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        var second = await Uploads.UploadFileAsync(client, portal.StudyId, clip, "second-name.mp4", participant);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.Status);
        Assert.Contains("already uploaded to this study as 'first-name.mp4'", second.Error);
        Assert.Contains(participant, second.Error);
        await portal.Factory.WaitForAnalysisAsync(first.Id);
    }

    [Fact]
    public async Task A_video_without_a_face_completes_with_a_clear_outcome()
    {
        var client = await CoordinatorAsync();
        var upload = await Uploads.UploadFileAsync(client, portal.StudyId, UniqueClip("no_face.mp4"), "empty-room.mp4", await ParticipantAsync());
        var recording = await portal.Factory.WaitForAnalysisAsync(upload.Id);
        Assert.Equal(RecordingStatus.Completed, recording.Status);
        Assert.Equal(0, recording.UsableFrames);
        Assert.Matches(@"No face found in any of the \d+ frames", recording.Error);
        Assert.Null(recording.HpiiMeanAll);
    }

    [Fact]
    public async Task The_job_is_idempotent_and_a_rerun_replaces_results()
    {
        var client = await CoordinatorAsync();
        var upload = await Uploads.UploadFileAsync(client, portal.StudyId, UniqueClip("single_face.mp4"), null, await ParticipantAsync());
        var done = await portal.Factory.WaitForAnalysisAsync(upload.Id);
        Assert.Equal(1, done.Attempts);

        // Running the job again for a completed recording does nothing.
        using (var scope = portal.Factory.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<AnalyzeRecordingJob>().RunAsync(upload.Id, CancellationToken.None);
        var unchanged = await portal.Factory.WithDbAsync(db => db.Recordings.AsNoTracking().SingleAsync(r => r.Id == upload.Id));
        Assert.Equal(1, unchanged.Attempts);

        // Queued again (as after a crash): the re-run replaces the results, never adds to them.
        await portal.Factory.WithDbAsync(db => db.Recordings.Where(r => r.Id == upload.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RecordingStatus.Queued)));
        using (var scope = portal.Factory.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<AnalyzeRecordingJob>().RunAsync(upload.Id, CancellationToken.None);
        var (rerun, frames) = await portal.Factory.WithDbAsync(async db => (
            await db.Recordings.AsNoTracking().SingleAsync(r => r.Id == upload.Id),
            await db.FrameResults.CountAsync(f => f.RecordingId == upload.Id)));
        Assert.Equal(RecordingStatus.Completed, rerun.Status);
        Assert.Equal(2, rerun.Attempts);
        Assert.Equal(72, frames);
    }

    [Fact]
    public async Task Cancel_retry_and_delete()
    {
        var client = await CoordinatorAsync();
        var upload = await Uploads.UploadFileAsync(client, portal.StudyId, UniqueClip("2015-10-15-15-14.avi", seconds: 20), "long.mp4", await ParticipantAsync());
        // Wait until it runs, then cancel.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await portal.Factory.WithDbAsync(db => db.Recordings.Where(r => r.Id == upload.Id).Select(r => r.Status).SingleAsync()) != RecordingStatus.Running)
        {
            Assert.True(DateTime.UtcNow < deadline, "analysis never started");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        await WithServiceAsync<RecordingService>(s => s.CancelAsync(upload.Id));
        var cancelled = await portal.Factory.WaitForAnalysisAsync(upload.Id);
        Assert.Equal(RecordingStatus.Cancelled, cancelled.Status);
        await Task.Delay(500, TestContext.Current.CancellationToken); // a cancelled run must not write results afterwards
        Assert.Equal(0, await portal.Factory.WithDbAsync(db => db.FrameResults.CountAsync(f => f.RecordingId == upload.Id)));

        await WithServiceAsync<RecordingService>(s => s.RetryAsync(upload.Id));
        var retried = await portal.Factory.WaitForAnalysisAsync(upload.Id, TimeSpan.FromSeconds(120));
        Assert.Equal(RecordingStatus.Completed, retried.Status);
        Assert.Equal(600, retried.Frames);

        // Deletion is logical: it needs a reason, hides the recording, keeps its record, results and file.
        var noReason = await Assert.ThrowsAsync<PortalValidationException>(() => WithServiceAsync<RecordingService>(s => s.DeleteAsync(upload.Id, " ")));
        Assert.Contains("reason", noReason.Message);
        await WithServiceAsync<RecordingService>(s => s.DeleteAsync(upload.Id, "uploaded to the wrong participant"));
        var (visible, kept, frames, audit) = await portal.Factory.WithDbAsync(async db => (
            await db.Recordings.AnyAsync(r => r.Id == upload.Id),
            await db.Recordings.IgnoreQueryFilters().SingleAsync(r => r.Id == upload.Id),
            await db.FrameResults.CountAsync(f => f.RecordingId == upload.Id),
            await db.AuditEvents.Where(a => a.RecordingId == upload.Id).ToListAsync()));
        Assert.False(visible);
        Assert.Equal("uploaded to the wrong participant", kept.DeletionReason);
        Assert.Equal(PortalFactory.EmailOf(Roles.Coordinator), kept.DeletedBy);
        Assert.Equal(600, frames);
        Assert.True(File.Exists(Path.Combine(portal.Factory.DataDirectory, "videos", retried.StoredFileName)));
        Assert.Equal(["recording.uploaded", "recording.cancelled", "recording.retried", "analysis.completed", "recording.deleted"], audit.Select(a => a.Action));
        Assert.Equal("uploaded to the wrong participant", audit[^1].Reason);
        // The same file cannot come back as a new recording: the deleted record names it.
        var coordinator = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Coordinator));
        var again = await Uploads.UploadFileAsync(coordinator, portal.StudyId, Path.Combine(portal.Factory.DataDirectory, "videos", retried.StoredFileName), "again.mp4");
        Assert.Contains("deleted on", again.Error);

        // An Admin purges the files only after the retention period.
        using (var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Admin)))
        {
            var early = await Assert.ThrowsAsync<PortalValidationException>(() => scope.ServiceProvider.GetRequiredService<RecordingService>().PurgeAsync(upload.Id));
            Assert.Contains("kept for", early.Message);
        }
        await portal.Factory.WithDbAsync(db => db.Recordings.IgnoreQueryFilters().Where(r => r.Id == upload.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.DeletedUtc, DateTime.UtcNow.AddDays(-31))));
        using (var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Coordinator)))
            await Assert.ThrowsAsync<PainReview.Web.Features.Access.AccessException>(() => scope.ServiceProvider.GetRequiredService<RecordingService>().PurgeAsync(upload.Id));
        using (var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Admin)))
            await scope.ServiceProvider.GetRequiredService<RecordingService>().PurgeAsync(upload.Id);
        Assert.False(File.Exists(Path.Combine(portal.Factory.DataDirectory, "videos", retried.StoredFileName)));
        Assert.Equal(0, await portal.Factory.WithDbAsync(db => db.FrameResults.CountAsync(f => f.RecordingId == upload.Id)));
        Assert.Equal("recording.purged", await portal.Factory.WithDbAsync(db => db.AuditEvents.Where(a => a.RecordingId == upload.Id).OrderBy(a => a.Id).Select(a => a.Action).LastAsync()));
    }

    [Fact]
    public async Task Consent_for_a_bedside_recording_is_put_on_record_by_those_who_may_upload_only()
    {
        var client = await CoordinatorAsync();
        var participant = await ParticipantAsync();
        var upload = await Uploads.UploadFileAsync(client, portal.StudyId, UniqueClip("single_face.mp4"), "bedside.webm", participant);
        Assert.Equal(HttpStatusCode.OK, upload.Status);

        // A clinician reviews; they do not record: refused, and nothing is written.
        using (var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Clinician)))
            await Assert.ThrowsAsync<PainReview.Web.Features.Access.AccessException>(() =>
                scope.ServiceProvider.GetRequiredService<RecordingService>().RecordBedsideConsentAsync(upload.Id, 5.04, 1234, "video/webm", TestContext.Current.CancellationToken));
        Assert.False(await portal.Factory.WithDbAsync(db => db.AuditEvents.AnyAsync(a => a.RecordingId == upload.Id && a.Action == "recording.recorded-at-bedside")));

        await WithServiceAsync<RecordingService>(s => s.RecordBedsideConsentAsync(upload.Id, 5.04, 1234, "video/webm", TestContext.Current.CancellationToken));
        var consent = await portal.Factory.WithDbAsync(db => db.AuditEvents.SingleAsync(a => a.RecordingId == upload.Id && a.Action == "recording.recorded-at-bedside"));
        Assert.Equal(PortalFactory.EmailOf(Roles.Coordinator), consent.User);
        Assert.Equal(portal.StudyId, consent.StudyId);
        Assert.Contains("confirmed before the camera opened", consent.After);
        Assert.Contains(participant, consent.After);
        Assert.Contains("5", consent.After);
    }

    [Fact]
    public async Task Participant_codes_are_validated_and_unique_per_study()
    {
        var e = await Assert.ThrowsAsync<PortalValidationException>(() =>
            WithServiceAsync<RecordingService>(s => s.CreateParticipantAsync(portal.StudyId, "Jane Doe")));
        Assert.Contains("never a name", e.Message);
        await Assert.ThrowsAsync<PortalValidationException>(() =>
            WithServiceAsync<RecordingService>(s => s.CreateParticipantAsync(portal.StudyId, PortalFixture.ParticipantCode)));
        await WithServiceAsync<RecordingService>(s => s.CreateParticipantAsync(portal.StudyId, "P-777"));
    }

    private async Task WithServiceAsync<T>(Func<T, Task> work) where T : notnull
    {
        using var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Coordinator));
        await work(scope.ServiceProvider.GetRequiredService<T>());
    }
}
