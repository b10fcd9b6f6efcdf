using PainReview.Data.Import;

namespace PainReview.Web.Tests.Unit;

/// <summary>The manifest CSV: each row checked on its own, with a sentence for what is wrong; a manifest that cannot be read is refused as a whole.</summary>
public sealed class UploadManifestTests
{
    private static List<ManifestRow> Read(string text) => UploadManifest.Read(new StringReader(text));

    [Fact]
    public void Rows_are_read_with_their_values_and_errors()
    {
        var rows = Read("""
            participant,file,vas,recorded_on,timepoint,notes
            P-1,a.mp4,4.5,2026-11-03,baseline,"a, b"

            P-2,b.mp4,11,2026-11-03,,
            P-3,../c.mp4,,,,
            P-4,d.mp4,,03/11/2026,,
            P-5,a.mp4,,,,
            ,f.mp4,,,,
            P-7,g.mp4,,2999-01-01,,
            """);
        Assert.Equal(7, rows.Count);
        var first = rows[0];
        Assert.True(first.IsValid);
        Assert.Equal(("a.mp4", "P-1", "baseline", new DateOnly(2026, 11, 3), 4.5, "a, b"), (first.File, first.Participant, first.Timepoint, first.RecordedOn!.Value, first.Vas!.Value, first.Notes));
        Assert.Equal(2, first.Line);
        Assert.Equal("VAS '11' is not a number from 0 to 10.", rows[1].Error);
        Assert.Equal(4, rows[1].Line);
        Assert.Contains("not a bare file name", rows[2].Error);
        Assert.Equal("Recording date '03/11/2026' is not a date in the form YYYY-MM-DD.", rows[3].Error);
        Assert.Equal("a.mp4 is already listed on line 2.", rows[4].Error);
        Assert.Equal("The row names no participant.", rows[5].Error);
        Assert.Equal("Recording date 2999-01-01 is in the future.", rows[6].Error);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("file,vas\na.mp4,3\n", "no participant column")]
    [InlineData("file,participant,name\na.mp4,P-1,John Smith\n", "not one of")]
    [InlineData("file,participant\n", "lists no recording")]
    public void A_manifest_that_cannot_be_read_is_refused_with_a_sentence(string text, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => Read(text));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Today_anywhere_is_not_the_future()
    {
        Assert.True(RecordingDates.TryParse(DateTime.UtcNow.ToString("yyyy-MM-dd"), out var today, out _));
        Assert.NotNull(today);
        Assert.False(RecordingDates.TryParse(DateTime.UtcNow.AddDays(2).ToString("yyyy-MM-dd"), out _, out var error));
        Assert.Contains("in the future", error);
    }
}
