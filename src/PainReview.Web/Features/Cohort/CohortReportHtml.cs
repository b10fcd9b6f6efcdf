using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using PainReview.Data.Export;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Rendering;
using PainReview.Pipeline.Scoring;

namespace PainReview.Web.Features.Cohort;

/// <summary>A self-contained HTML report (inline SVG, no scripts, no external files) that opens offline.</summary>
public static class CohortReportHtml
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string Render(CohortReport report, string exportedBy, IReadOnlyList<AnalysisModel> models)
    {
        var html = new StringBuilder();
        html.Append($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>PainReview cohort report: {{E(report.Study)}}</title>
            <style>
            body{font-family:"Liberation Sans","DejaVu Sans",Arial,sans-serif;margin:32px;color:#222;max-width:1100px}
            h1{color:#1F3B73}table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:right}
            th{background:#eef1f7}td:first-child,th:first-child{text-align:left}.note{background:#eef4fb;padding:10px;border-radius:4px}
            pre{background:#f6f6f6;padding:10px;font-size:12px;overflow:auto}.au07{background:#fff6e0}
            </style></head><body>
            <h1>Cohort report: {{E(report.Study)}}</h1>
            <p class="note">Facial scores complement self-report and clinical judgement; they do not replace them.</p>
            <p>{{report.Points.Count}} recordings of {{report.ParticipantsWhere(_ => true)}} participants{{(report.ReviewedOnly ? " (reviewed, i.e. signed, recordings only)" : " (reviewed or not)")}}; VAS as corrected by clinicians where corrected, else as self-reported.
            Scored under the study's <b id="protocol-version">analysis protocol version {{report.ProtocolVersion}}</b>{{Behind(report)}}.
            Computed {{report.ComputedUtc:yyyy-MM-dd HH:mm}} UTC by {{E(exportedBy)}} with PainReview {{RecordingAnalysis.AppVersion}}.</p>
            """);
        var people = report.People;
        var unit = people.ByTimepoint ? "participant and timepoint" : "participant";
        html.Append("<h2>HPII against VAS, one point per ").Append(unit).Append("</h2>").Append(Scatter(report));
        html.Append(C, $"<p class=\"note\">Each point is one {unit}: the mean VAS and mean HPII of their recordings{(people.ByTimepoint ? " at that timepoint" : "")}, so a participant with many recordings does not count as many people. Dashed lines are least-squares fits. A rising line means people who report more pain tend to show more pain-related facial movement.</p>");
        html.Append("<h2>Counting people</h2><table><tr><th>score</th><th>participants</th><th>recordings</th><th>points</th><th>between people: Pearson r (95% CI)</th><th>p</th><th>Spearman ρ</th><th>p</th><th>within people: rmcorr r (95% CI)</th><th>df</th><th>p</th></tr>");
        foreach (var pc in new[] { people.HpiiAll, people.HpiiApex })
        {
            var b = pc.Between.Pearson;
            var sp = pc.Between.Spearman;
            var w = pc.Within;
            html.Append(C, $"<tr><td>{E(pc.Score)}</td><td>{pc.Participants}</td><td>{pc.Recordings}</td><td>{pc.Points.Count}</td>");
            html.Append(C, $"<td>{F(b?.R, "0.000")} ({Interval(b?.FisherLow, b?.FisherHigh)})</td><td>{F(b?.P, "0.0000")}</td><td>{F(sp?.R, "0.000")}</td><td>{F(sp?.P, "0.0000")}</td>");
            html.Append(C, $"<td>{F(w?.R, "0.000")} ({Interval(w?.Low, w?.High)})</td><td>{(w is null ? "–" : w.Df.ToString(C))}</td><td>{F(w?.P, "0.0000")}</td></tr>");
        }
        html.Append("</table><p class=\"note\">Between people: does a person who reports more pain than another also score higher (one point per ")
            .Append(unit).Append(")? Within people (repeated-measures correlation, Bakdash and Marusich 2017): when the same person's pain changes from one recording to the next, does their score change with it? ")
            .Append("It removes each person's own average first; df = recordings − participants − 1, counting only participants with two or more recordings. p below 0.05 means an association this strong would be unlikely by chance alone; it says nothing about its size in a single person.</p>");
        html.Append("<h2>Correlations with VAS, one point per recording</h2><table><tr><th>score</th><th>subset</th><th>recordings</th><th>participants</th><th>Pearson r</th><th>95% CI (Fisher)</th><th>95% CI (bootstrap)</th><th>p</th><th>Spearman ρ</th><th>95% CI (Fisher)</th><th>p</th></tr>");
        var c = report.Correlations;
        var q1 = report.Points.Count > 0 && report.Points.Any(p => p.HpiiAll.HasValue) ? ApexSelector.FirstQuartile(report.Points.Where(p => p.HpiiAll.HasValue).Select(p => p.HpiiAll!.Value)) : 0;
        Row(html, "HPII, all frames", "all recordings", c.Hpii.AllFrames, report.ParticipantsWhere(p => p.HpiiAll.HasValue));
        Row(html, "HPII, APEX frames", "all recordings", c.Hpii.Apex, report.ParticipantsWhere(p => p.HpiiApex.HasValue));
        Row(html, "HPII, accepted APEX frames", $"decisions: {CohortReport.Describe(report.Decisions)}", report.HpiiAccepted, report.ParticipantsWhere(p => p.HpiiAccepted.HasValue));
        Row(html, "HPII, all frames", "VAS ≥ 3", c.HpiiVasAtLeast3.AllFrames, report.ParticipantsWhere(p => p.HpiiAll.HasValue && p.Vas >= 3));
        Row(html, "HPII, APEX frames", "VAS ≥ 3", c.HpiiVasAtLeast3.Apex, report.ParticipantsWhere(p => p.HpiiApex.HasValue && p.Vas >= 3));
        Row(html, "HPII, all frames", "HPII ≥ cohort Q1", c.HpiiAboveFirstQuartile.AllFrames, report.ParticipantsWhere(p => p.HpiiAll >= q1));
        Row(html, "HPII, APEX frames", "HPII ≥ cohort Q1", c.HpiiAboveFirstQuartile.Apex, report.ParticipantsWhere(p => p.HpiiAll >= q1 && p.HpiiApex.HasValue));
        Row(html, "PSPI, all frames", "all recordings", c.Pspi.AllFrames, report.ParticipantsWhere(p => p.Summary.Pspi.MeanAll.HasValue));
        Row(html, "PSPI, APEX frames", "all recordings", c.Pspi.Apex, report.ParticipantsWhere(p => p.Summary.Pspi.MeanApex.HasValue));
        html.Append("</table><p class=\"note\">Each recording counts once here, so a participant with several recordings weighs more than one with a single recording and the recordings are not independent: read these beside the people-level figures above. VAS ≥ 3 is where the paper found facial scores most informative.</p>");
        html.Append("<h2>Per action unit, one point per recording</h2><table><tr><th>AU</th><th>subset</th><th>recordings</th><th>participants</th><th>Pearson r</th><th>95% CI (Fisher)</th><th>95% CI (bootstrap)</th><th>p</th><th>Spearman ρ</th><th>95% CI (Fisher)</th><th>p</th></tr>");
        foreach (var (au, pair) in c.ActionUnits)
        {
            var auAll = report.ParticipantsWhere(p => p.Summary.ActionUnits.TryGetValue(au, out var x) && x.MeanAll.HasValue);
            var auApex = report.ParticipantsWhere(p => p.Summary.ActionUnits.TryGetValue(au, out var x) && x.MeanApex.HasValue);
            Row(html, au, "all frames", pair.AllFrames, auAll, au == "AU07");
            Row(html, au, "APEX frames", pair.Apex, auApex, au == "AU07");
        }
        html.Append("</table><p class=\"note\">Which facial movements carry the association: AU7 (lid tightener) was the strongest single AU in the paper.</p><h2>Recordings</h2><table><tr><th>participant</th><th>timepoint</th><th>VAS</th><th>HPII all</th><th>HPII APEX</th><th>usable frames</th><th>APEX frames</th></tr>");
        foreach (var p in report.Points)
            html.Append(C, $"<tr><td>{Cell(p.Participant)}</td><td>{Cell(p.Timepoint ?? "")}</td><td>{p.Vas:0.#}{(p.VasCorrected ? " (corrected)" : "")}</td><td>{F(p.HpiiAll)}</td><td>{F(p.HpiiApex)}</td><td>{p.Summary.UsableFrames}</td><td>{p.Summary.ApexFrames}</td></tr>");
        html.Append("</table><h2>Configuration and provenance</h2>")
            .Append(C, $"<p>Study analysis protocol version {report.ProtocolVersion} (neutral baseline, smoothing and quality limits of the stored AUs); the HPII and APEX settings below are those of this report.</p><pre>")
            .Append(E(JsonSerializer.Serialize(new { configuration = report.Config, models }, AnalysisConfig.JsonOptions)))
            .Append("</pre><p>Confidence intervals: Fisher's z transform (Spearman with Fieller's standard error) and a percentile bootstrap of 2000 resamples (seeded). p-values: two-sided, Student's t with n−2 degrees of freedom.</p></body></html>");
        return html.ToString();
    }


    private static string Behind(CohortReport report) =>
        (report.NotYetRescored, report.Waiting) switch
        {
            (0, 0) => "",
            var (n, w) => string.Create(C, $" ({(n > 0 ? $"{n} recordings still being re-scored under it" : "")}{(n > 0 && w > 0 ? "; " : "")}{(w > 0 ? $"{w} waiting for their neutral recording, left out" : "")})"),
        };

    private static void Row(StringBuilder html, string score, string subset, CorrelationPair pair, int participants, bool highlight = false)
    {
        var p = pair.Pearson;
        var s = pair.Spearman;
        html.Append(C, $"<tr{(highlight ? " class=\"au07\"" : "")}><td>{E(score)}</td><td>{E(subset)}</td><td>{p?.N.ToString(C) ?? "–"}</td><td>{(p is null ? "–" : participants.ToString(C))}</td>");
        html.Append(C, $"<td>{F(p?.R, "0.000")}</td><td>{Interval(p?.FisherLow, p?.FisherHigh)}</td><td>{Interval(p?.BootstrapLow, p?.BootstrapHigh)}</td><td>{F(p?.P, "0.0000")}</td>");
        html.Append(C, $"<td>{F(s?.R, "0.000")}</td><td>{Interval(s?.FisherLow, s?.FisherHigh)}</td><td>{F(s?.P, "0.0000")}</td></tr>");
    }

    private static string Scatter(CohortReport report)
    {
        const int w = 720, h = 420, left = 60, right = 20, top = 20, bottom = 50;
        var people = report.People;
        var maxY = Math.Max(1, people.HpiiAll.Points.Concat(people.HpiiApex.Points).Select(p => p.Score).DefaultIfEmpty(1).Max() * 1.1);
        double X(double vas) => left + vas / 10 * (w - left - right);
        double Y(double v) => h - bottom - v / maxY * (h - top - bottom);
        var svg = new StringBuilder($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"HPII against VAS\">");
        svg.Append(C, $"<rect x=\"{left}\" y=\"{top}\" width=\"{w - left - right}\" height=\"{h - top - bottom}\" fill=\"none\" stroke=\"#999\"/>");
        for (var v = 0; v <= 10; v += 2)
            svg.Append(C, $"<text x=\"{X(v):0.#}\" y=\"{h - bottom + 18}\" font-size=\"12\" text-anchor=\"middle\">{v}</text>");
        svg.Append(C, $"<text x=\"{(left + w - right) / 2}\" y=\"{h - 10}\" font-size=\"13\" text-anchor=\"middle\">VAS</text>");
        for (var i = 0; i <= 5; i++)
        {
            var v = maxY * i / 5;
            svg.Append(C, $"<text x=\"{left - 8}\" y=\"{Y(v) + 4:0.#}\" font-size=\"12\" text-anchor=\"end\">{v:0.#}</text>");
        }
        svg.Append(C, $"<text x=\"16\" y=\"{(top + h - bottom) / 2}\" font-size=\"13\" transform=\"rotate(-90 16 {(top + h - bottom) / 2})\" text-anchor=\"middle\">HPII</text>");
        void Series(PeopleCorrelation series, string colour, string label, int legendRow)
        {
            var pts = series.Points.Select(p => (p.Vas, p.Score)).ToList();
            foreach (var (x, y) in pts) svg.Append(C, $"<circle cx=\"{X(x):0.#}\" cy=\"{Y(y):0.#}\" r=\"5\" fill=\"{colour}\" fill-opacity=\"0.75\"/>");
            if (CohortAnalytics.Regression(pts) is { } line)
                svg.Append(C, $"<line x1=\"{X(0):0.#}\" y1=\"{Y(line.Intercept):0.#}\" x2=\"{X(10):0.#}\" y2=\"{Y(line.Intercept + line.Slope * 10):0.#}\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>");
            svg.Append(C, $"<circle cx=\"{left + 20}\" cy=\"{top + 18 + legendRow * 20}\" r=\"5\" fill=\"{colour}\"/><text x=\"{left + 32}\" y=\"{top + 22 + legendRow * 20}\" font-size=\"12\">{label}</text>");
        }
        Series(people.HpiiApex, ChartPalette.Apex, "HPII, APEX frames (line: least squares)", 0);
        Series(people.HpiiAll, ChartPalette.Hpii, "HPII, all frames", 1);
        return svg.Append("</svg>").ToString();
    }

    private static string Interval(double? low, double? high) =>
        low is { } l && high is { } h && !double.IsNaN(l) ? string.Create(C, $"{l:0.00} to {h:0.00}") : "–";

    private static string F(double? v, string format = "0.00") => v is { } x && !double.IsNaN(x) ? x.ToString(format, C) : "–";

    private static string E(string s) => WebUtility.HtmlEncode(s);

    /// <summary>
    /// A table cell of text users entered. Spreadsheets run HTML table cells that start with = (and
    /// +, -, @) as formulas when the report is opened in or pasted into one, so such text is
    /// neutralised as in the CSV export.
    /// </summary>
    private static string Cell(string s) => E(CsvCell.Neutralise(s));
}
