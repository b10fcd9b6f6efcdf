using Microsoft.AspNetCore.Components;

namespace PainReview.Web.Components.Account;

internal sealed class IdentityRedirectManager(NavigationManager navigationManager)
{
    public void RedirectTo(string? uri) => navigationManager.NavigateTo(SafeLocalPath(uri, navigationManager.BaseUri));

    /// <summary>
    /// Where a sign-in may return to: a path on this site, or the home page. Anything else (another
    /// host, a scheme, '//' or '\\', control characters, a malformed URL) goes home: no open redirect, no error.
    /// </summary>
    public static string SafeLocalPath(string? uri, string baseUri)
    {
        if (string.IsNullOrWhiteSpace(uri) || uri.Length > 2000 || uri.Any(char.IsControl)) return "/";
        if (Uri.TryCreate(uri, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https"
            && Uri.TryCreate(baseUri, UriKind.Absolute, out var site) && site.IsBaseOf(absolute))
            uri = absolute.PathAndQuery;
        if (!uri.StartsWith('/') || uri.StartsWith("//", StringComparison.Ordinal) || uri.StartsWith("/\\", StringComparison.Ordinal) || uri.Contains('\\'))
            return "/";
        return Uri.IsWellFormedUriString(uri, UriKind.Relative) ? uri : "/";
    }
}
