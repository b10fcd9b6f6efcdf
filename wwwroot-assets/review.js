// Review workspace: keeps the Plotly timeline, the video and the keyboard in step, in the browser.
let state = null;

export function attach(chartId, videoId, dotnet, apexStarts) {
    detach();
    const video = document.getElementById(videoId);
    const chart = document.getElementById(chartId);
    if (!video || !chart) return false;
    state = { video, chart, dotnet, apexStarts: apexStarts || [] };

    const cursor = () => {
        if (!window.Plotly || !chart.layout || !chart.layout.shapes) return;
        const i = chart.layout.shapes.findIndex(s => s.name === "cursor");
        if (i < 0) return;
        const t = video.currentTime;
        window.Plotly.relayout(chart, { [`shapes[${i}].x0`]: t, [`shapes[${i}].x1`]: t });
    };
    state.cursor = cursor;
    video.addEventListener("timeupdate", cursor);
    video.addEventListener("seeked", cursor);

    if (chart.on) chart.on("plotly_click", e => { if (e.points && e.points.length) seek(videoId, e.points[0].x); });

    state.keys = e => {
        const target = e.target;
        if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable)) return;
        const key = e.key.toLowerCase();
        if (e.key === " ") { e.preventDefault(); video.paused ? video.play() : video.pause(); }
        else if (key === "j") { e.preventDefault(); jump(-1); }
        else if (key === "k") { e.preventDefault(); jump(+1); }
        else if (key === "a") { e.preventDefault(); dotnet.invokeMethodAsync("DecideAtPlayhead", true, video.currentTime); }
        else if (key === "r") { e.preventDefault(); dotnet.invokeMethodAsync("DecideAtPlayhead", false, video.currentTime); }
    };
    document.addEventListener("keydown", state.keys);
    return true;
}

export function setApexStarts(starts) { if (state) state.apexStarts = starts || []; }

function jump(direction) {
    const t = state.video.currentTime;
    const starts = state.apexStarts;
    const next = direction > 0 ? starts.find(s => s > t + 0.01) : [...starts].reverse().find(s => s < t - 0.01);
    if (next !== undefined) seekTo(next);
}

function seekTo(t) {
    state.video.pause();
    // A hair past the frame's start so that the player shows that frame, not the one before it.
    state.video.currentTime = t + 0.001;
}

export function seek(videoId, t) {
    const video = document.getElementById(videoId);
    if (!video) return;
    video.pause();
    video.currentTime = t + 0.001;
}

export function currentTime(videoId) {
    const video = document.getElementById(videoId);
    return video ? video.currentTime : 0;
}

export function detach() {
    if (!state) return;
    state.video.removeEventListener("timeupdate", state.cursor);
    state.video.removeEventListener("seeked", state.cursor);
    document.removeEventListener("keydown", state.keys);
    state = null;
}
