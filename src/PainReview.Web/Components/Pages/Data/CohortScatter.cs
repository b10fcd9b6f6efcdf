using PainReview.Pipeline.Rendering;
using PainReview.Web.Features.Cohort;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace PainReview.Web.Components.Pages.Data;

/// <summary>The cohort scatter: HPII (APEX and all frames) against VAS, each with its least-squares line.</summary>
public static class CohortScatter
{
    /// <param name="people">One point per participant (and timepoint), as the page shows by default; else one per recording.</param>
    public static (IList<ITrace> Data, Plotly.Blazor.Layout Layout) Build(CohortReport report, bool people = true)
    {
        var data = new List<ITrace>();
        void Add(string name, IReadOnlyList<(double Vas, double Score, string Label)> points, string colour)
        {
            data.Add(new Scatter
            {
                Name = name, Mode = ModeFlag.Markers,
                X = points.Select(p => (object)p.Vas).ToList(), Y = points.Select(p => (object)p.Score).ToList(),
                TextArray = points.Select(p => p.Label).ToList(),
                Marker = new Plotly.Blazor.Traces.ScatterLib.Marker { Color = colour, Size = 9 },
            });
            if (CohortAnalytics.Regression(points.Select(p => (p.Vas, p.Score)).ToList()) is { } line)
                data.Add(new Scatter
                {
                    Name = name + " (fit)", Mode = ModeFlag.Lines, X = [0.0, 10.0], Y = [line.Intercept, line.Intercept + line.Slope * 10],
                    Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = colour, Dash = "dash", Width = 2 },
                });
        }
        List<(double, double, string)> Recordings(Func<CohortPoint, double?> value) =>
            report.Points.Where(p => value(p).HasValue).Select(p => (p.Vas, value(p)!.Value, $"{p.Participant} {p.Timepoint}")).ToList();
        static List<(double, double, string)> People(PeopleCorrelation c) =>
            c.Points.Select(p => (p.Vas, p.Score, $"{p.Participant} {p.Timepoint} ({p.Recordings} recordings)")).ToList();
        Add("HPII, APEX frames", people ? People(report.People.HpiiApex) : Recordings(p => p.HpiiApex), ChartPalette.Apex);
        Add("HPII, all frames", people ? People(report.People.HpiiAll) : Recordings(p => p.HpiiAll), ChartPalette.Hpii);
        var layout = new Plotly.Blazor.Layout
        {
            Height = 380,
            Margin = new Plotly.Blazor.LayoutLib.Margin { L = 50, R = 20, T = 20, B = 45 },
            XAxis = [new Plotly.Blazor.LayoutLib.XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = "VAS" }, Range = [0, 10] }],
            YAxis = [new Plotly.Blazor.LayoutLib.YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "HPII" }, RangeMode = Plotly.Blazor.LayoutLib.YAxisLib.RangeModeEnum.ToZero }],
        };
        return (data, layout);
    }
}
