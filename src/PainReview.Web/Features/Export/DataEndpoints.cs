using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Export;
using PainReview.Pipeline.Analysis;
using PainReview.Web.Features.Cohort;
using PainReview.Web.Features.Endpoints;
using PainReview.Web.Features.Protocols;
using PainReview.Web.Infrastructure;

namespace PainReview.Web.Features.Export;

/// <summary>Datasets and reports: the study's Data managers (and Admins) only; every download audited.</summary>
public static class DataEndpoints
{
    public static RouteGroupBuilder MapDataEndpoints(this IEndpointRouteBuilder app)
    {
        var data = app.MapGroup("/data").RequireAuthorization(Policies.DataStewards).WithRefusals();
        data.MapGet("/export", ExportAsync);
        data.MapGet("/cohort-report", CohortReportAsync);
        return data;
    }

    /// <summary>The study's dataset in one format; the file is deleted once sent.</summary>
    internal static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> ExportAsync(Guid study, string? format, bool? unreviewed, bool? video,
        ExportService exports, CancellationToken ct)
    {
        if (!Enum.TryParse<ExportFormat>(format ?? "Csv", ignoreCase: true, out var parsed) || int.TryParse(format, out _))
            return TypedResults.Problem($"Unknown format '{format}': use csv, json, parquet or fhir.", statusCode: StatusCodes.Status400BadRequest);
        var file = await exports.ExportAsync(study, parsed, unreviewed ?? false, video ?? false, ct);
        return TypedResults.File(new DeleteOnCloseStream(file.Path), file.Result.ContentType, file.Result.FileName);
    }

    /// <summary>
    /// The cohort report as one HTML file: the study's protocol, with the page's HPII and APEX settings
    /// where given, over the signed recordings unless asked otherwise (the export's default too).
    /// Rights are checked by the analytics.
    /// </summary>
    internal static async Task<Results<FileContentHttpResult, ProblemHttpResult>> CohortReportAsync(Guid study, bool? reviewedOnly,
        double? w4, double? w67, double? w9, string? combine, string? apex, double? quantile, bool? q1, string? decisions,
        CohortAnalytics analytics, Audit.AuditLog audit, PainReviewDbContext db, CancellationToken ct)
    {
        var source = DecisionSource.InForce;
        if (!string.IsNullOrEmpty(decisions) && !(Enum.TryParse(decisions, ignoreCase: true, out source) && Enum.IsDefined(source)))
            return TypedResults.Problem($"decisions must be {string.Join(", ", Enum.GetNames<DecisionSource>())}, not '{decisions}'.", statusCode: StatusCodes.Status400BadRequest);
        AnalysisConfig config;
        var protocol = await ProtocolService.CurrentAsync(db, study, ct);
        try
        {
            config = CohortSettings.ToConfig(protocol.Config, w4, w67, w9, combine, apex, quantile, q1);
            config.Validate();
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
        }
        var report = await analytics.ComputeAsync(study, reviewedOnly ?? true, config, ct, source);
        var models = await db.Recordings.AsNoTracking().Where(r => r.StudyId == study && r.SummaryJson != null).Select(r => r.SummaryJson!).FirstOrDefaultAsync(ct) is { } summary
            ? AnalysisDocument.Read(summary).Models : [];
        var user = await audit.CurrentUserAsync();
        await audit.AddAsync("report.downloaded", "Study", study.ToString(),
            after: new { recordings = report.Points.Count, protocolVersion = report.ProtocolVersion, decisions = report.Decisions.ToString(), configuration = config },
            studyId: study, user: user);
        await db.SaveChangesAsync(ct);
        var html = CohortReportHtml.Render(report, user, models);
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(html), "text/html; charset=utf-8", $"painreview-cohort-report-{DateTime.UtcNow:yyyyMMdd-HHmmss}.html");
    }
}
