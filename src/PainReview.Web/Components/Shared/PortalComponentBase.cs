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
        scope.ServiceProvider.GetRequiredService<PortalUser>().Name = User.Identity?.Name;
        try
        {
            await work(scope.ServiceProvider);
            if (success is not null) Snackbar.Add(success, Severity.Success);
            return true;
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

    protected async Task<T> QueryAsync<T>(Func<IServiceProvider, Task<T>> query)
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        return await query(scope.ServiceProvider);
    }
}
