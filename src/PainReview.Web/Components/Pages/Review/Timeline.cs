using PainReview.Data.Review;
using PainReview.Web.Features.Review;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace PainReview.Web.Components.Pages.Review;

/// <summary>The review timeline's Plotly figure: AU4, AU6, AU7, AU9 and HPII per frame, APEX spans, threshold, cursor.</summary>
public static class Timeline
{
    public const string HpiiTrace = "HPII";

    public static (IList<ITrace> Data, Plotly.Blazor.Layout Layout) Build(ReviewModel model)
    {
        var x = model.Frames.Select(f => (object)f.TimeSeconds).ToList();
        // Unusable frames are null: Plotly leaves a gap there.
        Scatter Series(string name, Func<ReviewFrame, double?> value, string color, decimal width, bool visible = true) => new()
        {
            Name = name,
            X = x,
            Y = model.Frames.Select(f => f.Usable ? (object?)value(f) : null).ToList()!,
            Mode = ModeFlag.Lines,
            ConnectGaps = false,
            Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = color, Width = width },
            YAxis = name == HpiiTrace ? "y" : "y2",
            Visible = visible ? Plotly.Blazor.Traces.ScatterLib.VisibleEnum.True : Plotly.Blazor.Traces.ScatterLib.VisibleEnum.LegendOnly,
        };

        IList<ITrace> data =
        [
            Series(HpiiTrace, f => f.Hpii, "#1F3B73", 2.5m),
            Series("AU4", f => f.Au04, "#d62728", 1.2m),
            Series("AU6", f => f.Au06, "#ff7f0e", 1.2m),
            Series("AU7", f => f.Au07, "#9467bd", 1.2m),
            Series("AU9", f => f.Au09, "#2ca02c", 1.2m),
        ];

        var shapes = new List<Shape>();
        var frameStep = model.Frames.Count > 1 ? (model.Frames[^1].TimeSeconds - model.Frames[0].TimeSeconds) / (model.Frames.Count - 1) : 0.04;
        foreach (var span in model.Spans)
        {
            var verdicts = Enumerable.Range(span.First, span.Length).Select(model.VerdictOf).Distinct().ToList();
            var rejected = verdicts is [FrameVerdict.Rejected];
            var accepted = verdicts is [FrameVerdict.Accepted];
            shapes.Add(new Shape
            {
                Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Rect, XRef = "x", YRef = "paper",
                X0 = span.StartSeconds - frameStep / 2, X1 = span.EndSeconds + frameStep / 2, Y0 = 0, Y1 = 1,
                // Grey rejected, green accepted, amber pending (or mixed).
                FillColor = rejected ? "rgba(120,120,120,0.25)" : accepted ? "rgba(46,125,50,0.22)" : "rgba(255,200,0,0.30)",
                Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Width = 0 },
                Layer = Plotly.Blazor.LayoutLib.ShapeLib.LayerEnum.Below,
            });
        }
        foreach (var added in model.Decisions.Values.Where(d => d.AddedByReviewer))
        {
            var t = model.Frames.FirstOrDefault(f => f.Index == added.FrameIndex)?.TimeSeconds ?? 0;
            shapes.Add(new Shape
            {
                Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Rect, XRef = "x", YRef = "paper",
                X0 = t - frameStep / 2, X1 = t + frameStep / 2, Y0 = 0, Y1 = 1, FillColor = "rgba(46,125,50,0.45)",
                Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Width = 0 }, Layer = Plotly.Blazor.LayoutLib.ShapeLib.LayerEnum.Below,
            });
        }
        var threshold = model.Frames.Where(f => f.Apex && f.Hpii.HasValue).Select(f => f.Hpii!.Value).DefaultIfEmpty(double.NaN).Min();
        if (!double.IsNaN(threshold))
            shapes.Add(new Shape
            {
                Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line, XRef = "paper", YRef = "y", X0 = 0, X1 = 1, Y0 = threshold, Y1 = threshold,
                Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = "#c86a00", Width = 1.5m, Dash = "dash" }, Name = "threshold",
            });
        shapes.Add(new Shape
        {
            Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line, XRef = "x", YRef = "paper", X0 = 0, X1 = 0, Y0 = 0, Y1 = 1,
            Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = "#000000", Width = 1.5m }, Name = "cursor",
        });

        var layout = new Plotly.Blazor.Layout
        {
            Height = 340,
            Margin = new Margin { L = 50, R = 50, T = 10, B = 40 },
            Shapes = shapes,
            XAxis = [new XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = "time (s)" } }],
            YAxis =
            [
                new YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "HPII" }, RangeMode = Plotly.Blazor.LayoutLib.YAxisLib.RangeModeEnum.ToZero },
                new YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "AU (0-5)" }, Overlaying = "y", Side = Plotly.Blazor.LayoutLib.YAxisLib.SideEnum.Right, Range = [0, 5] },
            ],
            Legend = [new Plotly.Blazor.LayoutLib.Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H, Y = 1.12m }],
            HoverMode = Plotly.Blazor.LayoutLib.HoverModeEnum.X,
        };
        return (data, layout);
    }
}
