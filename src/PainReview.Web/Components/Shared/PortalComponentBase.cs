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
        var failure = await AttemptAsync(work);
        if (failure is null)
        {
            if (success is not null) Snackbar.Add(success, Severity.Success);
            return true;
        }
        ShowFailure(failure);
        return false;
    }

    /// <summary>Shows why an action failed: a refusal's own sentence, anything else as "That did not work"; an ended session shows nothing (the page is on its way to the sign-in form).</summary>
    protected void ShowFailure(Exception failure)
    {
        if (failure is not Features.Access.AccessException { StatusCode: StatusCodes.Status401Unauthorized })
            Snackbar.Add(failure is PortalValidationException ? failure.Message : $"That did not work: {failure.Message}", Severity.Error);
    }

    /// <summary>
    /// Runs work with services of a scope of its own, as the signed-in user, and returns why it
    /// failed (null when it did not), for pages that show the problem beside their form: a refusal
    /// with its sentence, or an I/O, state or database error (logged). An ended session sends the
    /// page to the sign-in form. Anything else is a defect and is left to the error page.
    /// </summary>
    protected async Task<Exception?> AttemptAsync(Func<IServiceProvider, Task> work)
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<PortalUser>().Principal = User;
        try
        {
            await work(scope.ServiceProvider);
            return null;
        }
        catch (Features.Access.AccessException e) when (e.StatusCode == StatusCodes.Status401Unauthorized)
        {
            SessionEnded();
            return e;
        }
        catch (PortalValidationException e)
        {
            return e;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or Microsoft.EntityFrameworkCore.DbUpdateException)
        {
            Logger.LogError(e, "A portal action failed.");
            return e;
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
