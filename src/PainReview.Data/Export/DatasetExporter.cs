using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parquet;
using Parquet.Serialization;
using PainReview.Data.Entities;
using PainReview.Data.Review;

namespace PainReview.Data.Export;

public enum ExportFormat { Csv, Json, Parquet, Fhir }

/// <param name="IncludeUnreviewed">Also export analysed recordings that no clinician has marked reviewed.</param>
/// <param name="IncludeVideo">Add the original videos (identifiable faces): only when explicitly asked.</param>
public sealed record ExportRequest(
    Guid StudyId, ExportFormat Format, string ExportedBy, bool IncludeUnreviewed = false, bool IncludeVideo = false,
    IReadOnlyCollection<Guid>? RecordingIds = null, string? VideoStore = null);

public sealed record ExportResult(string FileName, string ContentType, int Recordings, long Frames);

/// <summary>
/// Writes a validated, pseudonymised dataset of one study: recordings, frames, reviewer decisions
/// and audit, with a provenance manifest. Recordings are read and written one at a time, so a
/// cohort of hundreds never sits in memory. The output must be seekable (a file).
/// </summary>
public sealed partial class DatasetExporter(PainReviewDbContext db)
{
    public const string Notice = "Scores complement self-report and clinical judgement; they do not replace them.";

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>
    /// The recordings an export of the study carries: analysed, signed unless unreviewed ones are asked
    /// for; withdrawn participants' data is kept but leaves no more; deleted recordings are hidden by
    /// the query filter. The export page counts with the same query.
    /// </summary>
    public static IQueryable<Recording> Exported(PainReviewDbContext db, Guid studyId, bool includeUnreviewed)
    {
        var query = db.Recordings.AsNoTracking().Where(r => r.StudyId == studyId && r.Status == RecordingStatus.Completed && r.Participant!.WithdrawnUtc == null);
        return includeUnreviewed ? query : query.Where(r => r.ReviewState == ReviewState.Reviewed);
    }

