using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Scoring;
using PainReview.Web.Components.Shared;
using PainReview.Web.Features.Access;
using PainReview.Web.Features.Cohort;
using PainReview.Web.Features.Protocols;
using PainReview.Web.Features.Recordings;
using PainReview.Web.Features.Studies;
using Plotly.Blazor;

namespace PainReview.Web.Components.Pages.Data;

/// <summary>
/// Cohort analytics: how HPII correlates with VAS across a study's people (each counted once) or
/// recordings, under the study's protocol or the page's HPII and APEX settings.
/// </summary>
public partial class CohortPage : PortalComponentBase
{

    private List<StudyChoice> studies = [];
    private Guid? study;
    // Reviewed (signed) recordings only by default, as the export; people counted once by default.
    private bool reviewedOnly = true;
    private bool people = true;
    private double w4 = 1, w67 = 1, w9 = 1, quantile = 0.75;
    private CombineRule combine = CombineRule.Max;
    private ApexStrategy apex = ApexStrategy.TopQuantile;
    private bool q1;
    // Two independent reviews: the decisions in force unless a rater's own are asked for.
    private DecisionSource decisions = DecisionSource.InForce;
    private bool computing;
    private CohortReport? report;
    private Config config = new() { Responsive = true, DisplayLogo = false };
    private Plotly.Blazor.Layout layout = new();
    private IList<ITrace> data = [];

    private string ReportUrl => string.Create(CultureInfo.InvariantCulture,
        $"data/cohort-report?study={study}&reviewedOnly={reviewedOnly.ToString().ToLowerInvariant()}&w4={w4}&w67={w67}&w9={w9}&combine={combine}&apex={apex}&quantile={quantile}&q1={q1.ToString().ToLowerInvariant()}&decisions={Decisions}");

    private DecisionSource Decisions => studies.FirstOrDefault(s => s.Id == study) is { TwoRaters: true } ? decisions : DecisionSource.InForce;

    [SupplyParameterFromQuery(Name = "study")] public Guid? StudyQuery { get; set; }

    protected override async Task OnPortalInitializedAsync()
    {
        studies = await QueryAsync(sp => sp.GetRequiredService<StudyDirectory>().ChoicesAsync(StudyPermission.Export));
        if (StudyQuery is { } id && studies.Any(s => s.Id == id)) await StudyChangedAsync(id);
    }

    /// <summary>A chosen study's settings start from its analysis protocol.</summary>
    private async Task StudyChangedAsync(Guid? id)
    {
        study = id;
        if (id is not { } sid) return;
        var protocol = await QueryAsync(sp => sp.GetRequiredService<ProtocolService>().GetAsync(sid));
        (w4, w67, w9, combine) = (protocol.Config.Hpii.W4, protocol.Config.Hpii.W67, protocol.Config.Hpii.W9, protocol.Config.Hpii.Combine);
        (apex, quantile, q1) = (protocol.Config.Apex.Strategy, protocol.Config.Apex.Quantile, protocol.Config.Apex.FirstQuartileFilter);
        baseProtocol = protocol.Config;
        loadedVersion = protocol.Version;
    }

    private int loadedVersion;

    private AnalysisConfig baseProtocol = new();

    private int PointCount => report is null ? 0 : people
        ? report.People.HpiiAll.Points.Count
        : report.Points.Count(p => p.HpiiAll.HasValue);

    private async Task PeopleChangedAsync(bool value)
    {
        people = value;
        if (report is null) return;
        (data, layout) = CohortScatter.Build(report, people);
        redrawPending = true;
        await Task.CompletedTask;
    }

    private static string Behind(CohortReport r)
    {
        var parts = new List<string>();
        if (r.NotYetRescored > 0) parts.Add($"{r.NotYetRescored} recordings still being re-scored under it");
        if (r.Waiting > 0) parts.Add($"{r.Waiting} waiting for their neutral recording (left out)");
        return parts.Count == 0 ? "" : " (" + string.Join("; ", parts) + ")";
    }

    private Plotly.Blazor.PlotlyChart? chart;
    private bool redrawPending;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (redrawPending && chart is not null)
        {
            redrawPending = false;
            await chart.React();
        }
    }

    private async Task ComputeAsync()
    {
        if (study is not { } id) return;
        computing = true;
        try
        {
            // The study's protocol changed since the settings were taken from it: start again from the new one.
            var version = await QueryAsync(sp => sp.GetRequiredService<ProtocolService>().GetAsync(id));
            if (version.Version != loadedVersion)
            {
                await StudyChangedAsync(id);
                Snackbar.Add($"The study's analysis protocol is now version {version.Version}: the settings start from it.", Severity.Info);
            }
            var settings = CohortSettings.ToConfig(baseProtocol, w4, w67, w9, combine.ToString(), apex.ToString(), quantile, q1);
            report = await QueryAsync(sp => sp.GetRequiredService<CohortAnalytics>().ComputeAsync(id, reviewedOnly, settings, default, Decisions));
            (data, layout) = CohortScatter.Build(report, people);
            // The chart keeps what it first drew unless told to redraw: do it once the new series have reached it.
            redrawPending = true;
        }
        catch (Exception e) when (e is InvalidDataException or PortalValidationException)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
        finally
        {
            computing = false;
        }
    }

    private static string F(double? v) => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "–";

    private static string R(CorrelationResult? c) => c is null ? "–" : string.Create(CultureInfo.InvariantCulture, $"{c.R:0.000} ({c.FisherLow:0.00} to {c.FisherHigh:0.00}), p {P(c.P)}");

    private static string Rm(RepeatedMeasuresCorrelation? c) => c is null ? "– (needs repeated recordings)" : double.IsNaN(c.Low)
        ? string.Create(CultureInfo.InvariantCulture, $"{c.R:0.000}, df {c.Df}, p {P(c.P)}")
        : string.Create(CultureInfo.InvariantCulture, $"{c.R:0.000} ({c.Low:0.00} to {c.High:0.00}), df {c.Df}, p {P(c.P)}");

    private static string P(double p) => p < 0.0001 ? "< 0.0001" : p.ToString("0.0000", CultureInfo.InvariantCulture);
}
