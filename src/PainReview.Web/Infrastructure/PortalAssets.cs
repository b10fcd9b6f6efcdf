using Microsoft.Extensions.FileProviders;

namespace PainReview.Web.Infrastructure;

/// <summary>
/// The portal's own styles and scripts: <c>wwwroot-assets/</c> at the repository's top level, copied
/// beside the app by build and publish (the project file), so that development, tests, a publish and
/// the Docker image serve the same folder the same way. A file provider, not linked static web
/// assets: those are served as 0-byte files by MapStaticAssets (dotnet/aspnetcore#66833).
/// Third-party assets (MudBlazor, the Blazor framework) still come from their packages through MapStaticAssets.
/// </summary>
public static class PortalAssets
{
    public const string FolderName = "wwwroot-assets";

    public static string Folder => Path.Combine(AppContext.BaseDirectory, FolderName);

    /// <summary>Serves the folder; placed before routing and the sign-in fallback policy, as the assets are public.</summary>
    public static IApplicationBuilder UsePortalAssets(this IApplicationBuilder app)
    {
        if (!Directory.Exists(Folder))
            throw new DirectoryNotFoundException($"The portal's assets are missing: {Folder} (the build copies {FolderName}/ from the repository there).");
        return app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(Folder) });
    }
}
