using System.Globalization;
using PainReview.Data.Review;
using PainReview.Pipeline.Rendering;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace PainReview.Web.Features.Review;

/// <summary>
/// The review timeline's Plotly figure: AU4, AU6, AU7, AU9 and HPII per frame, APEX spans, threshold,
/// cursor. Built here with Plotly.Blazor's types and sent as plotly.js's own JSON (their
/// <c>PrepareJsInterop</c>) over HTTP, beside the circuit: the page draws it while the circuit
/// connects, a decision sends only the new shading, and a zoom fetches only the visible range's series.
/// </summary>
public static class Timeline
{
    public const string HpiiTrace = "HPII";

    private static readonly Config ChartConfig = new() { Responsive = true, DisplayLogo = false };

    /// <summary>The whole recording's figure as plotly.js takes it, with the review version its shading shows.</summary>
    public static TimelineFigure Figure(ReviewModel model)
    {
        var (data, layout) = Build(model);
        return new TimelineFigure(data.Select(Json).ToList(), Json(layout), Json(ChartConfig), model.Recording.ReviewVersion);
    }

    /// <summary>The shapes alone (span shading by verdict, threshold, cursor): what a decision changes.</summary>
    public static TimelineShading Shading(ReviewModel model) =>
        new(Shapes(model).Select(Json).ToList(), model.Recording.ReviewVersion);

    /// <summary>As Plotly.Blazor writes its objects for plotly.js: their own property names and enum values, nulls left out, each by its runtime type.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions PlotlyJson = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private static System.Text.Json.JsonElement Json(object value) => System.Text.Json.JsonSerializer.SerializeToElement(value, value.GetType(), PlotlyJson);

    /// <summary>The series for a time range (null: the whole recording's overview), in the shape Plotly.restyle takes.</summary>
    public static TimelineRestyle Series(ReviewModel model, (double From, double To)? range) =>
        Restyle(range is { } r ? model.Analysis.Series(r.From, r.To) : model.Analysis.Overview);

    /// <summary>The whole recording's figure, decimated to about one point pair per pixel (zooming fetches the range's <see cref="Series"/>).</summary>
    private static (IList<ITrace> Data, Plotly.Blazor.Layout Layout) Build(ReviewModel model)
    {
        IList<ITrace> data = Traces(model.Analysis.Overview);
        var shapes = Shapes(model);

        var layout = new Plotly.Blazor.Layout
        {
            Height = 340,
            Margin = new Margin { L = 50, R = 50, T = 10, B = 40 },
            Shapes = shapes,
            XAxis = [new XAxis
            {
                Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = "time (s)" },
                AutoRange = Plotly.Blazor.LayoutLib.XAxisLib.AutoRangeEnum.True,
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

    private static List<Shape> Shapes(ReviewModel model)
    {
        var frameStep = model.Analysis.FrameStep;
        // The spans' shading: one path shape per verdict (each span a rectangle of it), not one shape per span. A
        // 30-minute recording has some 700 spans; as 700 shapes they were a third of the figure's bytes, and plotly.js
        // drew (and, at every move of the cursor, laid out) each of them on its own.
        var shading = new Dictionary<FrameVerdict, System.Text.StringBuilder>();
        void Shade(FrameVerdict verdict, double from, double to)
        {
            if (!shading.TryGetValue(verdict, out var path)) shading[verdict] = path = new System.Text.StringBuilder();
            path.Append(CultureInfo.InvariantCulture, $"M{from:0.####},0H{to:0.####}V1H{from:0.####}Z");
        }
        foreach (var span in model.Spans)
        {
            var verdict = model.SpanVerdict(span);
            // Grey rejected, green accepted, amber pending (or mixed).
            Shade(verdict is FrameVerdict.Rejected or FrameVerdict.Accepted ? verdict : FrameVerdict.Pending, span.StartSeconds - frameStep / 2, span.EndSeconds + frameStep / 2);
        }
        foreach (var added in model.Decisions.Values.Where(d => d.AddedByReviewer))
        {
            var t = model.FrameByIndex(added.FrameIndex)?.TimeSeconds ?? 0;
            Shade(FrameVerdict.Added, t - frameStep / 2, t + frameStep / 2);
        }
        var shapes = shading.OrderBy(s => s.Key).Select(s => new Shape
        {
            Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Path, XRef = "x", YRef = "paper", Path = s.Value.ToString(),
            FillColor = ShadeOf(s.Key), Name = $"{s.Key.ToString().ToLowerInvariant()} spans",
            Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Width = 0 },
            Layer = Plotly.Blazor.LayoutLib.ShapeLib.LayerEnum.Below,
        }).ToList();
        var threshold = model.Analysis.ApexThreshold;
        if (!double.IsNaN(threshold))
            shapes.Add(new Shape
            {
                Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line, XRef = "paper", YRef = "y", X0 = 0, X1 = 1, Y0 = threshold, Y1 = threshold,
                Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = ChartPalette.Apex, Width = 1.5m, Dash = "dash" }, Name = "threshold",
            });
        shapes.Add(new Shape
        {
            Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line, XRef = "x", YRef = "paper", X0 = 0, X1 = 0, Y0 = 0, Y1 = 1,
            Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = "#000000", Width = 1.5m }, Name = "cursor",
        });

        return shapes;
    }

    /// <summary>The shading of a span by its verdict (pending covers mixed spans), from the charts' one palette.</summary>
    public static string ShadeOf(FrameVerdict verdict) => verdict switch
    {
        FrameVerdict.Rejected => ChartPalette.Translucent(ChartPalette.Rejected, 0.25),
        FrameVerdict.Accepted => ChartPalette.Translucent(ChartPalette.Accepted, 0.22),
        FrameVerdict.Added => ChartPalette.Translucent(ChartPalette.Accepted, 0.45),
        _ => ChartPalette.Translucent(ChartPalette.ApexShade, 0.30),
    };

    /// <summary>HPII thick, then the AUs, in the palette's colours (the PNG and the cohort charts use the same).</summary>
    private static readonly (string Color, decimal Width)[] Styles =
        [(ChartPalette.Hpii, 2.5m), .. ChartPalette.ActionUnits.Select(a => (a.Colour, 1.2m))];

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

    /// <summary>A series in the shape Plotly.restyle takes (x and y per trace).</summary>
    private static TimelineRestyle Restyle(TimelineSeries series) => new(
        ReviewFrames.Traces.Select(_ => series.Exact ? series.X : series.X.Select(t => Math.Round(t, 4)).ToArray()).ToArray(),
        series.Y.Select(ys => ys.Select(v => v is { } y ? (double?)Math.Round(y, 3) : null).ToArray()).ToArray(),
        series.Exact);
}

/// <summary>The timeline as plotly.js draws it (its own JSON for data, layout and config) and the review version it shows.</summary>
public sealed record TimelineFigure(IReadOnlyList<System.Text.Json.JsonElement> Data, System.Text.Json.JsonElement Layout, System.Text.Json.JsonElement Config, int Version);

/// <summary>The timeline's shapes for a review version (a decision redraws these only).</summary>
public sealed record TimelineShading(IReadOnlyList<System.Text.Json.JsonElement> Shapes, int Version);

/// <summary>Every trace's x and y for a range, and whether each point is a frame (else a decimated overview).</summary>
public sealed record TimelineRestyle(double[][] X, double?[][] Y, bool Exact);
