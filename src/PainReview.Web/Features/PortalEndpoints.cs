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

    public const string UploadRoles = $"{Roles.Coordinator},{Roles.Admin}";

    public static void MapPortalEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/Account/Logout", async ([FromServices] SignInManager<ApplicationUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("~/Account/Login");
        });

        // Recording media for the review page: never public files; range requests for seeking.
        var media = app.MapGroup("/media/recordings/{id:guid}")
            .RequireAuthorization(p => p.RequireRole(Roles.Clinician, Roles.Coordinator, Roles.Admin));
        media.MapGet("/video", async (Guid id, PainReviewDbContext db, Review.ReviewMedia files, CancellationToken ct) =>
            await db.Recordings.AsNoTracking().Where(r => r.Id == id).Select(r => r.StoredFileName).SingleOrDefaultAsync(ct) is { } stored
                ? Results.File(await files.EnsurePlayableAsync(id, stored, ct), "video/mp4", enableRangeProcessing: true)
                : Results.NotFound());
        media.MapGet("/frames/{frame:int}.jpg", async (Guid id, int frame, PainReviewDbContext db, Review.ReviewMedia files, CancellationToken ct) =>
        {
            var found = await db.Recordings.AsNoTracking().Where(r => r.Id == id)
                .Select(r => new { r.StoredFileName, Time = r.FrameResults.Where(f => f.FrameIndex == frame).Select(f => (double?)f.TimeSeconds).FirstOrDefault() })
                .SingleOrDefaultAsync(ct);
            if (found?.Time is not { } time) return Results.NotFound();
            return Results.File(await files.EnsureThumbnailAsync(id, found.StoredFileName, frame, time, ct), "image/jpeg");
        });

        // Datasets and reports: Data managers (and Admins) only; every download audited.
        var data = app.MapGroup("/data").RequireAuthorization(p => p.RequireRole(Roles.DataManager, Roles.Admin));
        data.MapGet("/export", async (Guid study, string? format, bool? unreviewed, bool? video, Export.ExportService exports, CancellationToken ct) =>
        {
            if (!Enum.TryParse<PainReview.Data.Export.ExportFormat>(format ?? "Csv", ignoreCase: true, out var parsed))
                return Results.Problem($"Unknown format '{format}': use csv, json or parquet.", statusCode: 400);
            var file = await exports.ExportAsync(study, parsed, unreviewed ?? false, video ?? false, ct);
            return Results.File(new Export.DeleteOnCloseStream(file.Path), file.Result.ContentType, file.Result.FileName);
        });
        data.MapGet("/cohort-report", async (Guid study, bool? reviewedOnly, double? w4, double? w67, double? w9, string? combine, string? apex,
            double? quantile, bool? q1, Cohort.CohortAnalytics analytics, Audit.AuditLog audit, PainReviewDbContext db, CancellationToken ct) =>
        {
            var config = Cohort.CohortSettings.ToConfig(w4, w67, w9, combine, apex, quantile, q1);
            var report = await analytics.ComputeAsync(study, reviewedOnly ?? false, config, ct);
            var models = await db.Recordings.AsNoTracking().Where(r => r.StudyId == study && r.SummaryJson != null).Select(r => r.SummaryJson!).FirstOrDefaultAsync(ct) is { } summary
                ? new[] { (object)System.Text.Json.JsonDocument.Parse(summary).RootElement.GetProperty("models").Clone() } : [];
            var user = await audit.CurrentUserAsync();
            await audit.AddAsync("report.downloaded", "Study", study.ToString(), after: new { recordings = report.Points.Count, configuration = config }, studyId: study, user: user);
            await db.SaveChangesAsync(ct);
            var html = Cohort.CohortReportHtml.Render(report, user, models);
            return Results.File(System.Text.Encoding.UTF8.GetBytes(html), "text/html; charset=utf-8", $"painreview-cohort-report-{DateTime.UtcNow:yyyyMMdd-HHmmss}.html");
        });

        var api = app.MapGroup("/api").AddEndpointFilter(async (context, next) =>
            context.HttpContext.Request.Headers.ContainsKey(ApiHeader)
                ? await next(context)
                : TypedResults.Problem($"API requests must carry the {ApiHeader} header.", statusCode: StatusCodes.Status400BadRequest));

        api.MapPost("/studies/{studyId:guid}/recordings", UploadAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.Coordinator, Roles.Admin))
            .DisableAntiforgery()
            .WithMetadata(new RequestSizeLimitAttribute(long.MaxValue));

        api.MapGet("/recordings/{id:guid}", async (Guid id, PainReviewDbContext db) =>
            await db.Recordings.AsNoTracking().Where(r => r.Id == id).Select(r => new
            {
                r.Id, r.StudyId, participant = r.Participant!.Code, r.OriginalFileName, status = r.Status.ToString(), r.Progress, r.Error,
                r.Frames, r.UsableFrames, r.ApexFrames, r.HpiiMeanAll, r.HpiiMeanApex, r.HpiiPeak,
            }).SingleOrDefaultAsync() is { } found ? Results.Ok(found) : Results.NotFound())
            .RequireAuthorization(p => p.RequireRole(Roles.All));
    }

    /// <summary>
    /// multipart/form-data with fields participant, vas, timepoint, recordedOn, notes and one or
    /// more files; each file is streamed to the store as it arrives.
    /// </summary>
    private static async Task<IResult> UploadAsync(Guid studyId, HttpRequest request, RecordingService recordings,
        PainReviewDbContext db, CancellationToken cancellationToken)
    {
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
        var participant = await db.Participants.AsNoTracking().FirstOrDefaultAsync(p => p.StudyId == studyId && p.Code == code)
            ?? throw new PortalValidationException($"No participant '{code}' in this study: give an existing participant code first.");
        double? vas = null;
        if (fields.TryGetValue("vas", out var vasText) && !string.IsNullOrWhiteSpace(vasText))
            vas = double.TryParse(vasText, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                ? v : throw new PortalValidationException($"VAS '{vasText}' is not a number.");
        DateOnly? recordedOn = fields.TryGetValue("recordedOn", out var d) && DateOnly.TryParse(d, CultureInfo.InvariantCulture, out var day) ? day : null;
        return new UploadMetadata(participant.Id, fields.GetValueOrDefault("timepoint"), recordedOn, vas, fields.GetValueOrDefault("notes"));
    }
}
