using System.Globalization;
using System.Text.Json;
using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Analysis;

namespace PainReview.Pipeline.Scoring;

/// <summary>Agreement of one AU between PainReview and a reference, over the frames both have.</summary>
/// <param name="Flat">The reference does not vary over those frames: r and ICC are undefined.</param>
public sealed record AuAgreementRow(string Unit, string ReferenceColumn, int N, double? Pearson, double? Icc31, double? Mae, bool Flat);

/// <summary>A reference's per-frame AU intensities keyed by PainReview's 0-based frame number.</summary>
public sealed record AuReference(string Kind, IReadOnlyDictionary<int, IReadOnlyDictionary<string, double>> Frames, IReadOnlyList<string> Columns);

/// <summary>
/// Compares per-frame AU intensities with a reference on the same frames: an OpenFace 2.x
/// FeatureExtraction CSV (1-based <c>frame</c>, <c>AUxx_r</c> columns, headers with spaces) or a
/// hand-coded CSV (<c>frame,AU04,...</c>, PainReview's 0-based frame numbers). Per AU: Pearson r,
/// ICC(3,1) (two-way mixed, consistency, single measures; Shrout and Fleiss), mean absolute error and n,
/// only over frames where both have a value.
/// </summary>
public static class AuAgreement
{
    /// <summary>Reads a reference CSV, telling OpenFace's format from a hand-coded one by its columns.</summary>
    public static AuReference ReadReference(string path)
    {
        using var reader = new StreamReader(path);
        var header = (reader.ReadLine() ?? throw new InvalidDataException($"{Path.GetFileName(path)} is empty."))
            .Split(',').Select(h => h.Trim()).ToArray();
        var frameColumn = Array.FindIndex(header, h => h.Equals("frame", StringComparison.OrdinalIgnoreCase));
        if (frameColumn < 0) throw new InvalidDataException($"{Path.GetFileName(path)} has no 'frame' column.");
        var openFace = header.Contains("face_id") || header.Contains("success") || header.Any(h => h.EndsWith("_r", StringComparison.Ordinal) && h.StartsWith("AU", StringComparison.Ordinal));
        var successColumn = Array.IndexOf(header, "success");
        var auColumns = Enumerable.Range(0, header.Length)
            .Where(i => header[i].StartsWith("AU", StringComparison.OrdinalIgnoreCase) && (!openFace || header[i].EndsWith("_r", StringComparison.Ordinal)))
            .ToArray();
        if (auColumns.Length == 0) throw new InvalidDataException($"{Path.GetFileName(path)} has no AU columns (AU04, or OpenFace's AU04_r).");

        var frames = new Dictionary<int, IReadOnlyDictionary<string, double>>();
        var line = 1;
        while (reader.ReadLine() is { } row)
        {
            line++;
            if (string.IsNullOrWhiteSpace(row)) continue;
            var cells = row.Split(',');
            if (cells.Length <= frameColumn || !int.TryParse(cells[frameColumn].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var frame))
                throw new InvalidDataException($"{Path.GetFileName(path)} line {line}: the frame number is not a whole number.");
            if (openFace) frame -= 1; // OpenFace counts frames from 1
            if (frame < 0) throw new InvalidDataException($"{Path.GetFileName(path)} line {line}: frame numbers start at {(openFace ? 1 : 0)}.");
            // OpenFace writes a row for frames where tracking failed (success 0): its AU values there mean nothing.
            if (successColumn >= 0 && successColumn < cells.Length && cells[successColumn].Trim() == "0") continue;
            var values = new Dictionary<string, double>();
            foreach (var c in auColumns)
            {
                if (c >= cells.Length || string.IsNullOrWhiteSpace(cells[c])) continue;
                if (!double.TryParse(cells[c].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                    throw new InvalidDataException($"{Path.GetFileName(path)} line {line}: {header[c]} is not a number ('{cells[c].Trim()}').");
                values[header[c]] = v;
            }
            if (!frames.TryAdd(frame, values))
                throw new InvalidDataException($"{Path.GetFileName(path)} line {line}: frame {cells[frameColumn].Trim()} appears twice.");
        }
        return new AuReference(openFace ? "OpenFace" : "hand-coded", frames, auColumns.Select(c => header[c]).ToList());
    }

    /// <summary>
    /// Which reference column each PainReview AU is compared with: <paramref name="mapJson"/> (an object
    /// such as <c>{"AU04": "AU04_r"}</c>) when given, else every AU whose name the reference shares
    /// (<c>AU04</c> or <c>AU04_r</c>; <c>AU4</c> too).
    /// </summary>
    public static IReadOnlyList<(string Unit, string Column)> Map(AuReference reference, string? mapJson = null)
    {
        var ours = ActionUnitDefinitions.All.Select(d => d.Unit.ToString()).ToList();
        if (mapJson is not null)
        {
            Dictionary<string, string>? map;
            try { map = JsonSerializer.Deserialize<Dictionary<string, string>>(mapJson); }
            catch (JsonException e) { throw new InvalidDataException($"The AU map is not a JSON object of AU names to column names: {e.Message}"); }
            if (map is null || map.Count == 0) throw new InvalidDataException("The AU map is empty.");
            foreach (var (unit, column) in map)
            {
                if (!ours.Contains(unit)) throw new InvalidDataException($"The AU map names {unit}, which PainReview does not estimate ({string.Join(", ", ours)}).");
                if (!reference.Columns.Contains(column)) throw new InvalidDataException($"The AU map names the column '{column}', which the reference does not have.");
            }
            return map.Select(kv => (kv.Key, kv.Value)).ToList();
        }
        var pairs = new List<(string, string)>();
        foreach (var unit in ours)
        {
            var number = int.Parse(unit[2..], CultureInfo.InvariantCulture);
            var column = reference.Columns.FirstOrDefault(c =>
            {
                var name = c.EndsWith("_r", StringComparison.Ordinal) ? c[..^2] : c;
                return name.Length > 2 && name.StartsWith("AU", StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(name[2..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n == number;
            });
            if (column is not null) pairs.Add((unit, column));
        }
        if (pairs.Count == 0) throw new InvalidDataException("The reference shares no AU with PainReview; give --map.");
        return pairs;
    }

    /// <summary>Agreement per mapped AU between our frames (0-based frame to AU values) and the reference.</summary>
    public static IReadOnlyList<AuAgreementRow> Compare(IReadOnlyDictionary<int, IReadOnlyDictionary<string, double>> ours,
        AuReference reference, IReadOnlyList<(string Unit, string Column)> map)
    {
        var rows = new List<AuAgreementRow>();
        foreach (var (unit, column) in map)
        {
            var x = new List<double>();
            var y = new List<double>();
            foreach (var (frame, values) in reference.Frames)
                if (values.TryGetValue(column, out var r) && ours.TryGetValue(frame, out var mine) && mine.TryGetValue(unit, out var m))
                {
                    x.Add(m);
                    y.Add(r);
                }
            rows.Add(Row(unit, column, x, y));
        }
        return rows;
    }

    public static AuAgreementRow Row(string unit, string column, IReadOnlyList<double> ours, IReadOnlyList<double> reference)
    {
        var n = ours.Count;
        if (n == 0) return new AuAgreementRow(unit, column, 0, null, null, null, false);
        var mae = ours.Zip(reference, (a, b) => Math.Abs(a - b)).Average();
        var flat = reference.Max() - reference.Min() < 1e-12;
        if (flat || n < 3) return new AuAgreementRow(unit, column, n, null, null, mae, flat);
        var r = Pearson(ours, reference);
        return new AuAgreementRow(unit, column, n, r, Icc31(ours, reference), mae, false);
    }

    /// <summary>Pearson r; null when either series does not vary.</summary>
    public static double? Pearson(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < a.Count; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return saa <= 0 || sbb <= 0 ? null : sab / Math.Sqrt(saa * sbb);
    }

    /// <summary>
    /// ICC(3,1) for two raters: (MS_rows - MS_error) / (MS_rows + MS_error), from the two-way ANOVA of
    /// n targets by 2 raters (Shrout and Fleiss 1979, case 3, single measures).
    /// </summary>
    public static double? Icc31(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var n = a.Count;
        if (n < 2) return null;
        const int k = 2;
        var grand = (a.Sum() + b.Sum()) / (n * k);
        double ssRows = 0, ssCols, ssTotal = 0;
        for (var i = 0; i < n; i++)
        {
            var rowMean = (a[i] + b[i]) / k;
            ssRows += k * (rowMean - grand) * (rowMean - grand);
            ssTotal += (a[i] - grand) * (a[i] - grand) + (b[i] - grand) * (b[i] - grand);
        }
        double meanA = a.Average(), meanB = b.Average();
        ssCols = n * ((meanA - grand) * (meanA - grand) + (meanB - grand) * (meanB - grand));
        var ssError = ssTotal - ssRows - ssCols;
        var msRows = ssRows / (n - 1);
        var msError = ssError / ((n - 1) * (k - 1));
        var denominator = msRows + (k - 1) * msError;
        return denominator <= 0 ? null : (msRows - msError) / denominator;
    }

    /// <summary>Our per-frame AUs from a frames CSV written by 'painreview analyze' (usable frames only).</summary>
    public static IReadOnlyDictionary<int, IReadOnlyDictionary<string, double>> ReadOurs(string framesCsv)
    {
        var result = new Dictionary<int, IReadOnlyDictionary<string, double>>();
        foreach (var row in FramesCsv.Read(framesCsv))
        {
            if (FramesCsv.Number(row, "frame") is not { } frame) continue;
            var values = new Dictionary<string, double>();
            foreach (var d in ActionUnitDefinitions.All)
                if (FramesCsv.Number(row, d.Unit.ToString()) is { } v) values[d.Unit.ToString()] = v;
            if (values.Count > 0) result[(int)frame] = values;
        }
        return result;
    }
}
