using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using PainReview.Web.Features.Audit;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Components.Shared;

/// <summary>
/// Base of the portal's pages: each action runs in a fresh service scope (a Blazor circuit lives
/// long; a DbContext should not), acting as the signed-in user, with problems shown as messages.
/// </summary>
public abstract class PortalComponentBase : ComponentBase
{
    [Inject] protected IServiceScopeFactory ScopeFactory { get; set; } = default!;
    [Inject] protected AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] protected ISnackbar Snackbar { get; set; } = default!;
    [Inject] protected ILogger<PortalComponentBase> Logger { get; set; } = default!;
    [Inject] protected NavigationManager Navigation { get; set; } = default!;

    protected ClaimsPrincipal User { get; private set; } = new();

    protected bool IsInAnyRole(params string[] roles) => roles.Any(User.IsInRole);

    protected override async Task OnInitializedAsync()
    {
        User = (await Authentication.GetAuthenticationStateAsync()).User;
        await OnPortalInitializedAsync();
    }

    protected virtual Task OnPortalInitializedAsync() => Task.CompletedTask;

    /// <summary>Runs work with services of a scope of its own; returns false and shows why when it fails.</summary>
    protected async Task<bool> RunAsync(Func<IServiceProvider, Task> work, string? success = null)
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<PortalUser>().Principal = User;
        try
        {
            await work(scope.ServiceProvider);
            if (success is not null) Snackbar.Add(success, Severity.Success);
            return true;
        }
        catch (Features.Access.AccessException e) when (e.StatusCode == StatusCodes.Status401Unauthorized)
        {
            SessionEnded();
            return false;
        }
        catch (PortalValidationException e)
        {
            Snackbar.Add(e.Message, Severity.Error);
            return false;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or Microsoft.EntityFrameworkCore.DbUpdateException)
        {
            Logger.LogError(e, "A portal action failed.");
            Snackbar.Add($"That did not work: {e.Message}", Severity.Error);
            return false;
        }
    }

    /// <summary>
    /// Reads with services of a scope of its own, as the signed-in user. A session that has ended
    /// (signed out, locked, access changed) sends the page to the sign-in form.
    /// </summary>
    protected async Task<T> QueryAsync<T>(Func<IServiceProvider, Task<T>> query)
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<PortalUser>().Principal = User;
        try
        {
            return await query(scope.ServiceProvider);
        }
        catch (Features.Access.AccessException e) when (e.StatusCode == StatusCodes.Status401Unauthorized)
        {
            SessionEnded();
            throw new OperationCanceledException(e.Message, e);
        }
    }

    /// <summary>The studies in which the signed-in user has the permission.</summary>
    protected static Task<List<Guid>> StudiesAsync(IServiceProvider services, Features.Access.StudyPermission permission) =>
        services.GetRequiredService<Features.Access.StudyAccess>().StudiesAsync(permission);

    protected static Task<bool> CanAsync(IServiceProvider services, Guid studyId, Features.Access.StudyPermission permission) =>
        services.GetRequiredService<Features.Access.StudyAccess>().CanAsync(studyId, permission);

    private void SessionEnded()
    {
        // A full reload: the server then sees the ended session and asks for a new sign-in.
        try { Navigation.NavigateTo("Account/Login?ended=1", forceLoad: true); }
        catch (NavigationException) { /* during prerendering the redirect is already under way */ }
    }
}
