// The review timeline, drawn in the browser. The prerendered page carries the figure (plotly.js JSON) beside an empty
// host element; this module, linked from the page's head, loads plotly.js at once and draws the figure as soon as the
// circuit has rendered the page (or after 1.5 s without it), with no request that could queue behind the span
// thumbnails and no figure through the circuit. The chart lives in the host element; when the circuit renders the page
// afresh, it moves into the new host: it is drawn once. After an in-app navigation the figure is fetched instead.
// A decision sends only the new shading (shade); zooming asks for the visible range's series (every frame once the
// range is short enough) through the circuit, or over HTTP before the circuit is up, so points stay frame-exact.

// plotly.js's basic bundle (scatter, shapes: 1.1 MB), through Plotly.Blazor's loader under its script id, so that a
// Plotly.Blazor chart elsewhere in the portal finds it loaded and it is loaded once.
const interop = "_content/Plotly.Blazor/plotly-interop-7.2.0.js";
const bundle = "./_content/Plotly.Blazor/plotly-basic-3.7.0.min.js";
let loading = null;
function plotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    loading ??= import(new URL(interop, document.baseURI).href)
        .then(m => m.importScript("plotly-import", bundle))
        .then(() => window.Plotly)
        .catch(e => { loading = null; throw e; });
    return loading;
}

async function json(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) {
        let why = `${response.status}`;
        try { why = (await response.json()).detail || why; } catch { }
        throw new Error(why);
    }
    return response.json();
}

// The chart of one figure address: its element (id "timeline", as the player's script and the tests know it),
// the review version its shading shows, and the drawing under way.
let current = null;

// The circuit has rendered the page (its marker says so). A drawing waits for it, within reason: plotly.js takes the
// browser's one thread for a few hundred milliseconds, which, taken while the circuit is connecting, holds the
// circuit's handshake back; drawn once the page is interactive it costs the reviewer nothing.
const circuitWaiters = [];
const interactive = () => document.getElementById("interactive-marker")?.dataset.state === "interactive";
function afterCircuit(atMostMs) {
    if (interactive()) return Promise.resolve();
    return new Promise(resolve => {
        circuitWaiters.push(resolve);
        setTimeout(resolve, atMostMs);
    });
}

function chartFor(url, inline) {
    if (current && current.url === url && !current.failed) return current;
    if (current) release(current.url);
    const graph = document.createElement("div");
    graph.id = "timeline";
    const entry = { url, graph, version: -1, failed: false, zoom: 0, dotnet: null };
    entry.ready = (async () => {
        home(entry);
        const [Plotly, figure] = await Promise.all([plotly(), inline ?? json(url), afterCircuit(1500)]);
        home(entry);
        entry.version = figure.version;
        await Plotly.newPlot(graph, figure.data, figure.layout, figure.config);
        graph.dataset.refined = "overview";
        graph.dataset.exact = "false";
        watchZoom(entry, Plotly);
    })();
    entry.ready.catch(e => {
        entry.failed = true;
        const host = document.getElementById("timeline-host");
        if (host && host.dataset.figure === url) host.textContent = `The timeline could not be loaded: ${e.message}.`;
    });
    current = entry;
    return entry;
}

// Puts the chart in the page's host when the host is not already holding it (the circuit's first render replaces
// the prerendered host with a new, empty one).
function home(entry) {
    const host = document.getElementById("timeline-host");
    if (!host || host.dataset.figure !== entry.url || entry.graph.parentElement === host) return false;
    host.replaceChildren(entry.graph);
    if (entry.graph.layout && window.Plotly) window.Plotly.Plots.resize(entry.graph);
    return true;
}

const rehome = new MutationObserver(() => {
    if (current) home(current);
    if (circuitWaiters.length && interactive()) circuitWaiters.splice(0).forEach(resolve => resolve());
});
rehome.observe(document.documentElement, { childList: true, subtree: true });

// Zoom asks for the visible range's series; back to the whole recording, the overview again.
function watchZoom(entry, Plotly) {
    const chart = entry.graph;
    let timer = null;
    chart.on("plotly_relayout", e => {
        let from, to;
        if (e["xaxis.autorange"]) { from = null; to = null; }
        else if ("xaxis.range[0]" in e) { from = e["xaxis.range[0]"]; to = e["xaxis.range[1]"]; }
        else if (Array.isArray(e["xaxis.range"])) { [from, to] = e["xaxis.range"]; }
        else return; // the cursor moving, shading, a resize: the data stay
        clearTimeout(timer);
        chart.dataset.refined = "pending";
        timer = setTimeout(async () => {
            const mine = ++entry.zoom;
            const address = from == null ? `${entry.url}/series` : `${entry.url}/series?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
            let series;
            try { series = entry.dotnet ? await entry.dotnet.invokeMethodAsync("TimelineRange", from, to) : await json(address); }
            catch (e) { console.warn("PainReview: the zoomed timeline could not be refined.", e); chart.dataset.refined = "failed"; return; }
            if (mine !== entry.zoom || current !== entry) return;
            await Plotly.restyle(chart, { x: series.x, y: series.y }, series.y.map((_, i) => i));
            chart.dataset.exact = String(series.exact);
            chart.dataset.refined = from == null ? "overview" : `${from},${to}`;
        }, 100);
    });
}

// The circuit's page is up: the chart is in its host and drawn (fetched now if the prerendered page did not carry it,
// as after an in-app navigation); clicks seek the player; zooms go through the circuit. Returns the review version the
// drawn shading shows (the circuit sends newer shading itself), or -1 when the chart could not be drawn.
export async function show(hostId, url, videoId, dotnet) {
    let entry = chartFor(url);
    try { await entry.ready; }
    catch {
        entry = chartFor(url); // one more try (a failed drawing is not kept)
        try { await entry.ready; } catch { return -1; }
    }
    home(entry);
    if (!entry.clickWatch) {
        // A click seeks to the clicked point's frame: every point is one frame's own time (1 ms in, so the player shows that frame).
        entry.clickWatch = e => {
            const video = document.getElementById(videoId);
            if (!video || !e.points || !e.points.length) return;
            video.pause();
            video.currentTime = e.points[0].x + 0.001;
        };
        entry.graph.on("plotly_click", entry.clickWatch);
    }
    entry.dotnet = dotnet;
    entry.graph.dataset.watched = "true";
    return document.getElementById(hostId)?.contains(entry.graph) ? entry.version : -1;
}

// New shading (span verdicts) for a review version; the cursor stays where the player is, the zoom as it is.
export async function shade(url, shading) {
    const entry = current;
    if (!entry || entry.url !== url) return;
    await entry.ready;
    if (shading.version < entry.version || current !== entry) return;
    entry.version = shading.version;
    const cursor = (entry.graph.layout.shapes || []).find(s => s.name === "cursor");
    const shapes = shading.shapes.map(s => s.name === "cursor" && cursor ? { ...s, x0: cursor.x0, x1: cursor.x1 } : s);
    await window.Plotly.relayout(entry.graph, { shapes });
}

// The page is gone: the chart and its data are let go.
export function release(url) {
    if (!current || current.url !== url) return;
    const entry = current;
    current = null;
    entry.zoom++;
    entry.dotnet = null;
    if (window.Plotly && entry.graph.layout) window.Plotly.purge(entry.graph);
    entry.graph.remove();
}

// The prerendered page carries its figure: draw it at once.
const host = document.getElementById("timeline-host");
const carried = document.getElementById("timeline-figure");
if (host && host.dataset.figure && carried) chartFor(host.dataset.figure, JSON.parse(carried.textContent));
