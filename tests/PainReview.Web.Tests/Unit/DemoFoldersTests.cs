using PainReview.Web.Features.Admin;
using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Tests.Unit;

/// <summary>The demo page reads only a folder inside the data folder: every other server path is refused with a sentence, links included.</summary>
public sealed class DemoFoldersTests : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();
    private string Data => Path.Combine(_temp.Path, "data");
    private string Videos => Path.Combine(Data, "videos");
    private string Work => Path.Combine(Data, "tmp");

    public DemoFoldersTests()
    {
        Directory.CreateDirectory(Path.Combine(Data, "demo"));
        Directory.CreateDirectory(Videos);
        Directory.CreateDirectory(Work);
        File.WriteAllText(Path.Combine(Videos, "recording.mp4"), "a participant's video");
    }

    public void Dispose() => _temp.Dispose();

    private string Resolve(string? input) => DemoFolders.Resolve(Data, [Videos, Work], input);

    [Theory]
    [InlineData("demo")]
    [InlineData("./demo/")]
    public void A_folder_inside_the_data_folder_is_accepted(string input) =>
        Assert.Equal(DemoFolders.Canonical(Path.Combine(Data, "demo")), Resolve(input));

    [Fact]
    public void Its_absolute_path_is_accepted_too() =>
        Assert.Equal(DemoFolders.Canonical(Path.Combine(Data, "demo")), Resolve(Path.Combine(Data, "demo")));

    [Theory]
    [InlineData("/etc")]
    [InlineData("/")]
    [InlineData("/no/such/folder")]
    [InlineData("../")]
    [InlineData("demo/../../")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void Any_other_path_is_refused_with_the_same_sentence(string? input)
    {
        var e = Assert.Throws<PortalValidationException>(() => Resolve(input));
        Assert.StartsWith("Demo studies are imported only from a folder inside the data folder", e.Message);
        Assert.DoesNotContain("passwd", e.Message);
    }

    [Fact]
    public void A_link_inside_the_data_folder_that_leads_outside_is_refused()
    {
        Directory.CreateSymbolicLink(Path.Combine(Data, "escape"), "/etc");
        var e = Assert.Throws<PortalValidationException>(() => Resolve("escape"));
        Assert.StartsWith("Demo studies are imported only from a folder inside the data folder", e.Message);
        Directory.CreateSymbolicLink(Path.Combine(Data, "demo", "up"), "../..");
        Assert.Throws<PortalValidationException>(() => Resolve("demo/up"));
    }

    [Theory]
    [InlineData("videos")]
    [InlineData("tmp")]
    public void The_video_store_and_the_work_folder_are_refused(string input)
    {
        var e = Assert.Throws<PortalValidationException>(() => Resolve(input));
        Assert.Contains("the portal's own files", e.Message);
        Directory.CreateSymbolicLink(Path.Combine(Data, "demo", "store"), Videos);
        Assert.Throws<PortalValidationException>(() => Resolve("demo/store"));
    }

    [Fact]
    public void A_missing_folder_inside_is_named()
    {
        var e = Assert.Throws<PortalValidationException>(() => Resolve("nothing-here"));
        Assert.Equal($"There is no folder 'nothing-here' in the data folder ({DemoFolders.Canonical(Data)}).", e.Message);
    }
}
