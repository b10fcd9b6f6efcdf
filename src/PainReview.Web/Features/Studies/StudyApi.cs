using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Data.Review;
using PainReview.Web.Features.Access;
using PainReview.Web.Features.Endpoints;
using PainReview.Web.Features.Protocols;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Features.Review;
using PainReview.Web.Infrastructure;

namespace PainReview.Web.Features.Studies;

/// <summary>
/// The study API for scripts: a signed-in cookie (with the CSRF header) or a personal API token,
/// with the same rights in each study as the pages.
/// </summary>
public static class StudyApi
{
    public sealed record StudyRequest(string? Name, string? Description, JsonElement? Protocol = null);
    public sealed record ParticipantRequest(string? Code);
    public sealed record MemberRequest(string? Email, string? Role);

    public sealed record StudyItem(Guid Id, string Name, string? Description, bool IsDemo, DateTime CreatedUtc, int Participants, int Recordings, string[] MyRoles);
    public sealed record CreatedStudy(Guid Id, string Name, string? Description, int ProtocolVersion);
    public sealed record ParticipantItem(Guid Id, string Code);
    public sealed record MemberItem(long Id, string Email, string Role, bool MayExportVideo, DateTime AddedUtc, string AddedBy);
    public sealed record AddedMember(long Id, string Email, string Role);

    /// <summary>A recording's state; never the uploader's file name (it can name the participant), and no HPII for a rater blinded to it.</summary>
    public sealed record RecordingItem(Guid Id, Guid StudyId, string Participant, string? Timepoint, DateOnly? RecordedOn, string Status, double Progress,
        string? Error, int? Frames, int? UsableFrames, int? ApexFrames, double? HpiiMeanAll, double? HpiiMeanApex, double? HpiiPeak);

    /// <summary>One uploaded file's outcome: its recording, or the sentence saying why it was refused.</summary>
    public sealed record UploadOutcome(
        string File,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? Id = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Status = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

    public static RouteGroupBuilder MapStudyApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api")
            .RequireAuthorization(new AuthorizationPolicyBuilder(IdentityConstants.ApplicationScheme, ApiTokenHandler.SchemeName)
                .RequireAuthenticatedUser().Build())
            .AddEndpointFilter(RequireApiHeader)
            .WithRefusals()
            .DisableAntiforgery();

        api.MapGet("/studies", ListStudiesAsync);
        api.MapPost("/studies", CreateStudyAsync);
        // The study's analysis protocol: the command's --config JSON plus its version. Members read it;
        // Coordinators and Admins change it (with the version they saw and a reason), which re-scores the study.
        api.MapGet("/studies/{studyId:guid}/protocol", GetProtocolAsync);
        api.MapPut("/studies/{studyId:guid}/protocol", ChangeProtocolAsync);
        api.MapPost("/studies/{studyId:guid}/participants", CreateParticipantAsync);
        api.MapGet("/studies/{studyId:guid}/members", ListMembersAsync);
        api.MapPost("/studies/{studyId:guid}/members", AddMemberAsync);
        api.MapDelete("/studies/{studyId:guid}/members/{memberId:long}", RemoveMemberAsync);
        api.MapPost("/studies/{studyId:guid}/recordings", UploadAsync)
            .RequireAuthorization(Policies.Uploaders)
            .WithMetadata(new RequestSizeLimitAttribute(long.MaxValue));
        api.MapGet("/recordings/{id:guid}", GetRecordingAsync);
        return api;
    }

