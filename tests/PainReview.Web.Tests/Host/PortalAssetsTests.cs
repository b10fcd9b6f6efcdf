using System.Net;
using PainReview.Web.Infrastructure;
using PainReview.Web.Tests.Support;

namespace PainReview.Web.Tests.Host;

/// <summary>
/// Host: every file in the repository's wwwroot-assets/ is served, without signing in, with exactly
/// its bytes (linked static web assets once arrived as 0-byte files), and the pages link them.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class PortalAssetsTests(PortalFixture portal)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static string RepositoryAssets()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PainReview.sln"))) return Path.Combine(dir.FullName, PortalAssets.FolderName);
        throw new DirectoryNotFoundException("The repository root (PainReview.sln) was not found above the test's folder.");
    }

    [Fact]
    public async Task Each_asset_is_served_anonymously_with_the_bytes_of_its_file()
    {
        var folder = RepositoryAssets();
        var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        var client = portal.Factory.Client();
        foreach (var file in files)
        {
            var path = "/" + Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
            var response = await client.GetAsync(path, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
            var expected = await File.ReadAllBytesAsync(file, Ct);
            Assert.NotEmpty(expected);
            Assert.Equal(expected, await response.Content.ReadAsByteArrayAsync(Ct));
        }
    }

    [Fact]
    public async Task The_sign_in_page_links_the_portal_styles_and_scripts()
    {
        var page = await portal.Factory.Client().GetStringAsync("/Account/Login", Ct);
        foreach (var asset in new[] { "app.css", "session.js", "clinic.js" })
            Assert.Contains($"\"{asset}\"", page);
    }

    [Fact]
    public async Task The_pages_scoped_styles_are_linked_and_served_with_each_pages_rules()
    {
        var client = portal.Factory.Client();
        var page = await client.GetStringAsync("/Account/Login", Ct);
        var link = System.Text.RegularExpressions.Regex.Match(page, "href=\"(PainReview\\.Web[^\"]*\\.styles\\.css)\"");
        Assert.True(link.Success, "the page does not link the scoped styles bundle");
        var css = await client.GetStringAsync("/" + link.Groups[1].Value, Ct);
        foreach (var rule in new[] { ".recording-page", ".audit-page", ".cohort-page", ".export-page", ".studies-page", ".study-page", ".review-page", ".queue-page" })
            Assert.Contains(rule, css);
    }
}
