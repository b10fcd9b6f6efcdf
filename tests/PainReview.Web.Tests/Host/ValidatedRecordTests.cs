using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PainReview.Data.Entities;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Features.Review;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>
/// Host: what the export calls validated is: with no decisions every machine APEX frame is pending
/// and none accepted; corrections keep the original (shown and exported beside the value in force);
/// codes are unique whatever their case; a signed recording refuses corrections; a withdrawn
/// participant leaves exports.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class ValidatedRecordTests(PortalFixture portal) : IDisposable
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    private async Task<(Guid Study, Guid Recording)> StudyWithRecordingAsync()
    {
        var studyId = await portal.Factory.WithDbAsync(async db =>
        {
            var study = new Study { Name = "Validated " + Guid.NewGuid().ToString("N")[..6], CreatedBy = "fixture" };
            study.Participants.Add(new Participant { Code = "V-01" });
            study.Participants.Add(new Participant { Code = "V-02" });
            db.Studies.Add(study);
            await db.SaveChangesAsync();
            await Members.AddRoleUsersAsync(db, study.Id);
            return study.Id;
        });
        var clip = _temp.File($"{Guid.NewGuid():N}.mp4");
        Ffmpeg.Run("-i", TestEnvironment.Clip("WolfgangLanger_Pexels.mp4"), "-t", "6", "-an", "-c:v", "libx264", "-preset", "ultrafast", "-metadata", $"comment={Guid.NewGuid()}", clip);
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Coordinator));
        var upload = await Uploads.UploadFileAsync(client, studyId, clip, participant: "V-01");
        Assert.Equal(RecordingStatus.Completed, (await portal.Factory.WaitForAnalysisAsync(upload.Id)).Status);
        return (studyId, upload.Id);
    }

    private async Task<JsonElement> ExportAsync(Guid study)
    {
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.DataManager));
        var response = await client.GetAsync($"/data/export?study={study}&format=json&unreviewed=true", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
    }

    private async Task AsCoordinatorAsync(Func<RecordCorrections, Task> work)
    {
        using var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Coordinator));
        await work(scope.ServiceProvider.GetRequiredService<RecordCorrections>());
    }

    [Fact]
    public async Task The_record_keeps_pending_frames_originals_and_signatures_apart()
    {
        var (study, id) = await StudyWithRecordingAsync();

        // Nobody has decided: 0 accepted, every machine APEX frame pending, in the table and per frame.
        var export = await ExportAsync(study);
        var recording = export.GetProperty("recordings")[0];
        var apexFrames = recording.GetProperty("apex_frames").GetInt32();
        Assert.True(apexFrames > 0);
        Assert.Equal(0, recording.GetProperty("apex_accepted").GetInt32());
        Assert.Equal(apexFrames, recording.GetProperty("apex_pending").GetInt32());
        Assert.Equal(JsonValueKind.Null, recording.GetProperty("hpii_mean_accepted_apex").ValueKind);
        var frames = recording.GetProperty("frames").EnumerateArray().ToList();
        Assert.All(frames.Where(f => f.GetProperty("apex").GetBoolean()), f => Assert.Equal("pending", f.GetProperty("review").GetString()));
        Assert.Contains("nobody has decided", export.GetProperty("manifest").GetProperty("review_states").GetProperty("pending").GetString());

        // Corrections keep the original beside the value in force.
        var missingReason = await Assert.ThrowsAsync<PortalValidationException>(() => AsCoordinatorAsync(c => c.CorrectRecordingAsync(id, "timepoint", "week 4", " ")));
        Assert.Contains("reason", missingReason.Message);
        var future = await Assert.ThrowsAsync<PortalValidationException>(() => AsCoordinatorAsync(c => c.CorrectRecordingAsync(id, "recordedOn", DateTime.UtcNow.AddDays(3).ToString("yyyy-MM-dd"), "typo")));
        Assert.Contains("future", future.Message);
        await Assert.ThrowsAsync<PortalValidationException>(() => AsCoordinatorAsync(c => c.CorrectRecordingAsync(id, "vasSelfReport", "NaN", "typo")));
        await AsCoordinatorAsync(c => c.CorrectRecordingAsync(id, "timepoint", "week 4", "visit was week 4, not baseline"));
        await AsCoordinatorAsync(c => c.CorrectRecordingAsync(id, "vasSelfReport", "5", "transcription error on the form"));
        await AsCoordinatorAsync(c => c.CorrectRecordingAsync(id, "recordedOn", "2026-11-03", "date was missing"));
        await AsCoordinatorAsync(c => c.CorrectRecordingAsync(id, "participant", "v-02", "uploaded under the wrong code"));
        var corrected = (await ExportAsync(study)).GetProperty("recordings")[0];
        Assert.Equal("week 4", corrected.GetProperty("timepoint").GetString());
        Assert.Equal("baseline", corrected.GetProperty("timepoint_original").GetString());
        Assert.Equal(5, corrected.GetProperty("vas_self_report").GetDouble());
        Assert.Equal(4, corrected.GetProperty("vas_self_report_original").GetDouble());
        Assert.Equal("V-02", corrected.GetProperty("participant").GetString());
        Assert.Equal("V-01", corrected.GetProperty("participant_original").GetString());
        Assert.Equal("2026-11-03", corrected.GetProperty("recorded_on").GetString());
        var audit = await portal.Factory.WithDbAsync(db => db.AuditEvents.Where(a => a.RecordingId == id && a.Action == "recording.corrected").ToListAsync());
        Assert.Equal(4, audit.Count);
        Assert.Contains(audit, a => a.Before!.Contains("baseline") && a.After!.Contains("week 4") && a.Reason == "visit was week 4, not baseline");

        // A signed recording refuses corrections until its review is reopened.
        using (var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Clinician)))
        {
            var review = scope.ServiceProvider.GetRequiredService<ReviewService>();
            var model = (await review.LoadAsync(id))!;
            await review.SignAsync(id, model.Recording.ReviewVersion, PortalFactory.Password, "Reviewed");
        }
        await Assert.ThrowsAsync<SignedRecordException>(() => AsCoordinatorAsync(c => c.CorrectRecordingAsync(id, "timepoint", "week 5", "again")));
        var signed = (await ExportAsync(study)).GetProperty("recordings")[0];
        Assert.Equal("Reviewed", signed.GetProperty("review_state").GetString());
        Assert.Equal(PortalFactory.EmailOf(Roles.Clinician), signed.GetProperty("signed_by_email").GetString());
        Assert.Equal("Reviewed", signed.GetProperty("signature_meaning").GetString());
        Assert.Equal(64, signed.GetProperty("signature_record_hash").GetString()!.Length);
    }

    [Fact]
    public async Task Codes_are_unique_whatever_their_case_and_corrected_or_withdrawn_with_a_reason()
    {
        var (study, _) = await StudyWithRecordingAsync();
        var twin = await Assert.ThrowsAsync<PortalValidationException>(async () =>
        {
            using var scope = await portal.Factory.ScopeAsAsync(PortalFactory.EmailOf(Roles.Coordinator));
            await scope.ServiceProvider.GetRequiredService<RecordingService>().CreateParticipantAsync(study, "v-01");
        });
        Assert.Contains("whatever their case", twin.Message);

        var (first, second) = await portal.Factory.WithDbAsync(async db => (
            await db.Participants.SingleAsync(p => p.StudyId == study && p.Code == "V-01"),
            await db.Participants.SingleAsync(p => p.StudyId == study && p.Code == "V-02")));
        await Assert.ThrowsAsync<PortalValidationException>(() => AsCoordinatorAsync(c => c.CorrectCodeAsync(second.Id, "v-01", "merge")));
        await AsCoordinatorAsync(c => c.CorrectCodeAsync(second.Id, "V-20", "code mistyped at enrolment"));
        var correction = await portal.Factory.WithDbAsync(db => db.Corrections.SingleAsync(c => c.ParticipantId == second.Id));
        Assert.Equal(("V-02", "V-20", "code"), (correction.Before, correction.After, correction.Field));

        Assert.Equal(1, (await ExportAsync(study)).GetProperty("recordings").GetArrayLength());
        await Assert.ThrowsAsync<PortalValidationException>(() => AsCoordinatorAsync(c => c.WithdrawAsync(first.Id, "")));
        await AsCoordinatorAsync(c => c.WithdrawAsync(first.Id, "withdrew consent at week 2"));
        // Kept, but left out of exports from then on.
        Assert.Equal(0, (await ExportAsync(study)).GetProperty("recordings").GetArrayLength());
        Assert.True(await portal.Factory.WithDbAsync(db => db.Recordings.AnyAsync(r => r.ParticipantId == first.Id)));
        Assert.Equal("participant.withdrawn", await portal.Factory.WithDbAsync(db => db.AuditEvents.Where(a => a.EntityId == first.Id.ToString()).OrderBy(a => a.Id).Select(a => a.Action).LastAsync()));
    }
}
