// Review timeline: the server sends a decimated overview; zooming asks it for the visible range
// (every frame once the range is short enough), so points stay frame-exact where one can click them.
export async function watch(chartId, videoId, dotnet) {
    // Plotly.Blazor draws once plotly.js has loaded, which may be after the chart reports itself rendered.
    let chart = document.getElementById(chartId);
    for (let waited = 0; (!chart || !chart.on || !window.Plotly) && waited < 30000; waited += 50) {
        await new Promise(r => setTimeout(r, 50));
        chart = document.getElementById(chartId);
    }
    if (!chart || !chart.on) return false;
    if (chart.zoomWatch) chart.removeListener("plotly_relayout", chart.zoomWatch);
    if (chart.clickWatch) chart.removeListener("plotly_click", chart.clickWatch);
    let timer = null, asked = 0;
    const onRelayout = e => {
        let from, to;
        if (e["xaxis.autorange"]) { from = null; to = null; }
        else if ("xaxis.range[0]" in e) { from = e["xaxis.range[0]"]; to = e["xaxis.range[1]"]; }
        else if (Array.isArray(e["xaxis.range"])) { [from, to] = e["xaxis.range"]; }
        else return; // the cursor moving, a resize: the data stay
        clearTimeout(timer);
        chart.dataset.refined = "pending";
        timer = setTimeout(async () => {
            const mine = ++asked;
            const series = await dotnet.invokeMethodAsync("TimelineRange", from, to);
            if (mine !== asked || !series) return;
            await window.Plotly.restyle(chart, { x: series.x, y: series.y }, series.y.map((_, i) => i));
            chart.dataset.exact = String(series.exact);
            chart.dataset.refined = from == null ? "overview" : `${from},${to}`;
        }, 100);
    };
    chart.zoomWatch = onRelayout;
    chart.on("plotly_relayout", onRelayout);
    // A click seeks to the clicked point's frame: every point is one frame's own time (1 ms in, so the player shows that frame).
    chart.clickWatch = e => {
        const video = document.getElementById(videoId);
        if (!video || !e.points || !e.points.length) return;
        video.pause();
        video.currentTime = e.points[0].x + 0.001;
    };
    chart.on("plotly_click", chart.clickWatch);
    chart.dataset.watched = "true";
    return true;
}
