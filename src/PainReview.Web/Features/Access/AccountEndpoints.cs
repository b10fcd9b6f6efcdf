using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using PainReview.Data.Entities;

namespace PainReview.Web.Features.Access;

/// <summary>Account endpoints beside the sign-in pages: signing out and keeping an active session alive.</summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/Account/Logout", SignOutAsync);
        app.MapPost("/Account/KeepAlive", KeepAlive).DisableAntiforgery();
        return app;
    }

    /// <summary>Signing out ends the session on the server: a new security stamp voids every cookie issued before.</summary>
    internal static async Task<RedirectHttpResult> SignOutAsync(SignInManager<ApplicationUser> signIn, UserManager<ApplicationUser> users,
        Audit.AuditLog audit, HttpContext context)
    {
        if (await users.GetUserAsync(context.User) is { } user)
        {
            await users.UpdateSecurityStampAsync(user);
            await audit.RecordAccountEventAsync("signout", user.Id, user.UserName);
        }
        await signIn.SignOutAsync();
        return TypedResults.LocalRedirect("~/Account/Login");
    }

    /// <summary>An active page keeps its session alive (session.js); the header guards it against cross-site posts.</summary>
    internal static Results<NoContent, ProblemHttpResult> KeepAlive(HttpContext context) =>
        context.Request.Headers.ContainsKey(PortalEndpoints.ApiHeader)
            ? TypedResults.NoContent()
            : TypedResults.Problem($"Send the {PortalEndpoints.ApiHeader} header.", statusCode: StatusCodes.Status400BadRequest);
}