    /// <summary>Browsers cannot send a custom header across sites without asking first: cookie requests must carry it (CSRF guard); tokens need not.</summary>
    private static async ValueTask<object?> RequireApiHeader(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.Request.Headers.ContainsKey(PortalEndpoints.ApiHeader) || context.HttpContext.User.FindFirst(StudyAccess.TokenClaim) is not null
            ? await next(context)
            : TypedResults.Problem($"API requests must carry the {PortalEndpoints.ApiHeader} header (or an API token).", statusCode: StatusCodes.Status400BadRequest);

    internal static async Task<Ok<IEnumerable<StudyItem>>> ListStudiesAsync(StudyAccess access, PainReviewDbContext db)
    {
        var visible = await access.StudiesAsync(StudyPermission.View);
        var actor = await access.ActorAsync();
        var roles = await db.StudyMembers.AsNoTracking().Where(m => m.UserId == actor.UserId).ToListAsync();
        var studies = await db.Studies.AsNoTracking().Where(s => visible.Contains(s.Id)).OrderBy(s => s.Name)
            .Select(s => new { s.Id, s.Name, s.Description, s.IsDemo, s.CreatedUtc, Participants = s.Participants.Count, Recordings = s.Recordings.Count }).ToListAsync();
        return TypedResults.Ok(studies.Select(s => new StudyItem(s.Id, s.Name, s.Description, s.IsDemo, s.CreatedUtc, s.Participants, s.Recordings,
            [.. roles.Where(m => m.StudyId == s.Id && actor.Roles.Contains(m.Role)).Select(m => m.Role).Concat(actor.IsAdmin ? [Roles.Admin] : [])])));
    }

    internal static async Task<Created<CreatedStudy>> CreateStudyAsync(StudyRequest body, RecordingService recordings)
    {
        var protocol = body.Protocol is { ValueKind: not JsonValueKind.Null } p ? ProtocolService.Parse(p.GetRawText()).Config : null;
        var study = await recordings.CreateStudyAsync(body.Name ?? "", body.Description, protocol);
        return TypedResults.Created($"/api/studies/{study.Id}", new CreatedStudy(study.Id, study.Name, study.Description, 1));
    }

    internal static async Task<Ok<System.Text.Json.Nodes.JsonObject>> GetProtocolAsync(Guid studyId, ProtocolService protocols, CancellationToken ct) =>
        TypedResults.Ok((await protocols.GetAsync(studyId, ct)).ToJson());

    internal static async Task<Results<Ok<System.Text.Json.Nodes.JsonObject>, ProblemHttpResult>> ChangeProtocolAsync(Guid studyId, HttpRequest request,
        ProtocolService protocols, StudyAccess access, CancellationToken ct)
    {
        // Rights first: a non-member learns nothing from how their document would have been judged.
        await access.RequireStudyAsync(studyId, StudyPermission.Manage, "change its analysis protocol");
        if (request.ContentLength > 64 * 1024) return TypedResults.Problem("A protocol document is at most 64 KiB.", statusCode: StatusCodes.Status413PayloadTooLarge);
        string text;
        using (var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8))
            text = await reader.ReadToEndAsync(ct);
        if (string.IsNullOrWhiteSpace(text))
            return TypedResults.Problem("Send the protocol as JSON in the shape of the command's --config file, with version and reason.", statusCode: StatusCodes.Status400BadRequest);
        var (config, version, reason) = ProtocolService.Parse(text);
        var changed = await protocols.ChangeAsync(studyId, config, version, reason, ct);
        return TypedResults.Ok(changed.ToJson());
    }

    internal static async Task<Created<ParticipantItem>> CreateParticipantAsync(Guid studyId, ParticipantRequest body, RecordingService recordings)
    {
        var participant = await recordings.CreateParticipantAsync(studyId, body.Code ?? "");
        return TypedResults.Created($"/api/studies/{studyId}/participants/{participant.Id}", new ParticipantItem(participant.Id, participant.Code));
    }

    internal static async Task<Ok<IEnumerable<MemberItem>>> ListMembersAsync(Guid studyId, StudyMembership members) =>
        TypedResults.Ok((await members.ListAsync(studyId)).Select(m => new MemberItem(m.Id, m.Email, m.Role, m.MayExportVideo, m.AddedUtc, m.AddedBy)));

    internal static async Task<Created<AddedMember>> AddMemberAsync(Guid studyId, MemberRequest body, StudyMembership members)
    {
        var member = await members.AddAsync(studyId, body.Email, body.Role);
        return TypedResults.Created($"/api/studies/{studyId}/members/{member.Id}", new AddedMember(member.Id, member.Email, member.Role));
    }

    internal static async Task<NoContent> RemoveMemberAsync(Guid studyId, long memberId, StudyMembership members)
    {
        await members.RemoveAsync(studyId, memberId);
        return TypedResults.NoContent();
    }

