using System.Globalization;
using CsvHelper;

namespace PainReview.Data.Import;

/// <summary>Recording dates: ISO (YYYY-MM-DD), never in the future.</summary>
public static class RecordingDates
{
    /// <summary>The latest date that is today somewhere on Earth (UTC+14): a clinic east of UTC is never refused its own today.</summary>
    public static DateOnly Latest => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(14));

    /// <summary>Parses an ISO date that is not in the future; otherwise a sentence saying what is wrong.</summary>
    public static bool TryParse(string? text, out DateOnly? day, out string? error)
    {
        day = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text)) return true;
        if (!DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            error = $"Recording date '{text.Trim()}' is not a date in the form YYYY-MM-DD.";
            return false;
        }
        if (parsed > Latest)
        {
            error = $"Recording date {parsed:yyyy-MM-dd} is in the future.";
            return false;
        }
        day = parsed;
        return true;
    }
}

/// <summary>One manifest row as read: its values, or why it cannot be uploaded.</summary>
/// <param name="Line">The row's line in the file (the header is line 1).</param>
public sealed record ManifestRow(int Line, string File, string Participant, string? Timepoint, DateOnly? RecordedOn, double? Vas, string? Notes, string? Error)
{
    public bool IsValid => Error is null;

    /// <summary>The row's values as the upload API's form fields.</summary>
    public IEnumerable<KeyValuePair<string, string>> Fields()
    {
        yield return new("participant", Participant);
        if (Timepoint is not null) yield return new("timepoint", Timepoint);
        if (RecordedOn is { } d) yield return new("recordedOn", d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (Vas is { } v) yield return new("vas", v.ToString(CultureInfo.InvariantCulture));
        if (Notes is not null) yield return new("notes", Notes);
    }
}

/// <summary>
/// A batch of recordings described by a CSV manifest: <c>file,participant,timepoint,recorded_on,vas,notes</c>
/// (header required, any column order; recorded_on ISO YYYY-MM-DD and not in the future; vas 0-10;
/// file a bare file name, found beside the manifest or among the files sent with it). Each row is
/// checked on its own, so one bad row never stops the others.
/// </summary>
public static class UploadManifest
{
    public static readonly string[] Columns = ["file", "participant", "timepoint", "recorded_on", "vas", "notes"];

    /// <summary>The most rows one manifest may hold.</summary>
    public const int MaxRows = 1000;

    /// <summary>Reads the rows; a manifest that cannot be read at all (no header, a missing column) throws <see cref="InvalidDataException"/> with a sentence.</summary>
    public static List<ManifestRow> Read(TextReader reader)
    {
        var options = new CsvReaderOptions
        {
            HasHeader = true,
            TrimWhitespace = true,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            MalformedData = CsvMalformedDataHandling.Throw,
        };
        using var csv = CsvReader.Create(reader, options, false);
        IReadOnlyList<string> header;
        try
        {
            csv.ReadHeader();
            header = [.. csv.Headers];
        }
        catch (CsvFormatException e)
        {
            throw new InvalidDataException($"The manifest cannot be read as CSV: {e.Message.Split('\n')[0]}");
        }
        if (header.Count == 0) throw new InvalidDataException($"The manifest is empty: its first line must name the columns {string.Join(",", Columns)}.");
        var missing = Columns.Take(2).Where(c => !header.Any(h => h.Trim().Equals(c, StringComparison.OrdinalIgnoreCase))).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"The manifest has no {string.Join(" or ", missing)} column: its first line must name the columns {string.Join(",", Columns)}.");
        var unknown = header.Where(h => !Columns.Contains(h.Trim().ToLowerInvariant())).ToList();
        if (unknown.Count > 0)
            throw new InvalidDataException($"The manifest has a column that is not one of {string.Join(",", Columns)}: {string.Join(", ", unknown)}.");

        var rows = new List<ManifestRow>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        while (Next(csv))
        {
            var line = (int)csv.LineNumber;
            string? Cell(string name) => csv.TryGetFieldIndex(name, out var index) && index < csv.FieldCount
                ? csv.GetString(index).Trim() is { Length: > 0 } value ? value : null
                : null;
            var cells = Columns.Select(Cell).ToList();
            if (cells.All(c => c is null)) continue; // a blank line
            if (rows.Count == MaxRows) throw new InvalidDataException($"The manifest has more than {MaxRows} rows: split it into several.");
            var file = Cell("file") ?? "";
            var participant = Cell("participant") ?? "";
            var timepoint = Cell("timepoint");
            var notes = Cell("notes");
            string? error = null;
            double? vas = null;
            DateOnly? day = null;
            if (file.Length == 0) error = "The row names no file.";
            else if (file != Path.GetFileName(file) || file is "." or ".." || file.Contains('\\', StringComparison.Ordinal))
                error = $"'{file}' is not a bare file name: give the name of a file beside the manifest.";
            else if (seen.TryGetValue(file, out var earlier)) error = $"{file} is already listed on line {earlier}.";
            else if (participant.Length == 0) error = "The row names no participant.";
            else if (!RecordingDates.TryParse(Cell("recorded_on"), out day, out var dateError)) error = dateError;
            else if (Cell("vas") is { } vasText)
            {
                if (double.TryParse(vasText, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v is >= 0 and <= 10) vas = v;
                else error = $"VAS '{vasText}' is not a number from 0 to 10.";
            }
            if (file.Length > 0) seen.TryAdd(file, line);
            rows.Add(new ManifestRow(line, file, participant, timepoint, day, vas, notes, error));
        }
        if (rows.Count == 0) throw new InvalidDataException("The manifest lists no recording.");
        return rows;
    }

    private static bool Next(CsvReader csv)
    {
        try
        {
            return csv.Read();
        }
        catch (CsvFormatException e)
        {
            throw new InvalidDataException($"The manifest cannot be read as CSV: {e.Message.Split('\n')[0]}");
        }
    }

    public static List<ManifestRow> Read(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader);
    }
}
