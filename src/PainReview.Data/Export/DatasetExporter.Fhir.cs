using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.EntityFrameworkCore;
using PainReview.Data.Review;

namespace PainReview.Data.Export;

/// <summary>
/// The FHIR R4 export (Firely SDK): one Bundle (type collection) per recording, one per line
/// (NDJSON, as FHIR bulk data is written). Each Bundle holds the self-reported VAS (LOINC 38214-3),
/// the clinician's corrected VAS (status amended, with the reason), HPII and PSPI as
/// device-derived observations (method, the Device naming the app and the model hashes,
/// derivedFrom the recording's Media), the subject always as the study's pseudonymous code.
/// </summary>
public sealed partial class DatasetExporter
{
    /// <summary>Serialises and parses FHIR R4 JSON (strict: what does not conform to R4 is refused).</summary>
    public static readonly JsonSerializerOptions FhirJson = new JsonSerializerOptions().ForFhir();

    private async Task<long> WriteFhirAsync(Stream output, ExportRequest request, List<Guid> ids, string appVersion, CancellationToken ct)
    {
        long frames = 0;
        var newline = "\n"u8.ToArray();
        foreach (var id in ids)
        {
            var row = await RecordingRowAsync(id, ct);
            var bundle = await FhirBundleAsync(request.StudyId, row, appVersion, ct);
            await JsonSerializer.SerializeAsync(output, bundle, FhirJson, ct);
            await output.WriteAsync(newline, ct);
            frames += row.frames;
        }
        await output.FlushAsync(ct);
        return frames;
    }

