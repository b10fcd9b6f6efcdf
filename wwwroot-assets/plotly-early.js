// Starts plotly.js loading while the review page's circuit connects (the page links this from its prerendered
// head), through Plotly.Blazor's own loader, so the chart finds it loaded (or loading) and it is loaded once: the
// same module (plotly-interop), the same script id and address as PlotlyChart with UseBasicVersion asks for.
// Should they ever differ (a new Plotly.Blazor), the chart still loads its own copy: only the head start is lost.
import(new URL("_content/Plotly.Blazor/plotly-interop-7.2.0.js", document.baseURI).href)
    .then(interop => interop.importScript("plotly-import", "./_content/Plotly.Blazor/plotly-basic-3.7.0.min.js"))
    .catch(() => { });
