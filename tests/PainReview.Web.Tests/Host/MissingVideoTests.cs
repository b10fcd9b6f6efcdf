using System.Net;
using PainReview.Data.Entities;
using PainReview.Web.Features;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>Host: an analysed recording whose video file is gone opens for review and its media answer with a sentence, never a 500.</summary>
[Collection(PortalCollection.Name)]
public sealed class MissingVideoTests(PortalFixture portal)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_recording_without_its_video_file_still_opens_and_its_media_say_why_not()
    {
        var id = await portal.Factory.WithDbAsync(async db =>
        {
            var participant = db.Participants.First(p => p.StudyId == portal.StudyId);
            var recording = new Recording
            {
                StudyId = portal.StudyId, ParticipantId = participant.Id, OriginalFileName = "gone.mp4", StoredFileName = $"gone-{Guid.NewGuid():N}.mp4",
                Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), UploadedBy = "fixture", Status = RecordingStatus.Completed,
                Frames = 1, UsableFrames = 1,
            };
            recording.FrameResults.Add(new FrameResult { FrameIndex = 0, TimeSeconds = 0, Face = true, Usable = true, Apex = true, Hpii = 1 });
            db.Recordings.Add(recording);
            await db.SaveChangesAsync(Ct);
            return recording.Id;
        });
        var client = await portal.Factory.SignedInAsync(PortalFactory.EmailOf(Roles.Clinician));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/review/{id}", Ct)).StatusCode);

        using var video = new HttpRequestMessage(HttpMethod.Get, $"/media/recordings/{id}/video");
        video.Headers.Add(PortalEndpoints.ApiHeader, "1");
        var response = await client.SendAsync(video, Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no longer in the store", await response.Content.ReadAsStringAsync(Ct));

        var thumbnail = await client.GetAsync($"/media/recordings/{id}/frames/0.jpg", Ct);
        Assert.Equal(HttpStatusCode.NotFound, thumbnail.StatusCode);
    }
}