    internal static async Task<Ok<RecordingItem>> GetRecordingAsync(Guid id, PainReviewDbContext db, StudyAccess access, TwoRaterService raters)
    {
        await access.RequireRecordingAsync(id, StudyPermission.View, "see it");
        var study = await db.Recordings.AsNoTracking().Where(r => r.Id == id).Select(r => r.Study!).SingleAsync();
        // A rater blinded to the HPII does not get it here either.
        var blind = ReviewRules.BlindedToLabels(study, study.TwoRaters ? await raters.SlotOfAsync(id) : null);
        var found = await db.Recordings.AsNoTracking().Where(r => r.Id == id).Select(r => new RecordingItem(
            r.Id, r.StudyId, r.Participant!.Code, r.Timepoint, r.RecordedOn, r.Status.ToString(), r.Progress, r.Error,
            r.Frames, r.UsableFrames, r.ApexFrames, blind ? null : r.HpiiMeanAll, blind ? null : r.HpiiMeanApex, blind ? null : r.HpiiPeak)).SingleAsync();
        return TypedResults.Ok(found);
    }

    /// <summary>
    /// multipart/form-data with fields participant, vas, timepoint, recordedOn, notes and one or
    /// more files; each file is streamed to the store as it arrives. 200 when any file was taken,
    /// 422 when every file was refused (each with its sentence).
    /// </summary>
    internal static async Task<Results<Ok<List<UploadOutcome>>, UnprocessableEntity<List<UploadOutcome>>, ProblemHttpResult>> UploadAsync(Guid studyId,
        HttpRequest request, RecordingService recordings, PainReviewDbContext db, StudyAccess access, CancellationToken cancellationToken)
    {
        await access.RequireStudyAsync(studyId, StudyPermission.Manage, "upload recordings");
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return TypedResults.Problem("Send the recording as multipart/form-data.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) return TypedResults.Problem("The multipart boundary is missing.", statusCode: StatusCodes.Status400BadRequest);

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var results = new List<UploadOutcome>();
        var reader = new MultipartReader(boundary, request.Body);
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
            if (disposition.IsFormDisposition())
            {
                fields[HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? ""] = await section.ReadAsStringAsync(cancellationToken);
                continue;
            }
            if (!disposition.IsFileDisposition()) continue;
            var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "recording";
            try
            {
                var metadata = await MetadataAsync(studyId, fields, db);
                var recording = await recordings.UploadAsync(studyId, fileName, section.Body, metadata, cancellationToken);
                results.Add(new UploadOutcome(fileName, Id: recording.Id, Status: recording.Status.ToString()));
            }
            catch (PortalValidationException e)
            {
                results.Add(new UploadOutcome(fileName, Error: e.Message));
            }
        }
        if (results.Count == 0) return TypedResults.Problem("No file was sent.", statusCode: StatusCodes.Status400BadRequest);
        return results.All(r => r.Error is not null) ? TypedResults.UnprocessableEntity(results) : TypedResults.Ok(results);
    }

    private static async Task<UploadMetadata> MetadataAsync(Guid studyId, Dictionary<string, string> fields, PainReviewDbContext db)
    {
        fields.TryGetValue("participant", out var code);
        // Codes are unique whatever their case (p-001 is P-001).
        var normalized = Participant.Normalize(code ?? "");
        var participant = await db.Participants.AsNoTracking().FirstOrDefaultAsync(p => p.StudyId == studyId && p.NormalizedCode == normalized)
            ?? throw new PortalValidationException($"No participant '{code}' in this study: give an existing participant code first.");
        double? vas = null;
        if (fields.TryGetValue("vas", out var vasText) && !string.IsNullOrWhiteSpace(vasText))
            vas = double.TryParse(vasText, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
                ? v : throw new PortalValidationException($"VAS '{vasText}' is not a number from 0 to 10.");
        if (!PainReview.Data.Import.RecordingDates.TryParse(fields.GetValueOrDefault("recordedOn"), out var recordedOn, out var dateError))
            throw new PortalValidationException(dateError!);
        return new UploadMetadata(participant.Id, fields.GetValueOrDefault("timepoint"), recordedOn, vas, fields.GetValueOrDefault("notes"));
    }
}
