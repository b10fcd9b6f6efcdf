using System.Globalization;
using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Faces;

namespace PainReview.Pipeline.Analysis;

/// <summary>
/// The per-frame CSV contract (stable; other tools parse it): frame, time, face, pose; one column
/// per AU; hpii, pspi, apex; then quality flags, the smile flag and, optionally, the landmarks. AU and score cells
/// are empty where the frame is unusable.
/// </summary>
public static class FramesCsv
{
    public static readonly string[] LeadingColumns = ["frame", "time_s", "face", "confidence", "yaw", "pitch", "roll"];
    public static readonly string[] ScoreColumns = ["hpii", "pspi", "apex"];
    public static readonly string[] QualityColumns = ["usable", "pose_ok", "detected", "multi_face", "subject_uncertain", "smile"];

    public static IEnumerable<string> Header(bool landmarks)
    {
        var header = LeadingColumns.Concat(ActionUnitDefinitions.All.Select(d => d.Unit.ToString())).Concat(ScoreColumns).Concat(QualityColumns);
        return landmarks
            ? header.Concat(Enumerable.Range(0, FaceMeshLandmarker.LandmarkCount).SelectMany(i => new[] { $"x{i}", $"y{i}", $"z{i}" }))
            : header;
    }

    public static void WriteHeader(TextWriter writer, bool landmarks) => writer.WriteLine(string.Join(',', Header(landmarks)));

    /// <param name="landmarks">Image-pixel landmarks to append (468 x 3), empty for none; null when the header has no landmark columns.</param>
    public static void WriteRow(TextWriter writer, FrameRecord f, ReadOnlySpan<float> landmarks = default, bool withLandmarks = false)
    {
        var c = CultureInfo.InvariantCulture;
        writer.Write(f.Index.ToString(c));
        writer.Write(',');
        writer.Write(f.TimeSeconds.ToString("0.####", c));
        writer.Write(f.Face ? ",1," : ",0,");
        writer.Write(f.Confidence.ToString("0.###", c));
        Optional(writer, f.Yaw, "0.##");
        Optional(writer, f.Pitch, "0.##");
        Optional(writer, f.Roll, "0.##");
        for (var i = 0; i < ActionUnitDefinitions.Count; i++) Optional(writer, f.ActionUnits?[i], "0.###");
        Optional(writer, f.Hpii, "0.###");
        Optional(writer, f.Pspi, "0.###");
        writer.Write(f.Apex ? ",1" : ",0");
        writer.Write(f.Usable ? ",1" : ",0");
        writer.Write(f.PoseOk ? ",1" : ",0");
        writer.Write(f.Detected ? ",1" : ",0");
        writer.Write(f.MultipleFaces ? ",1" : ",0");
        writer.Write(f.SubjectUncertain ? ",1" : ",0");
        writer.Write(f.Smile ? ",1" : ",0");
        if (withLandmarks)
        {
            if (landmarks.Length > 0)
                foreach (var v in landmarks) { writer.Write(','); writer.Write(v.ToString("0.##", c)); }
            else
                writer.Write(new string(',', FaceMeshLandmarker.LandmarkCount * 3));
        }
        writer.WriteLine();
    }

    private static void Optional(TextWriter writer, double? value, string format)
    {
        writer.Write(',');
        if (value is { } v) writer.Write(v.ToString(format, CultureInfo.InvariantCulture));
    }

    private static void Optional(TextWriter writer, float? value, string format) => Optional(writer, (double?)value, format);

    /// <summary>Reads a frames CSV back: each row as column name to cell (for plots and cohort reports).</summary>
    public static IEnumerable<IReadOnlyDictionary<string, string>> Read(string path)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine()?.Split(',') ?? throw new InvalidDataException($"{Path.GetFileName(path)} is empty.");
        if (!header.AsSpan().StartsWith(LeadingColumns))
            throw new InvalidDataException($"{Path.GetFileName(path)} is not a PainReview frames CSV (its header does not start with {string.Join(',', LeadingColumns)}).");
        while (reader.ReadLine() is { } line)
        {
            var cells = line.Split(',');
            var row = new Dictionary<string, string>(header.Length);
            for (var i = 0; i < header.Length && i < cells.Length; i++) row[header[i]] = cells[i];
            yield return row;
        }
    }

    public static double? Number(IReadOnlyDictionary<string, string> row, string column) =>
        row.TryGetValue(column, out var cell) && double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
}
