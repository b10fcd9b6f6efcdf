using PainReview.Data.Entities;

namespace PainReview.Web.Tests.Unit;

/// <summary>Unit: the one naming rule of the video store (uploads and demo imports alike).</summary>
public sealed class StoredFilesTests
{
    private static readonly Guid Id = Guid.Parse("0123456789abcdef0123456789abcdef");

    [Theory]
    [InlineData("clinic visit.mp4", ".mp4")]
    [InlineData("FACE.MOV", ".mov")]
    [InlineData("P-001_2026-11-03.webm", ".webm")]
    [InlineData("recording", ".bin")]
    [InlineData("archive.tar.verylong", ".bin")]
    [InlineData("odd.m p4", ".bin")]
    [InlineData("trailing.", ".bin")]
    [InlineData("../../etc/passwd.mp4", ".mp4")]
    public void A_stored_name_is_the_id_and_a_plain_lower_case_extension(string original, string extension)
    {
        var name = StoredFiles.NameFor(Id, original);
        Assert.Equal("0123456789abcdef0123456789abcdef" + extension, name);
        Assert.DoesNotContain(Path.GetFileNameWithoutExtension(original), name, StringComparison.OrdinalIgnoreCase);
    }
}
