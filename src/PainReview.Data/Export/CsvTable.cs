using System.Globalization;
using System.Reflection;

namespace PainReview.Data.Export;

/// <summary>
/// RFC 4180 CSV for the export's row types: a header of property names, invariant-culture values,
/// empty cells for nulls, quotes where a value needs them. Text cells go through
/// <see cref="CsvCell.Text"/>, so none can run as a spreadsheet formula; numbers stay plain numbers.
/// </summary>
public static class CsvTable<T>
{
    private static readonly PropertyInfo[] Properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance);

    public static IReadOnlyList<string> Columns { get; } = Properties.Select(p => p.Name).ToArray();

    public static Task WriteHeaderAsync(TextWriter writer) => writer.WriteLineAsync(string.Join(',', Columns.Select(CsvCell.Quote)));

    public static async Task WriteRowsAsync(TextWriter writer, IEnumerable<T> rows)
    {
        foreach (var row in rows)
            await writer.WriteLineAsync(string.Join(',', Properties.Select(p => Cell(p.GetValue(row)))));
    }

    private static string Cell(object? value) => value switch
    {
        null => "",
        string text => CsvCell.Text(text),
        char c => CsvCell.Text(c.ToString()),
        bool b => b ? "1" : "0",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable formattable => CsvCell.Quote(formattable.ToString(null, CultureInfo.InvariantCulture)),
        _ => CsvCell.Text(value.ToString() ?? ""),
    };
}

/// <summary>
/// One CSV cell, safe to open in a spreadsheet. Shared by every writer of CSV or spreadsheet-bound
/// tables, so the rule lives in one place.
/// </summary>
public static class CsvCell
{
    /// <summary>
    /// Characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (or, for
    /// tab and carriage return, hide one behind them): OWASP's CSV injection list.
    /// </summary>
    private static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r'];

    /// <summary>Whether a text value would start a spreadsheet formula.</summary>
    public static bool IsFormulaLike(string text) => text.Length > 0 && Array.IndexOf(FormulaStarts, text[0]) >= 0;

    /// <summary>
    /// A text value that a spreadsheet shows as the text it is: one starting with =, +, -, @, tab or
    /// carriage return gets a leading single quote (OWASP); any other text is returned unchanged.
    /// For text only: numbers written from numeric values must not pass through here.
    /// </summary>
    public static string Neutralise(string text) => IsFormulaLike(text) ? "'" + text : text;

    /// <summary>
    /// A text value as a complete CSV cell: neutralised, then quoted (doubling inner quotes) when it
    /// was neutralised or holds a comma, quote or line break.
    /// </summary>
    public static string Text(string text) => IsFormulaLike(text) ? Quoted("'" + text) : Quote(text);

    /// <summary>RFC 4180 quoting: only where the value needs it.</summary>
    public static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? Quoted(value) : value;

    private static string Quoted(string value) => "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
