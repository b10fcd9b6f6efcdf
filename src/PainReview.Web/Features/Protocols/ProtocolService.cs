using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Pipeline.Analysis;
using PainReview.Web.Features.Access;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Features.Protocols;

/// <summary>A protocol refused: one sentence per mistake.</summary>
public sealed class ProtocolInvalidException(IReadOnlyList<string> problems)
    : PortalValidationException(string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>The protocol someone else changed while this one was being edited.</summary>
public sealed class ProtocolConflictException(string message) : PortalValidationException(message)
{
    public override int StatusCode => StatusCodes.Status409Conflict;
}

/// <summary>One version of a study's protocol, with the progress of re-scoring the study under it.</summary>
public sealed record ProtocolVersion(int Version, AnalysisConfig Config, DateTime CreatedUtc, string CreatedBy, string? Reason,
    int RescoreTotal, int RescoreDone, int RescoreReanalysed, DateTime? RescoreStartedUtc, DateTime? RescoreFinishedUtc)
{
    public bool Rescoring => RescoreStartedUtc is not null && RescoreFinishedUtc is null;

    /// <summary>The API's shape: the CLI's --config JSON plus the version.</summary>
    public JsonObject ToJson()
    {
        var json = JsonSerializer.SerializeToNode(Config, AnalysisConfig.JsonOptions)!.AsObject();
        json.Insert(0, "version", Version);
        json["changedUtc"] = CreatedUtc;
        json["changedBy"] = CreatedBy;
        json["reason"] = Reason;
        json["rescore"] = new JsonObject
        {
            ["total"] = RescoreTotal, ["done"] = RescoreDone, ["reanalysed"] = RescoreReanalysed,
            ["finished"] = RescoreFinishedUtc is not null || RescoreStartedUtc is null,
        };
        return json;
    }
}

/// <summary>
/// A study's analysis protocol: which baseline, smoothing, HPII weights and rule, APEX rule and
/// quality limits score its recordings. Set when the study is created (version 1) and changed by
/// its Coordinators and Admins; every change is a new version, audited with a reason, and
/// re-scores the study from the stored frames in a background job.
/// </summary>
public sealed class ProtocolService(PainReviewDbContext db, StudyAccess access, AuditLog audit, Scheduling.IJobScheduler jobs)
{
    /// <summary>Names of the extra members the API's protocol document may carry beside the configuration.</summary>
    private static readonly string[] EnvelopeMembers = ["version", "reason", "changedUtc", "changedBy", "rescore"];

    private static readonly JsonSerializerOptions StrictJson = new(AnalysisConfig.JsonOptions)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The protocol in force (version 1 with the defaults where none was ever stored).</summary>
    public static async Task<ProtocolVersion> CurrentAsync(PainReviewDbContext db, Guid studyId, CancellationToken ct = default)
    {
        var row = await db.StudyProtocols.AsNoTracking().Where(p => p.StudyId == studyId).OrderByDescending(p => p.Version).FirstOrDefaultAsync(ct);
        return row is null ? new ProtocolVersion(1, new AnalysisConfig(), DateTime.MinValue, "system", "default protocol", 0, 0, 0, null, null) : Of(row);
    }

    public static ProtocolVersion Of(StudyProtocol row) => new(row.Version, ParseStored(row.ConfigJson), row.CreatedUtc, row.CreatedBy, row.Reason,
        row.RescoreTotal, row.RescoreDone, row.RescoreReanalysed, row.RescoreStartedUtc, row.RescoreFinishedUtc);

    private static AnalysisConfig ParseStored(string json) => JsonSerializer.Deserialize<AnalysisConfig>(json, AnalysisConfig.JsonOptions) ?? new AnalysisConfig();

    /// <summary>The protocol of a study the acting user may see.</summary>
    public async Task<ProtocolVersion> GetAsync(Guid studyId, CancellationToken ct = default)
    {
        await access.RequireStudyAsync(studyId, StudyPermission.View, "see its protocol");
        return await CurrentAsync(db, studyId, ct);
    }

    /// <summary>Every version of the study's protocol, newest first.</summary>
    public async Task<List<ProtocolVersion>> HistoryAsync(Guid studyId, CancellationToken ct = default)
    {
        await access.RequireStudyAsync(studyId, StudyPermission.View, "see its protocol");
        var rows = await db.StudyProtocols.AsNoTracking().Where(p => p.StudyId == studyId).OrderByDescending(p => p.Version).ToListAsync(ct);
        return rows.Count == 0 ? [await CurrentAsync(db, studyId, ct)] : rows.Select(Of).ToList();
    }

    /// <summary>Every mistake of a protocol for a study: the configuration's own rules and the portal's.</summary>
    public static IReadOnlyList<string> Problems(AnalysisConfig config)
    {
        var problems = config.Problems().ToList();
        if (problems.Count > 0) return problems;
        if (config.Baseline.Mode == BaselineMode.Recording && config.Baseline.Recording!.Trim().Length > 100)
            problems.Add("baseline.recording names the timepoint of each participant's neutral recording (at most 100 characters), such as baseline-neutral.");
        if (config.Baseline.Mode == BaselineMode.Range && config.Baseline.RangeEndSeconds > 24 * 3600)
            problems.Add("baseline.rangeEndSeconds must lie within the first 24 hours of a recording.");
        return problems;
    }

    /// <summary>
    /// Reads a protocol document (the CLI's --config JSON, optionally with version and reason). Anything
    /// left out keeps its default; unknown members, wrong types and every rule broken are refused, one
    /// sentence each.
    /// </summary>
    public static (AnalysisConfig Config, int? Version, string? Reason) Parse(string text)
    {
        JsonObject document;
        try
        {
            document = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }) as JsonObject
                ?? throw new ProtocolInvalidException(["The protocol must be a JSON object in the shape of the command's --config file."]);
        }
        catch (JsonException e)
        {
            throw new ProtocolInvalidException([$"The protocol is not valid JSON: {FirstSentence(e.Message)}"]);
        }
        int? version = null;
        string? reason = null;
        var problems = new List<string>();
        if (document["version"] is { } v)
        {
            if (v is JsonValue value && value.TryGetValue<int>(out var n)) version = n;
            else problems.Add("version must be a whole number: the protocol version you are changing.");
        }
        if (document["reason"] is { } r)
        {
            if (r is JsonValue value && value.TryGetValue<string>(out var s)) reason = s;
            else problems.Add("reason must be text.");
        }
        foreach (var name in EnvelopeMembers) document.Remove(name);
        AnalysisConfig? config = null;
        try
        {
            config = document.Deserialize<AnalysisConfig>(StrictJson);
        }
        catch (JsonException e)
        {
            problems.Add($"The protocol does not have the shape of the --config file{(e.Path is { Length: > 1 } path ? $" at {path.TrimStart('$', '.')}" : "")}: {FirstSentence(e.Message)}");
        }
        catch (InvalidOperationException e)
        {
            problems.Add($"The protocol does not have the shape of the --config file: {FirstSentence(e.Message)}");
        }
        if (config is not null) problems.AddRange(Problems(config));
        if (problems.Count > 0) throw new ProtocolInvalidException(problems);
        return (config!, version, reason);
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". Path:", StringComparison.Ordinal);
        var s = (cut > 0 ? message[..cut] : message).Trim();
        return s.EndsWith('.') ? s : s + ".";
    }

    /// <summary>A configuration as the audit trail keeps it: the protocol's own JSON (enum names, camelCase).</summary>
    public static JsonElement AuditForm(AnalysisConfig config) => JsonSerializer.SerializeToElement(config, AnalysisConfig.JsonOptions);

    /// <summary>Version 1 of a new study's protocol, in the caller's transaction.</summary>
    public static StudyProtocol Initial(Guid studyId, AnalysisConfig config, string createdBy) => new()
    {
        StudyId = studyId, Version = 1, ConfigJson = config.ToJson(), CreatedBy = createdBy, Reason = "set when the study was created",
        RescoreFinishedUtc = DateTime.UtcNow,
    };

    /// <summary>
    /// Makes a new version of the study's protocol (Coordinators and Admins), audited with before,
    /// after, who and why, and starts re-scoring the study under it. <paramref name="expectedVersion"/>,
    /// when given, must be the version in force: a change made from a stale copy is refused.
    /// </summary>
    public async Task<ProtocolVersion> ChangeAsync(Guid studyId, AnalysisConfig config, int? expectedVersion, string? reason, CancellationToken ct = default)
    {
        await access.RequireStudyAsync(studyId, StudyPermission.Manage, "change its analysis protocol");
        var problems = Problems(config).ToList();
        if (string.IsNullOrWhiteSpace(reason)) problems.Add("Give a reason for the change: it is kept in the audit trail.");
        else if (reason.Trim().Length > 2000) problems.Add("The reason has more than 2000 characters.");
        if (problems.Count > 0) throw new ProtocolInvalidException(problems);
        if (await db.Studies.AsNoTracking().Where(s => s.Id == studyId).Select(s => (bool?)s.IsDemo).SingleOrDefaultAsync(ct) is null)
            throw AccessException.StudyNotFound();

        var current = await CurrentAsync(db, studyId, ct);
        if (expectedVersion is { } expected && expected != current.Version)
            throw new ProtocolConflictException($"The protocol is at version {current.Version} now (changed by {current.CreatedBy}), not {expected}: reload it and make your change again.");
        if (current.Config.ToJson() == config.ToJson())
            throw new PortalValidationException($"This is the protocol in force (version {current.Version}): nothing changed.");

        var user = await audit.CurrentUserAsync();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // A study from before protocols existed had the defaults as its version 1: keep that on record.
        if (!await db.StudyProtocols.AnyAsync(p => p.StudyId == studyId, ct))
        {
            var first = Initial(studyId, current.Config, "system");
            first.Reason = "the defaults, in force before protocols were recorded";
            db.StudyProtocols.Add(first);
        }
        var row = new StudyProtocol
        {
            StudyId = studyId, Version = current.Version + 1, ConfigJson = config.ToJson(), CreatedBy = user, Reason = reason!.Trim(),
            RescoreStartedUtc = DateTime.UtcNow,
        };
        db.StudyProtocols.Add(row);
        await audit.AddAsync("protocol.changed", nameof(Study), studyId.ToString(),
            before: new { version = current.Version, configuration = AuditForm(current.Config) },
            after: new { version = row.Version, configuration = AuditForm(config) }, reason: row.Reason, studyId: studyId, user: user);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another change took this version number first.
            throw new ProtocolConflictException("Someone else changed the protocol at the same moment: reload it and make your change again.");
        }
        await transaction.CommitAsync(ct);
        jobs.QueueStudyRescore(studyId, row.Version);
        return Of(row);
    }
}
