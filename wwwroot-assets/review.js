// Review workspace: keeps the Plotly timeline, the video and the keyboard in step, in the browser.
let state = null;

const speeds = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2];

export function attach(chartId, videoId, dotnet, apexStarts, frameTimes) {
    detach();
    const video = document.getElementById(videoId);
    const chart = document.getElementById(chartId);
    if (!video || !chart) return false;
    state = { video, chart, dotnet, apexStarts: apexStarts || [], frameTimes: frameTimes || [] };
    const readout = document.getElementById("frame-readout");
    state.readout = () => {
        if (!readout) return;
        const i = frameAt(video.currentTime);
        readout.textContent = `frame ${i < 0 ? "–" : i} · ${video.currentTime.toFixed(3)} s · ${video.playbackRate}x`;
        readout.dataset.frame = String(i);
    };
    video.addEventListener("timeupdate", state.readout);
    video.addEventListener("seeked", state.readout);
    video.addEventListener("ratechange", state.readout);
    state.readout();

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
        else if (e.key === "," || e.key === ".") { e.preventDefault(); step(e.key === "." ? 1 : -1); }
        else if (e.key === "[" || e.key === "]") { e.preventDefault(); speed(e.key === "]" ? 1 : -1); }
    };
    document.addEventListener("keydown", state.keys);
    return true;
}

/** The index into frameTimes of the frame shown at t: the last frame that starts at or before it. */
function frameAt(t) {
    const times = state.frameTimes;
    let lo = 0, hi = times.length - 1, found = -1;
    while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (times[mid] <= t + 1e-6) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
}

/** Exactly one frame on or back, by the recording's own frame times (variable frame rates included). */
function step(direction) {
    const times = state.frameTimes;
    if (times.length === 0) return;
    const i = Math.min(times.length - 1, Math.max(0, frameAt(state.video.currentTime) + direction));
    seekTo(times[i]);
}

function speed(direction) {
    const current = speeds.findIndex(s => Math.abs(s - state.video.playbackRate) < 1e-9);
    const i = Math.min(speeds.length - 1, Math.max(0, (current < 0 ? 3 : current) + direction));
    state.video.playbackRate = speeds[i];
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
    state.video.removeEventListener("timeupdate", state.readout);
    state.video.removeEventListener("seeked", state.readout);
    state.video.removeEventListener("ratechange", state.readout);
    state = null;
}