    private async Task<Bundle> FhirBundleAsync(Guid studyId, RecordingRow row, string appVersion, CancellationToken ct)
    {
        var id = Guid.Parse(row.recording_id);
        var recording = await db.Recordings.AsNoTracking().Where(r => r.Id == id)
            .Select(r => new { r.SummaryJson, r.Container, r.UploadedUtc, r.FileBytes }).SingleAsync(ct);
        var correction = await db.VasCorrections.AsNoTracking().Where(c => c.RecordingId == id)
            .OrderByDescending(c => c.AtUtc).ThenByDescending(c => c.Id).FirstOrDefaultAsync(ct);
        var selfFix = await db.Corrections.AsNoTracking().Where(c => c.RecordingId == id && c.Field == "vasSelfReport")
            .OrderByDescending(c => c.AtUtc).ThenByDescending(c => c.Id).FirstOrDefaultAsync(ct);
        var verdicts = await db.ReviewDecisions.AsNoTracking().Where(d => d.RecordingId == id).ToDictionaryAsync(d => d.FrameIndex, ct);
        var pspiFrames = await db.FrameResults.AsNoTracking().Where(f => f.RecordingId == id && f.Pspi != null)
            .Select(f => new { f.FrameIndex, f.Apex, f.Pspi }).ToListAsync(ct);
        var pspiAccepted = pspiFrames.Where(f => ReviewRules.CountsAsAccepted(ReviewRules.VerdictOf(f.Apex, verdicts.GetValueOrDefault(f.FrameIndex))))
            .Select(f => f.Pspi!.Value).ToList();
        var provenance = AnalysisProvenance.Of(recording.SummaryJson);

        var subject = new ResourceReference
        {
            Identifier = new Identifier(FhirCodes.ParticipantSystem(studyId), row.participant),
            Display = row.participant,
        };
        DataType effective = row.recorded_on is { } day ? new FhirDateTime(day) : new FhirDateTime(new DateTimeOffset(recording.UploadedUtc, TimeSpan.Zero));
        var signed = row.signed_utc is not null;
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Collection,
            Identifier = new Identifier(FhirCodes.RecordingSystem, row.recording_id),
            Timestamp = DateTimeOffset.UtcNow,
        };
        string Add(Resource resource)
        {
            var url = "urn:uuid:" + Guid.NewGuid();
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = url, Resource = resource });
            return url;
        }

        // The software that derived the scores: the app and each model by its SHA-256.
        var device = new Device
        {
            Identifier = [new Identifier(FhirCodes.DeviceSystem, $"PainReview {appVersion}")],
            Status = Device.FHIRDeviceStatus.Active,
            DeviceName =
            [
                new Device.DeviceNameComponent { Name = "PainReview", Type = DeviceNameType.ManufacturerName },
                new Device.DeviceNameComponent { Name = $"PainReview {appVersion} facial action unit analysis", Type = DeviceNameType.ModelName },
            ],
            Type = new CodeableConcept { Text = "Software: facial action units, HPII and PSPI from facial video" },
            Version = [new Device.VersionComponent { Type = new CodeableConcept { Text = "application" }, Value = appVersion }],
        };
        if (provenance?.Tool.Version is { } analysedWith && analysedWith != appVersion)
            device.Version.Add(new Device.VersionComponent { Type = new CodeableConcept { Text = "application at analysis" }, Value = analysedWith });
        foreach (var model in provenance?.Models ?? [])
        {
            device.Version.Add(new Device.VersionComponent
            {
                Type = new CodeableConcept(FhirCodes.ModelSystem, model.Name, $"{model.Name} model (SHA-256)"),
                Value = model.Sha256,
            });
        }
        var deviceUrl = Add(device);

        // The recording itself, without its content or file name: what HPII and PSPI were derived from.
        var media = new Media
        {
            Identifier = [new Identifier(FhirCodes.RecordingSystem, row.recording_id), new Identifier(FhirCodes.Sha256System, row.file_sha256)],
            Status = EventStatus.Completed,
            Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/media-type", "video", "Video"),
            Subject = subject,
            Created = effective,
            Content = new Attachment { ContentType = ContentTypeOf(recording.Container) },
        };
        if (row.duration_s is { } seconds) media.Duration = Round(seconds);
        if (row.frames > 0) media.Frames = row.frames;
        var mediaUrl = Add(media);

        string? selfUrl = null;
        if (row.vas_self_report is { } self)
        {
            var observation = new Observation
            {
                Identifier = [new Identifier(FhirCodes.RecordingSystem, $"{row.recording_id}/vas-self-report")],
                Status = selfFix is null ? ObservationStatus.Final : ObservationStatus.Corrected,
                Category = [FhirCodes.Category("survey", "Survey")],
                Code = FhirCodes.VasLoinc,
                Subject = subject,
                Effective = effective,
                Value = Score(self),
                Method = new CodeableConcept { Text = "Self-reported by the participant at the recording (visual analogue scale 0-10)" },
            };
            if (selfFix is not null)
                observation.Note.Add(new Annotation
                {
                    Text = $"The self-report was entered as {selfFix.Before} and corrected to {selfFix.After}: {selfFix.Reason}",
                    Author = new FhirString(selfFix.CorrectedBy),
                    Time = new DateTimeOffset(selfFix.AtUtc, TimeSpan.Zero).ToString("o", CultureInfo.InvariantCulture),
                });
            selfUrl = Add(observation);
        }

        if (correction is not null)
        {
            var amended = new Observation
            {
                Identifier = [new Identifier(FhirCodes.RecordingSystem, $"{row.recording_id}/vas-corrected")],
                Status = ObservationStatus.Amended,
                Category = [FhirCodes.Category("survey", "Survey")],
                Code = FhirCodes.VasLoinc,
                Subject = subject,
                Effective = effective,
                Issued = new DateTimeOffset(correction.AtUtc, TimeSpan.Zero),
                Value = Score(correction.Value),
                Method = new CodeableConcept { Text = "Corrected by a clinician reviewing the recording; the self-report is kept beside it" },
                Note =
                [
                    new Annotation
                    {
                        Text = correction.Reason,
                        Author = new FhirString(correction.CorrectedBy),
                        Time = new DateTimeOffset(correction.AtUtc, TimeSpan.Zero).ToString("o", CultureInfo.InvariantCulture),
                    },
                ],
            };
            if (selfUrl is not null) amended.DerivedFrom.Add(new ResourceReference(selfUrl));
            Add(amended);
        }

        var config = provenance?.Config;
        var hpiiConfig = config?["hpii"]?.ToJsonString() ?? "{}";
        var apexConfig = config?["apex"]?.ToJsonString() ?? "{}";
        var status = signed ? ObservationStatus.Final : ObservationStatus.Preliminary;
        var review = signed
            ? $"Review signed ({row.signature_meaning}) by {row.signed_by} at {row.signed_utc}"
            : "Not yet reviewed: preliminary";
        var counts = new List<Observation.ComponentComponent>
        {
            Count("apex-accepted", "APEX frames accepted by a reviewer", row.apex_accepted),
            Count("apex-added", "Frames added by a reviewer", row.apex_added),
            Count("apex-pending", "Machine APEX frames nobody has decided on (not accepted)", row.apex_pending),
            Count("apex-rejected", "APEX frames rejected by a reviewer", row.apex_rejected),
            Count("usable-frames", "Frames with a usable face", row.usable_frames),
            Count("frames", "Frames analysed", row.frames),
        };

        var hpii = DeviceObservation("hpii", "Headache Pain Intensity Index (HPII) over accepted APEX frames", row.hpii_mean_accepted_apex,
            new CodeableConcept(FhirCodes.ScoreSystem, "hpii-accepted-apex", "HPII mean over accepted and added APEX frames")
            {
                Text = $"HPII = w4*AU4 + w67*combine(AU6, AU7) + w9*AU9 per frame ({hpiiConfig}), averaged over the APEX frames a reviewer accepted or added; APEX selection {apexConfig}. Pending frames are not accepted.",
            });
        hpii.Component.Add(Measure("hpii-mean-all", "HPII mean over all usable frames", row.hpii_mean_all));
        hpii.Component.Add(Measure("hpii-mean-apex", "HPII mean over the machine's APEX frames, before review", row.hpii_mean_apex));
        hpii.Component.Add(Measure("hpii-peak", "HPII peak", row.hpii_peak));
        hpii.Component.AddRange(counts.Select(c => (Observation.ComponentComponent)c.DeepCopy()));

        var pspi = DeviceObservation("pspi", "Prkachin and Solomon Pain Intensity (PSPI) over accepted APEX frames",
            pspiAccepted.Count > 0 ? pspiAccepted.Average() : null,
            new CodeableConcept(FhirCodes.ScoreSystem, "pspi-accepted-apex", "PSPI mean over accepted and added APEX frames")
            {
                Text = "PSPI = AU4 + max(AU6, AU7) + max(AU9, AU10) + AU43 per frame, averaged over the APEX frames a reviewer accepted or added. Pending frames are not accepted.",
            });
        pspi.Component.Add(Measure("pspi-mean-all", "PSPI mean over all usable frames", row.pspi_mean_all));
        pspi.Component.AddRange(counts);
        Add(hpii);
        Add(pspi);
        return bundle;

        Observation DeviceObservation(string code, string display, double? value, CodeableConcept method)
        {
            var observation = new Observation
            {
                Identifier = [new Identifier(FhirCodes.RecordingSystem, $"{row.recording_id}/{code}")],
                Status = status,
                Category = [FhirCodes.Category("exam", "Exam")],
                Code = new CodeableConcept(FhirCodes.ScoreSystem, code, display),
                Subject = subject,
                Effective = effective,
                Method = method,
                Device = new ResourceReference(deviceUrl),
                DerivedFrom = [new ResourceReference(mediaUrl)],
                Note = [new Annotation { Text = review }, new Annotation { Text = Notice }],
            };
            if (row.signed_utc is { } at) observation.Issued = DateTimeOffset.Parse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            if (value is { } v) observation.Value = Score(v);
            else observation.DataAbsentReason = new CodeableConcept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "not-performed", "Not Performed")
            {
                Text = "No APEX frame has been accepted by a reviewer (pending frames do not count)",
            };
            return observation;
        }
    }

    private static decimal Round(double value) => Math.Round((decimal)value, 4);

    private static Quantity Score(double value) =>
        new() { Value = Round(value), Unit = "score", System = "http://unitsofmeasure.org", Code = "{score}" };

    private static Observation.ComponentComponent Measure(string code, string display, double? value)
    {
        var component = new Observation.ComponentComponent { Code = new CodeableConcept(FhirCodes.ScoreSystem, code, display) };
        if (value is { } v) component.Value = Score(v);
        else component.DataAbsentReason = new CodeableConcept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "not-applicable", "Not Applicable");
        return component;
    }

    private static Observation.ComponentComponent Count(string code, string display, int value) =>
        new() { Code = new CodeableConcept(FhirCodes.ScoreSystem, code, display), Value = new Integer(value) };

    private static string ContentTypeOf(string? container) => (container ?? "").ToLowerInvariant() switch
    {
        var c when c.Contains("mp4", StringComparison.Ordinal) || c.Contains("mov", StringComparison.Ordinal) => "video/mp4",
        var c when c.Contains("webm", StringComparison.Ordinal) || c.Contains("matroska", StringComparison.Ordinal) => "video/webm",
        var c when c.Contains("avi", StringComparison.Ordinal) => "video/x-msvideo",
        var c when c.Contains("asf", StringComparison.Ordinal) => "video/x-ms-wmv",
        _ => "application/octet-stream",
    };
}

/// <summary>The code systems and identifiers of PainReview's FHIR export.</summary>
public static class FhirCodes
{
    public const string ScoreSystem = "urn:painreview:fhir:score";
    public const string RecordingSystem = "urn:painreview:recording";
    public const string DeviceSystem = "urn:painreview:device";
    public const string ModelSystem = "urn:painreview:model";
    public const string Sha256System = "urn:painreview:sha256";

    /// <summary>Participants are identified by their pseudonymous code, unique within one study.</summary>
    public static string ParticipantSystem(Guid studyId) => $"urn:painreview:study:{studyId}:participant";

    /// <summary>Pain severity [Score] Visual analog score.</summary>
    public static CodeableConcept VasLoinc => new("http://loinc.org", "38214-3", "Pain severity [Score] Visual analog score");

    public static CodeableConcept Category(string code, string display) =>
        new("http://terminology.hl7.org/CodeSystem/observation-category", code, display);
}
