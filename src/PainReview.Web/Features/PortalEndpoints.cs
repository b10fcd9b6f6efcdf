using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Features;

/// <summary>HTTP endpoints beside the pages: sign-out and a small API for scripted uploads.</summary>
public static class PortalEndpoints
{
    /// <summary>Browsers cannot send a custom header across sites without asking first: this guards the API against CSRF.</summary>
    public const string ApiHeader = "X-PainReview-Api";

    /// <summary>Refusals the user can act on become problem details (RFC 9457) with their sentence, never a 500.</summary>
    private static async ValueTask<object?> Refusals(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Protocols.ProtocolInvalidException e)
        {
            // One sentence per mistake, also as a list a script can show line by line.
            return TypedResults.Problem(e.Message, statusCode: e.StatusCode, title: "The protocol was refused.",
                extensions: new Dictionary<string, object?> { ["errors"] = e.Problems });
        }
        catch (PortalValidationException e)
        {
            return TypedResults.Problem(e.Message, statusCode: e.StatusCode);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e)
        {
            return TypedResults.Problem($"The request could not be read: {e.Message}", statusCode: e.StatusCode);
        }
        catch (IOException e) when (VideoStore.DiskFull(e))
        {
            return TypedResults.Problem(new VideoStore.DiskFullException().Message, statusCode: StatusCodes.Status413PayloadTooLarge);
        }
    }

    public static void MapPortalEndpoints(this IEndpointRouteBuilder app)
    {
        // Signing out ends the session on the server: a new security stamp voids every cookie issued before.
        app.MapPost("/Account/Logout", async ([FromServices] SignInManager<ApplicationUser> signIn, [FromServices] UserManager<ApplicationUser> users,
            [FromServices] Audit.AuditLog audit, [FromServices] PainReviewDbContext db, HttpContext context) =>
        {
            if (await users.GetUserAsync(context.User) is { } user)
            {
                await users.UpdateSecurityStampAsync(user);
                await audit.AddAsync("signout", "User", user.Id, user: user.UserName);
                await db.SaveChangesAsync();
            }
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("~/Account/Login");
        });

        // An active page keeps its session alive (session.js); the header guards it against cross-site posts.
        app.MapPost("/Account/KeepAlive", (HttpContext context) => context.Request.Headers.ContainsKey(ApiHeader)
                ? Results.NoContent() : Results.Problem($"Send the {ApiHeader} header.", statusCode: 400))
            .DisableAntiforgery();

        // Recording media for the review page: never public files; range requests for seeking; members only.
        var media = app.MapGroup("/media/recordings/{id:guid}")
            .RequireAuthorization(Infrastructure.Policies.Viewers)
            .AddEndpointFilter(Refusals);
        media.MapGet("/video", async (Guid id, HttpContext context, PainReviewDbContext db, Access.StudyAccess access, Audit.AuditLog audit,
            Review.ReviewMedia files, CancellationToken ct) =>
        {
            var studyId = await access.RequireRecordingAsync(id, Access.StudyPermission.WatchVideo, "watch its videos");
            var stored = await db.Recordings.AsNoTracking().Where(r => r.Id == id).Select(r => r.StoredFileName).SingleAsync(ct);
            var path = await files.EnsurePlayableAsync(id, stored, ct);
            // A view starts with a request from the first byte; the player's later range requests belong to it.
            var range = context.Request.Headers.Range.ToString();
            if (range.Length == 0 || range.StartsWith("bytes=0-", StringComparison.Ordinal))
            {
                await audit.AddAsync("video.viewed", nameof(Recording), id.ToString(), studyId: studyId, recordingId: id);
                await db.SaveChangesAsync(ct);
            }
            return Results.File(path, "video/mp4", enableRangeProcessing: true);
        });
        // The time of every frame, for stepping frame by frame in the player: little-endian float64s,
        // fetched by the page beside the circuit (a 30-minute recording's 54,000 times are 432 KB).
        media.MapGet("/frame-times", async (Guid id, PainReviewDbContext db, Access.StudyAccess access, CancellationToken ct) =>
        {
            await access.RequireRecordingAsync(id, Access.StudyPermission.WatchVideo, "step through its frames");
            var times = await db.FrameResults.AsNoTracking().Where(f => f.RecordingId == id).OrderBy(f => f.FrameIndex).Select(f => f.TimeSeconds).ToListAsync(ct);
            var bytes = new byte[times.Count * sizeof(double)];
            for (var i = 0; i < times.Count; i++)
                System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)), times[i]);
            return Results.Bytes(bytes, "application/octet-stream");
        });
        media.MapGet("/frames/{frame:int}.jpg", async (Guid id, int frame, PainReviewDbContext db, Access.StudyAccess access, Review.ReviewMedia files, CancellationToken ct) =>
        {
            await access.RequireRecordingAsync(id, Access.StudyPermission.WatchVideo, "see its frames");
            var found = await db.Recordings.AsNoTracking().Where(r => r.Id == id)
                .Select(r => new { r.StoredFileName, Time = r.FrameResults.Where(f => f.FrameIndex == frame).Select(f => (double?)f.TimeSeconds).FirstOrDefault() })
                .SingleOrDefaultAsync(ct);
            if (found?.Time is not { } time) return Results.Problem($"This recording has no frame {frame}.", statusCode: 404);
            return Results.File(await files.EnsureThumbnailAsync(id, found.StoredFileName, frame, time, ct), "image/jpeg");
        });

        // Datasets and reports: the study's Data managers (and Admins) only; every download audited.
        var data = app.MapGroup("/data").RequireAuthorization(Infrastructure.Policies.DataStewards).AddEndpointFilter(Refusals);
        data.MapGet("/export", async (Guid study, string? format, bool? unreviewed, bool? video, Export.ExportService exports, CancellationToken ct) =>
        {
            if (!Enum.TryParse<PainReview.Data.Export.ExportFormat>(format ?? "Csv", ignoreCase: true, out var parsed) || int.TryParse(format, out _))
                return Results.Problem($"Unknown format '{format}': use csv, json, parquet or fhir.", statusCode: 400);
            var file = await exports.ExportAsync(study, parsed, unreviewed ?? false, video ?? false, ct);
            return Results.File(new Export.DeleteOnCloseStream(file.Path), file.Result.ContentType, file.Result.FileName);
        });
        data.MapGet("/cohort-report", async (Guid study, bool? reviewedOnly, double? w4, double? w67, double? w9, string? combine, string? apex,
            double? quantile, bool? q1, string? decisions, Cohort.CohortAnalytics analytics, Audit.AuditLog audit, PainReviewDbContext db, CancellationToken ct) =>
        {
            var source = Cohort.DecisionSource.InForce;
            if (!string.IsNullOrEmpty(decisions) && !(Enum.TryParse(decisions, ignoreCase: true, out source) && Enum.IsDefined(source)))
                return Results.Problem($"decisions must be {string.Join(", ", Enum.GetNames<Cohort.DecisionSource>())}, not '{decisions}'.", statusCode: 400);
            PainReview.Pipeline.Analysis.AnalysisConfig config;
            // The study's protocol, with the page's HPII and APEX settings where given (rights are checked by the analytics).
            var protocol = await Protocols.ProtocolService.CurrentAsync(db, study, ct);
            try
            {
                config = Cohort.CohortSettings.ToConfig(protocol.Config, w4, w67, w9, combine, apex, quantile, q1);
                config.Validate();
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException)
            {
                return Results.Problem(e.Message, statusCode: 400);
            }
            // Reviewed (signed) recordings only unless asked otherwise: the export's default too.
            Cohort.CohortReport report;
            try
            {
                report = await analytics.ComputeAsync(study, reviewedOnly ?? true, config, ct, source);
            }
            catch (PortalValidationException e)
            {
                return Results.Problem(e.Message, statusCode: e.StatusCode);
            }
            var models = await db.Recordings.AsNoTracking().Where(r => r.StudyId == study && r.SummaryJson != null).Select(r => r.SummaryJson!).FirstOrDefaultAsync(ct) is { } summary
                ? PainReview.Pipeline.Analysis.AnalysisDocument.Read(summary).Models : [];
            var user = await audit.CurrentUserAsync();
            await audit.AddAsync("report.downloaded", "Study", study.ToString(), after: new { recordings = report.Points.Count, protocolVersion = report.ProtocolVersion, decisions = report.Decisions.ToString(), configuration = config }, studyId: study, user: user);
            await db.SaveChangesAsync(ct);
            var html = Cohort.CohortReportHtml.Render(report, user, models);
            return Results.File(System.Text.Encoding.UTF8.GetBytes(html), "text/html; charset=utf-8", $"painreview-cohort-report-{DateTime.UtcNow:yyyyMMdd-HHmmss}.html");
        });

        // The API: a signed-in cookie (with the CSRF header) or a personal API token; the same rights as the pages.
        var api = app.MapGroup("/api")
            .RequireAuthorization(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(IdentityConstants.ApplicationScheme, Access.ApiTokenHandler.SchemeName)
                .RequireAuthenticatedUser().Build())
            .AddEndpointFilter(async (context, next) =>
                context.HttpContext.Request.Headers.ContainsKey(ApiHeader) || context.HttpContext.User.FindFirst(Access.StudyAccess.TokenClaim) is not null
                    ? await next(context)
                    : TypedResults.Problem($"API requests must carry the {ApiHeader} header (or an API token).", statusCode: StatusCodes.Status400BadRequest))
            .AddEndpointFilter(Refusals)
            .DisableAntiforgery();

        api.MapGet("/studies", async (Access.StudyAccess access, PainReviewDbContext db) =>
        {
            var visible = await access.StudiesAsync(Access.StudyPermission.View);
            var actor = await access.ActorAsync();
            var roles = await db.StudyMembers.AsNoTracking().Where(m => m.UserId == actor.UserId).ToListAsync();
            var studies = await db.Studies.AsNoTracking().Where(s => visible.Contains(s.Id)).OrderBy(s => s.Name)
                .Select(s => new { s.Id, s.Name, s.Description, s.IsDemo, s.CreatedUtc, participants = s.Participants.Count, recordings = s.Recordings.Count }).ToListAsync();
            return TypedResults.Ok(studies.Select(s => new
            {
                s.Id, s.Name, s.Description, s.IsDemo, s.CreatedUtc, s.participants, s.recordings,
                myRoles = roles.Where(m => m.StudyId == s.Id && actor.Roles.Contains(m.Role)).Select(m => m.Role).Concat(actor.IsAdmin ? [Roles.Admin] : []).ToArray(),
            }));
        });
        api.MapPost("/studies", async (StudyRequest body, RecordingService recordings) =>
        {
            var protocol = body.Protocol is { ValueKind: not System.Text.Json.JsonValueKind.Null } p ? Protocols.ProtocolService.Parse(p.GetRawText()).Config : null;
            var study = await recordings.CreateStudyAsync(body.Name ?? "", body.Description, protocol);
            return TypedResults.Created($"/api/studies/{study.Id}", new { study.Id, study.Name, study.Description, protocolVersion = 1 });
        });
        // The study's analysis protocol: the command's --config JSON plus its version. Members read it;
        // Coordinators and Admins change it (with the version they saw and a reason), which re-scores the study.
        api.MapGet("/studies/{studyId:guid}/protocol", async (Guid studyId, Protocols.ProtocolService protocols, CancellationToken ct) =>
            TypedResults.Ok((await protocols.GetAsync(studyId, ct)).ToJson()));
        api.MapPut("/studies/{studyId:guid}/protocol", async (Guid studyId, HttpRequest request, Protocols.ProtocolService protocols,
            Access.StudyAccess access, CancellationToken ct) =>
        {
            // Rights first: a non-member learns nothing from how their document would have been judged.
            await access.RequireStudyAsync(studyId, Access.StudyPermission.Manage, "change its analysis protocol");
            if (request.ContentLength > 64 * 1024) return Results.Problem("A protocol document is at most 64 KiB.", statusCode: 413);
            string text;
            using (var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8))
                text = await reader.ReadToEndAsync(ct);
            if (string.IsNullOrWhiteSpace(text)) return Results.Problem("Send the protocol as JSON in the shape of the command's --config file, with version and reason.", statusCode: 400);
            var (config, version, reason) = Protocols.ProtocolService.Parse(text);
            var changed = await protocols.ChangeAsync(studyId, config, version, reason, ct);
            return Results.Ok(changed.ToJson());
        });
        api.MapPost("/studies/{studyId:guid}/participants", async (Guid studyId, ParticipantRequest body, RecordingService recordings) =>
        {
            var participant = await recordings.CreateParticipantAsync(studyId, body.Code ?? "");
            return TypedResults.Created($"/api/studies/{studyId}/participants/{participant.Id}", new { participant.Id, participant.Code });
        });
        api.MapGet("/studies/{studyId:guid}/members", async (Guid studyId, Access.StudyMembership members) =>
            TypedResults.Ok((await members.ListAsync(studyId)).Select(m => new { m.Id, m.Email, m.Role, m.MayExportVideo, m.AddedUtc, m.AddedBy })));
        api.MapPost("/studies/{studyId:guid}/members", async (Guid studyId, MemberRequest body, Access.StudyMembership members) =>
        {
            var member = await members.AddAsync(studyId, body.Email, body.Role);
            return TypedResults.Created($"/api/studies/{studyId}/members/{member.Id}", new { member.Id, member.Email, member.Role });
        });
        api.MapDelete("/studies/{studyId:guid}/members/{memberId:long}", async (Guid studyId, long memberId, Access.StudyMembership members) =>
        {
            await members.RemoveAsync(studyId, memberId);
            return TypedResults.NoContent();
        });

        api.MapPost("/studies/{studyId:guid}/recordings", UploadAsync)
            .RequireAuthorization(Infrastructure.Policies.Uploaders)
            .WithMetadata(new RequestSizeLimitAttribute(long.MaxValue));

        api.MapGet("/recordings/{id:guid}", async (Guid id, PainReviewDbContext db, Access.StudyAccess access, Review.TwoRaterService raters) =>
        {
            await access.RequireRecordingAsync(id, Access.StudyPermission.View, "see it");
            var study = await db.Recordings.AsNoTracking().Where(r => r.Id == id).Select(r => r.Study!).SingleAsync();
            // A rater blinded to the HPII does not get it here either.
            var blind = PainReview.Data.Review.ReviewRules.BlindedToLabels(study, study.TwoRaters ? await raters.SlotOfAsync(id) : null);
            var found = await db.Recordings.AsNoTracking().Where(r => r.Id == id).Select(r => new
            {
                r.Id, r.StudyId, participant = r.Participant!.Code, r.Timepoint, r.RecordedOn, status = r.Status.ToString(), r.Progress, r.Error,
                // Never the uploader's file name: it can name the participant.
                r.Frames, r.UsableFrames, r.ApexFrames, HpiiMeanAll = blind ? null : r.HpiiMeanAll, HpiiMeanApex = blind ? null : r.HpiiMeanApex,
                HpiiPeak = blind ? null : r.HpiiPeak,
            }).SingleAsync();
            return TypedResults.Ok(found);
        });
    }

    public sealed record StudyRequest(string? Name, string? Description, System.Text.Json.JsonElement? Protocol = null);
    public sealed record ParticipantRequest(string? Code);
    public sealed record MemberRequest(string? Email, string? Role);

    /// <summary>
    /// multipart/form-data with fields participant, vas, timepoint, recordedOn, notes and one or
    /// more files; each file is streamed to the store as it arrives.
    /// </summary>
    private static async Task<IResult> UploadAsync(Guid studyId, HttpRequest request, RecordingService recordings,
        PainReviewDbContext db, Access.StudyAccess access, CancellationToken cancellationToken)
    {
        await access.RequireStudyAsync(studyId, Access.StudyPermission.Manage, "upload recordings");
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return TypedResults.Problem("Send the recording as multipart/form-data.", statusCode: 415);
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) return TypedResults.Problem("The multipart boundary is missing.", statusCode: 400);

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var results = new List<object>();
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
                results.Add(new { file = fileName, id = recording.Id, status = recording.Status.ToString() });
            }
            catch (PortalValidationException e)
            {
                results.Add(new { file = fileName, error = e.Message });
            }
        }
        if (results.Count == 0) return TypedResults.Problem("No file was sent.", statusCode: 400);
        var failed = results.Count(r => r.GetType().GetProperty("error") is not null);
        return failed == results.Count ? Results.UnprocessableEntity(results) : Results.Ok(results);
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