    public async Task<ExportResult> ExportAsync(ExportRequest request, Stream output, string appVersion, CancellationToken cancellationToken = default)
    {
        var study = await db.Studies.AsNoTracking().SingleOrDefaultAsync(s => s.Id == request.StudyId, cancellationToken)
            ?? throw new InvalidOperationException("That study does not exist.");
        var query = Exported(db, request.StudyId, request.IncludeUnreviewed);
        if (request.RecordingIds is { Count: > 0 } ids) query = query.Where(r => ids.Contains(r.Id));
        var recordingIds = await query.OrderBy(r => r.UploadedUtc).Select(r => r.Id).ToListAsync(cancellationToken);

        var manifest = await ManifestAsync(study, request, recordingIds, appVersion, cancellationToken);
        var stem = $"painreview-{Slug(study.Name)}-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        long frames = 0;
        switch (request.Format)
        {
            case ExportFormat.Json:
                frames = await WriteJsonAsync(output, manifest, request.StudyId, recordingIds, cancellationToken);
                return new ExportResult(stem + ".json", "application/json", recordingIds.Count, frames);
            case ExportFormat.Fhir:
                if (request.IncludeVideo) throw new InvalidDataException("Raw video goes only into CSV or Parquet exports: the FHIR export holds results, not faces.");
                frames = await WriteFhirAsync(output, request, recordingIds, appVersion, cancellationToken);
                return new ExportResult(stem + "-fhir.ndjson", "application/fhir+ndjson", recordingIds.Count, frames);
            case ExportFormat.Csv:
            case ExportFormat.Parquet:
                using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
                {
                    await WriteEntryAsync(zip, "manifest.json", s => JsonSerializer.SerializeAsync(s, manifest, Json, cancellationToken));
                    frames = request.Format == ExportFormat.Csv
                        ? await WriteCsvTablesAsync(zip, request.StudyId, recordingIds, cancellationToken)
                        : await WriteParquetTablesAsync(zip, request.StudyId, recordingIds, cancellationToken);
                    if (request.IncludeVideo) await WriteVideosAsync(zip, request, recordingIds, cancellationToken);
                }
                return new ExportResult(stem + (request.Format == ExportFormat.Csv ? "-csv.zip" : "-parquet.zip"), "application/zip", recordingIds.Count, frames);
            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Format, null);
        }
    }

    private async Task<JsonObject> ManifestAsync(Study study, ExportRequest request, List<Guid> ids, string appVersion, CancellationToken ct)
    {
        var recordings = new JsonArray();
        var analyses = new Dictionary<string, (JsonNode Config, JsonNode Models, List<string> Recordings)>();
        foreach (var id in ids)
        {
            var r = await db.Recordings.AsNoTracking().Where(x => x.Id == id)
                .Select(x => new { x.Id, x.Participant!.Code, x.ReviewState, x.ReviewedBy, x.ReviewedUtc, x.Sha256, x.SummaryJson, x.ProtocolVersion })
                .SingleAsync(ct);
            var signatures = await db.ReviewSignatures.AsNoTracking().Where(s => s.RecordingId == id).OrderBy(s => s.SignedUtc).ToListAsync(ct);
            recordings.Add(new JsonObject
            {
                ["recording_id"] = r.Id.ToString(), ["participant"] = r.Code, ["review_state"] = r.ReviewState.ToString(),
                ["reviewed_by"] = r.ReviewedBy, ["reviewed_utc"] = r.ReviewedUtc?.ToString("O"), ["file_sha256"] = r.Sha256,
                ["protocol_version"] = r.ProtocolVersion,
                ["signatures"] = new JsonArray(signatures.Select(s => (JsonNode)new JsonObject
                {
                    ["signer"] = s.SignerName, ["email"] = s.SignerEmail, ["signed_utc"] = s.SignedUtc.ToString("O"), ["meaning"] = s.Meaning,
                    ["record_hash"] = s.RecordHash, ["analysis"] = s.AnalysisVersion, ["protocol_version"] = s.ProtocolVersion, ["voided"] = !s.IsActive,
                    ["voided_utc"] = s.VoidedUtc?.ToString("O"), ["voided_by"] = s.VoidedBy, ["void_reason"] = s.VoidReason,
                }).ToArray()),
            });
            if (AnalysisProvenance.Of(r.SummaryJson) is not { } provenance) continue;
            JsonNode config = provenance.Config;
            var models = provenance.ModelsNode();
            var key = config.ToJsonString() + models.ToJsonString();
            if (!analyses.TryGetValue(key, out var group)) analyses[key] = group = (config, models, []);
            group.Recordings.Add(r.Id.ToString());
        }
        // The study's protocol in force and every earlier version (the scores of each recording name theirs).
        var protocols = await db.StudyProtocols.AsNoTracking().Where(p => p.StudyId == study.Id).OrderByDescending(p => p.Version).ToListAsync(ct);
        JsonNode ProtocolNode(StudyProtocol p) => new JsonObject
        {
            ["version"] = p.Version, ["changed_utc"] = p.CreatedUtc.ToString("O"), ["changed_by"] = p.CreatedBy, ["reason"] = p.Reason,
            ["configuration"] = JsonNode.Parse(p.ConfigJson),
        };
        var protocol = protocols.Count > 0 ? ProtocolNode(protocols[0]) : new JsonObject { ["version"] = 1, ["configuration"] = null, ["note"] = "the defaults (no protocol recorded)" };
        return new JsonObject
        {
            ["app"] = new JsonObject { ["name"] = "PainReview", ["version"] = appVersion },
            ["protocol"] = protocol,
            ["protocol_history"] = new JsonArray(protocols.Skip(1).Select(ProtocolNode).ToArray()),
            ["exported_by"] = request.ExportedBy,
            ["exported_utc"] = DateTime.UtcNow.ToString("O"),
            ["study"] = new JsonObject { ["name"] = study.Name, ["demo"] = study.IsDemo },
            ["format"] = request.Format.ToString(),
            ["selection"] = new JsonObject
            {
                ["reviewed_only"] = !request.IncludeUnreviewed,
                ["explicit_recordings"] = request.RecordingIds is { Count: > 0 },
                ["raw_video_included"] = request.IncludeVideo,
            },
            // Each distinct analysis setting (HPII and APEX configuration, baseline, smoothing,
            // quality limits) with the model hashes it ran with, and the recordings it produced.
            ["analyses"] = new JsonArray(analyses.Values.Select(a => (JsonNode)new JsonObject
            {
                ["configuration"] = a.Config, ["models"] = a.Models, ["recordings"] = new JsonArray(a.Recordings.Select(x => (JsonNode)JsonValue.Create(x)!).ToArray()),
            }).ToArray()),
            ["recordings"] = recordings,
            ["tables"] = request.Format == ExportFormat.Json ? "recordings[] with frames[], decisions[] and rater_decisions[]; audit[]" : "recordings, frames, decisions, rater_decisions, audit",
            ["review_states"] = new JsonObject
            {
                ["pending"] = "a machine APEX frame nobody has decided on: counted neither as accepted nor as rejected",
                ["accepted"] = "a machine APEX frame a reviewer accepted",
                ["rejected"] = "a machine APEX frame a reviewer rejected",
                ["added"] = "a frame the machine did not pick that a reviewer added",
                ["hpii_mean_apex"] = "over the machine's APEX frames, before review",
                ["hpii_mean_accepted_apex"] = "over accepted and added frames only (empty when none is accepted)",
                ["review_state"] = "Reviewed only while an electronic signature is in force (signed_by, signed_utc, signature_meaning, signature_record_hash: SHA-256 of the decisions, corrections, VAS in force and analysis version signed); a reopened review voids its signature, which stays listed as voided",
                ["decisions_in_force"] = "the decisions table holds the decisions in force; in a study with two independent reviews they are the spans both raters decided alike and, where they differed, the adjudicator's decision (rater_decisions holds each rater's and the adjudicator's own decisions; rater_signed_utc is empty while that rater has not signed, so their decisions may still change)",
                ["originals"] = "participant_original, timepoint_original, recorded_on_original and vas_self_report_original hold the values entered at upload where they were corrected since",
            },
            ["pseudonymisation"] = "participants by code only; no names, file names or faces unless raw video was explicitly included",
            ["notice"] = Notice,
        };
    }

    private async Task<RecordingRow> RecordingRowAsync(Guid id, CancellationToken ct)
    {
        var r = await db.Recordings.AsNoTracking().Include(x => x.Participant).SingleAsync(x => x.Id == id, ct);
        var correction = await db.VasCorrections.AsNoTracking().Where(c => c.RecordingId == id).OrderByDescending(c => c.AtUtc).ThenByDescending(c => c.Id).FirstOrDefaultAsync(ct);
        var decisions = await db.ReviewDecisions.AsNoTracking().Where(d => d.RecordingId == id).ToListAsync(ct);
        var frames = await db.FrameResults.AsNoTracking().Where(f => f.RecordingId == id).Select(f => new { f.FrameIndex, f.Apex, f.Hpii }).ToListAsync(ct);
        var verdicts = decisions.ToDictionary(d => d.FrameIndex);
        var accepted = frames.Where(f => f.Hpii != null && ReviewRules.CountsAsAccepted(ReviewRules.VerdictOf(f.Apex, verdicts.GetValueOrDefault(f.FrameIndex)))).ToList();
        var tally = ReviewRules.Tally(frames.Select(f => (f.FrameIndex, f.Apex)), verdicts);
        var signatures = await db.ReviewSignatures.AsNoTracking().Where(s => s.RecordingId == id).ToListAsync(ct);
        var signed = signatures.Where(s => s.IsActive).MaxBy(s => s.SignedUtc);
        var fixes = await db.Corrections.AsNoTracking().Where(c => c.RecordingId == id).OrderBy(c => c.AtUtc).ThenBy(c => c.Id).ToListAsync(ct);
        string? Original(string field) => fixes.FirstOrDefault(c => c.Field == field)?.Before;
        return new RecordingRow
        {
            recording_id = r.Id.ToString(), participant = r.Participant!.Code, timepoint = r.Timepoint, recorded_on = r.RecordedOn?.ToString("yyyy-MM-dd"),
            participant_original = Original("participant"), timepoint_original = Original("timepoint"), recorded_on_original = Original("recordedOn"),
            vas_self_report_original = Original("vasSelfReport") is { } v && double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ov) ? ov : null,
            signed_by = signed?.SignerName, signed_by_email = signed?.SignerEmail, signed_utc = signed?.SignedUtc.ToString("O"), signature_meaning = signed?.Meaning,
            signature_record_hash = signed?.RecordHash, signatures_voided = signatures.Count(s => !s.IsActive),
            vas_self_report = r.VasSelfReport, vas_corrected = correction?.Value, vas_correction_reason = correction?.Reason,
            vas_corrected_by = correction?.CorrectedBy, vas = correction?.Value ?? r.VasSelfReport,
            review_state = r.ReviewState.ToString(), reviewed_by = r.ReviewedBy, reviewed_utc = r.ReviewedUtc?.ToString("O"),
            protocol_version = r.ProtocolVersion, frames = r.Frames ?? 0, usable_frames = r.UsableFrames ?? 0, apex_frames = r.ApexFrames ?? 0,
            apex_pending = tally.Pending, apex_accepted = tally.Accepted, apex_rejected = tally.Rejected, apex_added = tally.Added,
            hpii_mean_all = r.HpiiMeanAll, hpii_mean_apex = r.HpiiMeanApex,
            hpii_mean_accepted_apex = accepted.Count > 0 ? accepted.Average(f => f.Hpii!.Value) : null,
            hpii_peak = r.HpiiPeak, pspi_mean_all = r.PspiMeanAll, duration_s = r.DurationSeconds, frame_rate = r.FrameRate, codec = r.Codec,
            file_sha256 = r.Sha256,
        };
    }

    private async Task<List<FrameRow>> FrameRowsAsync(Guid id, string participant, CancellationToken ct)
    {
        var verdicts = await db.ReviewDecisions.AsNoTracking().Where(d => d.RecordingId == id).ToDictionaryAsync(d => d.FrameIndex, ct);
        var rows = await db.FrameResults.AsNoTracking().Where(f => f.RecordingId == id).OrderBy(f => f.FrameIndex).ToListAsync(ct);
        return rows.Select(f => new FrameRow
        {
            recording_id = id.ToString(), participant = participant, frame = f.FrameIndex, time_s = f.TimeSeconds, face = f.Face, confidence = f.Confidence,
            yaw = f.Yaw, pitch = f.Pitch, roll = f.Roll, usable = f.Usable,
            AU01 = f.Au01, AU02 = f.Au02, AU04 = f.Au04, AU06 = f.Au06, AU07 = f.Au07, AU09 = f.Au09, AU10 = f.Au10, AU12 = f.Au12,
            AU15 = f.Au15, AU25 = f.Au25, AU26 = f.Au26, AU43 = f.Au43, hpii = f.Hpii, pspi = f.Pspi, apex = f.Apex, smile = f.Smile,
            review = ReviewRules.Label(ReviewRules.VerdictOf(f.Apex, verdicts.GetValueOrDefault(f.FrameIndex))),
        }).ToList();
    }

    private async Task<List<DecisionRow>> DecisionRowsAsync(Guid id, CancellationToken ct) =>
        (await db.ReviewDecisions.AsNoTracking().Where(d => d.RecordingId == id).OrderBy(d => d.FrameIndex).ToListAsync(ct))
        .Select(d => new DecisionRow
        {
            recording_id = id.ToString(), frame = d.FrameIndex, decision = d.Decision.ToString(), added_by_reviewer = d.AddedByReviewer,
            reason = d.Reason, reviewer = d.Reviewer, at_utc = d.AtUtc.ToString("O"), protocol_version = d.ProtocolVersion, was_apex = d.WasApex,
        }).ToList();

    private async Task<List<RaterDecisionRow>> RaterDecisionRowsAsync(Guid id, CancellationToken ct)
    {
        var signed = (await db.RaterAssignments.AsNoTracking().Where(a => a.RecordingId == id && a.SignedUtc != null).Select(a => new { a.Slot, a.SignedUtc }).ToListAsync(ct))
            .ToDictionary(a => a.Slot, a => a.SignedUtc!.Value);
        return (await db.RaterDecisions.AsNoTracking().Where(d => d.RecordingId == id).ToListAsync(ct))
            .OrderBy(d => d.Slot).ThenBy(d => d.FrameIndex)
            .Select(d => new RaterDecisionRow
            {
                recording_id = id.ToString(), rater = d.Slot.ToString().ToLowerInvariant(), reviewer = d.Reviewer, frame = d.FrameIndex,
                decision = d.Decision.ToString(), reason = d.Reason, at_utc = d.AtUtc.ToString("O"),
                rater_signed_utc = signed.TryGetValue(d.Slot, out var at) ? at.ToString("O") : null,
            }).ToList();
    }

    private async Task<List<AuditRow>> AuditRowsAsync(List<Guid> ids, Guid studyId, CancellationToken ct)
    {
        var events = await db.AuditEvents.AsNoTracking()
            .Where(a => (a.RecordingId != null && ids.Contains(a.RecordingId.Value)) || (a.StudyId == studyId && a.RecordingId == null))
            .OrderBy(a => a.Id).ToListAsync(ct);
        return events.Select(a => new AuditRow
        {
            at_utc = a.AtUtc.ToString("O"), user = a.User, action = a.Action, entity_type = a.EntityType, entity_id = a.EntityId,
            recording_id = a.RecordingId?.ToString(), before = Scrub(a.Before), after = Scrub(a.After), reason = a.Reason,
        }).ToList();
    }

    /// <summary>Uploaders' file names may name people: they are left out of exported audit details.</summary>
    public static string? Scrub(string? json)
    {
        if (json is null) return null;
        try
        {
            if (JsonNode.Parse(json) is JsonObject o && o.Remove("file")) return o.ToJsonString();
        }
        catch (JsonException) { }
        return json;
    }

    private async Task<long> WriteCsvTablesAsync(ZipArchive zip, Guid study, List<Guid> ids, CancellationToken ct)
    {
        var participants = new Dictionary<Guid, string>();
        await WriteCsvEntryAsync<RecordingRow>(zip, "recordings.csv", async csv =>
        {
            foreach (var id in ids)
            {
                var row = await RecordingRowAsync(id, ct);
                participants[id] = row.participant;
                await CsvTable<RecordingRow>.WriteRowsAsync(csv, [row]);
            }
        });
        long frames = 0;
        await WriteCsvEntryAsync<FrameRow>(zip, "frames.csv", async csv =>
        {
            foreach (var id in ids)
            {
                var rows = await FrameRowsAsync(id, participants[id], ct);
                await CsvTable<FrameRow>.WriteRowsAsync(csv, rows);
                frames += rows.Count;
            }
        });
        await WriteCsvEntryAsync<DecisionRow>(zip, "decisions.csv", async csv =>
        {
            foreach (var id in ids) await CsvTable<DecisionRow>.WriteRowsAsync(csv, await DecisionRowsAsync(id, ct));
        });
        await WriteCsvEntryAsync<RaterDecisionRow>(zip, "rater_decisions.csv", async csv =>
        {
            foreach (var id in ids) await CsvTable<RaterDecisionRow>.WriteRowsAsync(csv, await RaterDecisionRowsAsync(id, ct));
        });
        await WriteCsvEntryAsync<AuditRow>(zip, "audit.csv", async csv => await CsvTable<AuditRow>.WriteRowsAsync(csv, await AuditRowsAsync(ids, study, ct)));
        return frames;
    }

    private static async Task WriteCsvEntryAsync<T>(ZipArchive zip, string name, Func<TextWriter, Task> write)
    {
        await using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        await CsvTable<T>.WriteHeaderAsync(writer);
        await write(writer);
    }

    private async Task<long> WriteParquetTablesAsync(ZipArchive zip, Guid study, List<Guid> ids, CancellationToken ct)
    {
        var temporary = Directory.CreateTempSubdirectory("painreview-export-");
        try
        {
            var recordings = new List<RecordingRow>();
            foreach (var id in ids) recordings.Add(await RecordingRowAsync(id, ct));
            long frames = 0;
            var framesPath = Path.Combine(temporary.FullName, "frames.parquet");
            var decisionsPath = Path.Combine(temporary.FullName, "decisions.parquet");
            var raterDecisionsPath = Path.Combine(temporary.FullName, "rater_decisions.parquet");
            foreach (var recording in recordings)
            {
                // One row group per recording: only one recording's frames in memory at a time.
                var rows = await FrameRowsAsync(Guid.Parse(recording.recording_id), recording.participant, ct);
                await AppendParquetAsync(framesPath, rows, ct);
                frames += rows.Count;
                var decisions = await DecisionRowsAsync(Guid.Parse(recording.recording_id), ct);
                if (decisions.Count > 0) await AppendParquetAsync(decisionsPath, decisions, ct);
                var raterDecisions = await RaterDecisionRowsAsync(Guid.Parse(recording.recording_id), ct);
                if (raterDecisions.Count > 0) await AppendParquetAsync(raterDecisionsPath, raterDecisions, ct);
            }
            if (!File.Exists(raterDecisionsPath)) await AppendParquetAsync(raterDecisionsPath, new List<RaterDecisionRow>(), ct);
            if (!File.Exists(decisionsPath)) await AppendParquetAsync(decisionsPath, new List<DecisionRow>(), ct);
            if (!File.Exists(framesPath)) await AppendParquetAsync(framesPath, new List<FrameRow>(), ct);
            await WriteParquetEntryAsync(zip, "recordings.parquet", recordings, ct);
            await CopyEntryAsync(zip, "frames.parquet", framesPath, ct);
            await CopyEntryAsync(zip, "decisions.parquet", decisionsPath, ct);
            await CopyEntryAsync(zip, "rater_decisions.parquet", raterDecisionsPath, ct);
                await WriteParquetEntryAsync(zip, "audit.parquet", await AuditRowsAsync(ids, study, ct), ct);
            return frames;
        }
        finally
        {
            temporary.Delete(recursive: true);
        }
    }

    private static async Task AppendParquetAsync<T>(string path, List<T> rows, CancellationToken ct)
    {
        var append = File.Exists(path);
        await using var file = new FileStream(path, append ? FileMode.Open : FileMode.Create, FileAccess.ReadWrite);
        await ParquetSerializer.SerializeAsync(rows, file, new ParquetOptions { Append = append }, cancellationToken: ct);
    }

    private static async Task WriteParquetEntryAsync<T>(ZipArchive zip, string name, List<T> rows, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await ParquetSerializer.SerializeAsync(rows, buffer, cancellationToken: ct);
        buffer.Position = 0;
        await using var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        await buffer.CopyToAsync(entry, ct);
    }

    private static async Task CopyEntryAsync(ZipArchive zip, string name, string path, CancellationToken ct)
    {
        await using var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        await using var file = File.OpenRead(path);
        await file.CopyToAsync(entry, ct);
    }

    private static async Task WriteEntryAsync(ZipArchive zip, string name, Func<Stream, Task> write)
    {
        await using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
        await write(stream);
    }

    private async Task WriteVideosAsync(ZipArchive zip, ExportRequest request, List<Guid> ids, CancellationToken ct)
    {
        if (request.VideoStore is null) throw new InvalidOperationException("The video store is needed to include videos.");
        foreach (var id in ids)
        {
            var stored = await db.Recordings.Where(r => r.Id == id).Select(r => r.StoredFileName).SingleAsync(ct);
            var path = Path.Combine(request.VideoStore, stored);
            if (File.Exists(path)) await CopyEntryAsync(zip, $"videos/{id}{Path.GetExtension(stored)}", path, ct);
        }
    }

    private async Task<long> WriteJsonAsync(Stream output, JsonObject manifest, Guid study, List<Guid> ids, CancellationToken ct)
    {
        long frames = 0;
        await using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WritePropertyName("manifest");
        manifest.WriteTo(json);
        json.WriteStartArray("recordings");
        foreach (var id in ids)
        {
            var recording = await RecordingRowAsync(id, ct);
            var node = JsonSerializer.SerializeToNode(recording)!.AsObject();
            var frameRows = await FrameRowsAsync(id, recording.participant, ct);
            node["frames"] = JsonSerializer.SerializeToNode(frameRows);
            node["decisions"] = JsonSerializer.SerializeToNode(await DecisionRowsAsync(id, ct));
            node["rater_decisions"] = JsonSerializer.SerializeToNode(await RaterDecisionRowsAsync(id, ct));
            node.WriteTo(json);
            frames += frameRows.Count;
            await json.FlushAsync(ct); // one recording at a time leaves memory
        }
        json.WriteEndArray();
        json.WritePropertyName("audit");
        JsonSerializer.Serialize(json, await AuditRowsAsync(ids, study, ct));
        json.WriteEndObject();
        await json.FlushAsync(ct);
        return frames;
    }

    private static string Slug(string name)
    {
        var slug = new string(name.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        while (slug.Contains("--", StringComparison.Ordinal)) slug = slug.Replace("--", "-", StringComparison.Ordinal);
        return slug.Length == 0 ? "study" : slug[..Math.Min(40, slug.Length)];
    }
}
