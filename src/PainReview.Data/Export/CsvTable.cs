using System.Globalization;
using System.Reflection;

namespace PainReview.Data.Export;

/// <summary>
/// RFC 4180 CSV for the export's row types: a header of property names, invariant-culture values,
/// empty cells for nulls, quotes where a value needs them.
/// </summary>
public static class CsvTable<T>
{
    private static readonly PropertyInfo[] Properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance);

    public static IReadOnlyList<string> Columns { get; } = Properties.Select(p => p.Name).ToArray();

    public static Task WriteHeaderAsync(TextWriter writer) => writer.WriteLineAsync(string.Join(',', Columns.Select(Quote)));

    public static async Task WriteRowsAsync(TextWriter writer, IEnumerable<T> rows)
    {
        foreach (var row in rows)
            await writer.WriteLineAsync(string.Join(',', Properties.Select(p => Quote(Format(p.GetValue(row))))));
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        bool b => b ? "1" : "0",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
