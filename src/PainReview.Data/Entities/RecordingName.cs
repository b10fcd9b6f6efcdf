using System.Globalization;

namespace PainReview.Data.Entities;

/// <summary>
/// What a recording is called wherever it is shown: the participant's code, the timepoint and the
/// recording date ("P-001 · week 4 · 2026-11-03"). The uploader's file name can name a person
/// (John_Smith_2026-11-03.mp4): it stays metadata that only the study's Coordinators (and Admins)
/// see, never a reviewer's page, an export or the API.
/// </summary>
public static class RecordingName
{
    public static string Of(string participant, string? timepoint, DateOnly? recordedOn) =>
        string.Join(" · ", new[]
        {
            participant,
            string.IsNullOrWhiteSpace(timepoint) ? "no timepoint" : timepoint.Trim(),
            recordedOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "undated",
        });

    public static string Of(Recording recording) => Of(recording.Participant?.Code ?? "?", recording.Timepoint, recording.RecordedOn);
}
