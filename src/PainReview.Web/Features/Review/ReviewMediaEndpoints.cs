using System.Buffers.Binary;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Web.Features.Access;
using PainReview.Web.Features.Endpoints;
using PainReview.Web.Infrastructure;

namespace PainReview.Web.Features.Review;

/// <summary>
/// Recording media for the review page: never public files; range requests for seeking; the study's
/// members who may watch its videos only.
/// </summary>
public static class ReviewMediaEndpoints
{
    public static RouteGroupBuilder MapReviewMedia(this IEndpointRouteBuilder app)
    {
        var media = app.MapGroup("/media/recordings/{id:guid}")
            .RequireAuthorization(Policies.Viewers)
            .WithRefusals();
        media.MapGet("/video", VideoAsync);
        media.MapGet("/frame-times", FrameTimesAsync);
        media.MapGet("/frames/{frame:int}.jpg", FrameImageAsync);
        media.MapGet("/timeline", TimelineFigureAsync);
        media.MapGet("/timeline/series", TimelineSeriesAsync);
        return media;
    }

    /// <summary>
    /// The review timeline's figure (plotly.js JSON), for the reviewer as the workspace shows it (their own
    /// decisions' shading; blinded raters get no HPII). A prerendered page carries it; after an in-app navigation the page fetches it.
    /// </summary>
    internal static async Task<Results<Ok<TimelineFigure>, ProblemHttpResult>> TimelineFigureAsync(Guid id, HttpContext context, ReviewService reviews)
    {
        var (model, refusal) = await TimelineOfAsync(id, context, reviews);
        return model is null ? refusal! : TypedResults.Ok(Timeline.Figure(model));
    }

    /// <summary>The timeline's series for the range a reviewer zoomed to (<c>from</c> and <c>to</c> in seconds), or the whole recording's overview without them.</summary>
    internal static async Task<Results<Ok<TimelineRestyle>, ProblemHttpResult>> TimelineSeriesAsync(Guid id, string? from, string? to, HttpContext context, ReviewService reviews)
    {
        var (range, wrong) = TimeRange(from, to);
        if (wrong is not null) return TypedResults.Problem(wrong, statusCode: StatusCodes.Status400BadRequest);
        var (model, refusal) = await TimelineOfAsync(id, context, reviews);
        return model is null ? refusal! : TypedResults.Ok(Timeline.Series(model, range));
    }

    /// <summary>
    /// The review as the reviewer's workspace shows it (their rights checked), or why it has no timeline: no such
    /// recording (404), or its analysis has not completed (409). Answers are never cached (they change with every decision).
    /// </summary>
    private static async Task<(ReviewModel? Model, ProblemHttpResult? Refusal)> TimelineOfAsync(Guid id, HttpContext context, ReviewService reviews)
    {
        if (await reviews.LoadAsync(id) is not { } model)
            return (null, TypedResults.Problem($"There is no recording {id}.", statusCode: StatusCodes.Status404NotFound));
        if (model.Recording.Status != RecordingStatus.Completed)
            return (null, TypedResults.Problem($"This recording is {model.Recording.Status}: its timeline exists once its analysis has completed.",
                statusCode: StatusCodes.Status409Conflict));
        context.Response.Headers.CacheControl = "no-store";
        return (model, null);
    }

    /// <summary>Both bounds or neither, finite seconds, the first before the second; else the sentence that says what is wrong.</summary>
    internal static ((double From, double To)? Range, string? Wrong) TimeRange(string? from, string? to)
    {
        if (string.IsNullOrEmpty(from) && string.IsNullOrEmpty(to)) return (null, null);
        static double? Seconds(string? text) =>
            double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;
        if (Seconds(from) is not { } f || Seconds(to) is not { } t)
            return (null, "A timeline range needs both 'from' and 'to', each a finite number of seconds.");
        if (t <= f)
            return (null, FormattableString.Invariant($"A timeline range must end after it starts: 'to' ({t}) is not after 'from' ({f})."));
        return ((f, t), null);
    }

    /// <summary>The playback copy. A view starts with a request from the first byte (audited); the player's later range requests belong to it.</summary>
    internal static async Task<PhysicalFileHttpResult> VideoAsync(Guid id, HttpContext context, PainReviewDbContext db, StudyAccess access,
        Audit.AuditLog audit, ReviewMedia files, CancellationToken ct)
    {
        var studyId = await access.RequireRecordingAsync(id, StudyPermission.WatchVideo, "watch its videos");
        var stored = await db.Recordings.AsNoTracking().Where(r => r.Id == id).Select(r => r.StoredFileName).SingleAsync(ct);
        var path = await files.EnsurePlayableAsync(id, stored, ct);
        var range = context.Request.Headers.Range.ToString();
        if (range.Length == 0 || range.StartsWith("bytes=0-", StringComparison.Ordinal))
        {
            await audit.AddAsync("video.viewed", nameof(Recording), id.ToString(), studyId: studyId, recordingId: id);
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.PhysicalFile(path, "video/mp4", enableRangeProcessing: true);
    }

    /// <summary>
    /// The time of every frame, for stepping frame by frame in the player: little-endian float64s,
    /// fetched by the page beside the circuit (a 30-minute recording's 54,000 times are 432 KB).
    /// </summary>
    internal static async Task<FileContentHttpResult> FrameTimesAsync(Guid id, PainReviewDbContext db, StudyAccess access, CancellationToken ct)
    {
        await access.RequireRecordingAsync(id, StudyPermission.WatchVideo, "step through its frames");
        var times = await db.FrameResults.AsNoTracking().Where(f => f.RecordingId == id).OrderBy(f => f.FrameIndex).Select(f => f.TimeSeconds).ToListAsync(ct);
        var bytes = new byte[times.Count * sizeof(double)];
        for (var i = 0; i < times.Count; i++)
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)), times[i]);
        return TypedResults.Bytes(bytes, "application/octet-stream");
    }

    /// <summary>One frame as a JPEG thumbnail (made once, then served from the store).</summary>
    internal static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> FrameImageAsync(Guid id, int frame, PainReviewDbContext db,
        StudyAccess access, ReviewMedia files, CancellationToken ct)
    {
        await access.RequireRecordingAsync(id, StudyPermission.WatchVideo, "see its frames");
        var found = await db.Recordings.AsNoTracking().Where(r => r.Id == id)
            .Select(r => new { r.StoredFileName, Time = r.FrameResults.Where(f => f.FrameIndex == frame).Select(f => (double?)f.TimeSeconds).FirstOrDefault() })
            .SingleOrDefaultAsync(ct);
        if (found?.Time is not { } time) return TypedResults.Problem($"This recording has no frame {frame}.", statusCode: StatusCodes.Status404NotFound);
        return TypedResults.PhysicalFile(await files.EnsureThumbnailAsync(id, found.StoredFileName, frame, time, ct), "image/jpeg");
    }
}
