namespace PainReview.Web.Infrastructure;

/// <summary>
/// Headers on every response: a Content-Security-Policy that allows only the portal's own scripts
/// and connections, no sniffing, no referrer outside the site, no framing; and no caching of
/// anything that holds participant data (videos, frames, exports, reports, API answers).
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; " +
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    // The Hangfire dashboard (Admins only) is built with inline scripts of its own.
    private const string DashboardPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

    private static readonly string[] PrivatePrefixes = ["/media", "/data", "/api"];

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var headers = context.Response.Headers;
        var path = context.Request.Path;
        headers.ContentSecurityPolicy = path.StartsWithSegments("/hangfire") ? DashboardPolicy : ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()";
        if (PrivatePrefixes.Any(p => path.StartsWithSegments(p)))
            context.Response.OnStarting(() =>
            {
                // Set as the response starts, so that no file result's own caching headers win.
                headers.CacheControl = "no-store";
                headers.Pragma = "no-cache";
                return Task.CompletedTask;
            });
        await next();
    });
}
