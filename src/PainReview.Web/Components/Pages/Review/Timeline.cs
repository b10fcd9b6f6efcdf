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

    /// <summary>The figure for a visible time range (null: the whole recording), decimated to about one point pair per pixel.</summary>
    public static (IList<ITrace> Data, Plotly.Blazor.Layout Layout) Build(ReviewModel model, (double From, double To)? range = null)
    {
        var series = range is { } r ? model.Analysis.Series(r.From, r.To) : model.Analysis.Overview;
        IList<ITrace> data = Traces(series);
        var shapes = new List<Shape>();
        var frameStep = model.Analysis.FrameStep;
        foreach (var span in model.Spans)
        {
            var verdict = model.SpanVerdict(span);
            var rejected = verdict == FrameVerdict.Rejected;
            var accepted = verdict == FrameVerdict.Accepted;
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
            var t = model.FrameByIndex(added.FrameIndex)?.TimeSeconds ?? 0;
            shapes.Add(new Shape
            {
                Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Rect, XRef = "x", YRef = "paper",
                X0 = t - frameStep / 2, X1 = t + frameStep / 2, Y0 = 0, Y1 = 1, FillColor = "rgba(46,125,50,0.45)",
                Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Width = 0 }, Layer = Plotly.Blazor.LayoutLib.ShapeLib.LayerEnum.Below,
            });
        }
        var threshold = model.Analysis.ApexThreshold;
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
            XAxis = [new XAxis
            {
                Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = "time (s)" },
                Range = range is { } shown ? [shown.From, shown.To] : null,
                AutoRange = range is null ? Plotly.Blazor.LayoutLib.XAxisLib.AutoRangeEnum.True : Plotly.Blazor.LayoutLib.XAxisLib.AutoRangeEnum.False,
            }],
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

    private static readonly (string Color, decimal Width)[] Styles = [("#1F3B73", 2.5m), ("#d62728", 1.2m), ("#ff7f0e", 1.2m), ("#9467bd", 1.2m), ("#2ca02c", 1.2m)];

    /// <summary>HPII on the left axis, the AUs on the right; unusable frames are null, where Plotly leaves a gap.</summary>
    private static IList<ITrace> Traces(TimelineSeries series)
    {
        // A decimated overview's x need no more than 0.1 ms (a seek lands 1 ms into a frame); a zoomed, exact range keeps the frames' own times.
        var x = series.X.Select(t => (object)(series.Exact ? t : Math.Round(t, 4))).ToList();
        return ReviewFrames.Traces.Select((trace, k) => (ITrace)new Scatter
        {
            Name = trace.Name,
            X = x,
            Y = series.Y[k].Select(v => v is { } y ? (object?)Math.Round(y, 3) : null).ToList()!,
            Mode = ModeFlag.Lines,
            ConnectGaps = false,
            Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = Styles[k].Color, Width = Styles[k].Width },
            YAxis = trace.Name == HpiiTrace ? "y" : "y2",
        }).ToList();
    }

    /// <summary>The refined series for a zoomed range, in the shape Plotly.restyle takes (x and y per trace).</summary>
    public static object Restyle(TimelineSeries series) => new
        {
            x = ReviewFrames.Traces.Select(_ => series.X).ToArray(),
            y = series.Y.Select(ys => ys.Select(v => v is { } y ? (double?)Math.Round(y, 3) : null).ToArray()).ToArray(),
            exact = series.Exact,
        };
}
