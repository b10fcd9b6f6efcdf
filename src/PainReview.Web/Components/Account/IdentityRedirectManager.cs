using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using PainReview.Data.Entities;

namespace PainReview.Web.Components.Account;

internal sealed class IdentityRedirectManager(NavigationManager navigationManager)
{
    public const string StatusCookieName = "Identity.StatusMessage";

    private static readonly CookieBuilder StatusCookieBuilder = new()
    {
        SameSite = SameSiteMode.Strict,
        HttpOnly = true,
        IsEssential = true,
        MaxAge = TimeSpan.FromSeconds(5),
    };

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

    public void RedirectTo(string uri, Dictionary<string, object?> queryParameters)
    {
        var uriWithoutQuery = navigationManager.ToAbsoluteUri(uri).GetLeftPart(UriPartial.Path);
        var newUri = navigationManager.GetUriWithQueryParameters(uriWithoutQuery, queryParameters);
        RedirectTo(newUri);
    }

    public void RedirectToWithStatus(string uri, string message, HttpContext context)
    {
        context.Response.Cookies.Append(StatusCookieName, message, StatusCookieBuilder.Build(context));
        RedirectTo(uri);
    }

    private string CurrentPath => navigationManager.ToAbsoluteUri(navigationManager.Uri).GetLeftPart(UriPartial.Path);

    public void RedirectToCurrentPage() => RedirectTo(CurrentPath);

    public void RedirectToCurrentPageWithStatus(string message, HttpContext context)
        => RedirectToWithStatus(CurrentPath, message, context);

    public void RedirectToInvalidUser(UserManager<ApplicationUser> userManager, HttpContext context)
        => RedirectToWithStatus("Account/InvalidUser", $"Error: Unable to load user with ID '{userManager.GetUserId(context.User)}'.", context);
}
