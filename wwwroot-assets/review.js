// Review workspace: keeps the Plotly timeline, the video and the keyboard in step, in the browser.
let state = null;
// The APEX spans ({ start, last, pending }: seconds of the first and last frame) and the loop; kept apart from
// `state` so that the page may give them before the video is attached.
let spans = [];
let loop = false;
let loopSpan = null;
let panel = null;

const speeds = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2];

export function attach(chartId, videoId, dotnet, apexStarts, frameTimes) {
    detach();
    const video = document.getElementById(videoId);
    const chart = document.getElementById(chartId);
    if (!video || !chart) return false;
    // frameTimes: the times themselves, or the address of the recording's frame times (float64, little-endian).
    const fetchTimes = typeof frameTimes === "string";
    state = { video, chart, dotnet, apexStarts: apexStarts || [], frameTimes: fetchTimes ? [] : (frameTimes || []), timesLoaded: !fetchTimes };
    const readout = document.getElementById("frame-readout");
    state.readout = () => {
        // Until the frame times are here the readout (and its data-frame) waits: no frame number is guessed.
        if (!readout || !state || !state.timesLoaded) return;
        const i = frameAt(video.currentTime);
        readout.textContent = `frame ${i < 0 ? "–" : i} · ${video.currentTime.toFixed(3)} s · ${video.playbackRate}x`;
        readout.dataset.frame = String(i);
    };
    video.addEventListener("timeupdate", state.readout);
    video.addEventListener("seeked", state.readout);
    video.addEventListener("ratechange", state.readout);
    state.readout();
    if (fetchTimes) {
        const mine = state;
        fetch(frameTimes, { credentials: "same-origin" })
            .then(r => r.ok ? r.arrayBuffer() : Promise.reject(new Error(`frame times: ${r.status}`)))
            .then(buffer => {
                if (state !== mine) return;
                mine.frameTimes = new Float64Array(buffer);
                mine.timesLoaded = true;
                mine.readout();
            })
            .catch(e => console.warn("PainReview: the frame times could not be loaded; frame stepping is off.", e));
    }

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
        if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
        const key = e.key.toLowerCase();
        if (e.key === " ") {
            // Space plays and pauses whatever has focus: a focused button is not pressed as well (see state.keyup).
            e.preventDefault();
            e.stopPropagation();
            if (!e.repeat) { if (video.paused) video.play().catch(() => { }); else video.pause(); }
        }
        else if (key === "j") { e.preventDefault(); jump(-1); }
        else if (key === "k") { e.preventDefault(); jump(+1); }
        else if (key === "n") { e.preventDefault(); jumpPending(+1); }
        else if (key === "p") { e.preventDefault(); jumpPending(-1); }
        else if (key === "l") { e.preventDefault(); setLoop(!loop, true); }
        else if (key === "a") { e.preventDefault(); dotnet.invokeMethodAsync("DecideAtPlayhead", true, video.currentTime); }
        else if (key === "r") { e.preventDefault(); dotnet.invokeMethodAsync("DecideAtPlayhead", false, video.currentTime); }
        else if (e.key === "," || e.key === ".") { e.preventDefault(); step(e.key === "." ? 1 : -1); }
        else if (e.key === "[" || e.key === "]") { e.preventDefault(); speed(e.key === "]" ? 1 : -1); }
    };
    // A button activates on the key's release: stop that too, or space would both toggle playback and press the button.
    state.keyup = e => {
        if (e.key === " " && !(e.ctrlKey || e.metaKey || e.altKey) && !isTyping(e.target)) { e.preventDefault(); e.stopPropagation(); }
    };
    // Capture, before any element (the video's own controls, a button) acts on the key.
    window.addEventListener("keydown", state.keys, true);
    window.addEventListener("keyup", state.keyup, true);
    state.loopCheck = () => loopCheck(video.currentTime);
    video.addEventListener("timeupdate", state.loopCheck);
    if (video.requestVideoFrameCallback) {
        const onFrame = (_, meta) => {
            if (!state || state.video !== video) return;
            loopCheck(meta.mediaTime);
            video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
    }
    return true;
}

/** Typing in a text field, where keys are text: space and letters are left alone there. */
function isTyping(el) {
    if (!el || !el.tagName) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    if (el.tagName !== "INPUT") return false;
    const notText = ["button", "submit", "reset", "checkbox", "radio", "range", "color", "file", "image"];
    return !notText.includes((el.type || "text").toLowerCase()) && !el.readOnly;
}

/** The APEX spans and which of them are pending, from the page (again after each decision). */
export function setSpans(list, nav) {
    spans = list || [];
    if (nav) panel = nav;
}

/** Jumps to the start of the next (+1) or previous (-1) span still pending. */
export function jumpPending(direction) {
    if (!state) return false;
    const t = state.video.currentTime;
    const starts = spans.filter(s => s.pending).map(s => s.start);
    const next = direction > 0 ? starts.find(s => s > t + 0.01) : [...starts].reverse().find(s => s < t - 0.01);
    if (next === undefined) return false;
    seekTo(next);
    return true;
}

/** The end of a span: the start of the frame after its last one. */
function endOf(span) {
    const times = state.frameTimes;
    const i = frameAt(span.last);
    if (i >= 0 && i + 1 < times.length) return times[i + 1];
    return span.last + (i > 0 ? times[i] - times[i - 1] : 1 / 30);
}

/**
 * Loops the span at the playhead (or else the next one, or else the last one before it): playback
 * returns to its start at its end. Returns whether the loop is on.
 */
export function setLoop(on, fromKey) {
    if (!state) return false;
    loop = false;
    loopSpan = null;
    if (on && spans.length) {
        const t = state.video.currentTime;
        const span = spans.find(s => t >= s.start - 0.001 && t < endOf(s)) || spans.find(s => s.start > t) || spans[spans.length - 1];
        loopSpan = { start: span.start, end: endOf(span) };
        loop = true;
        if (t < loopSpan.start || t >= loopSpan.end) state.video.currentTime = loopSpan.start + 0.001;
    }
    if (fromKey && panel) panel.invokeMethodAsync("LoopChanged", loop);
    return loop;
}

function loopCheck(t) {
    if (!loop || !loopSpan || state.video.paused) return;
    // Only just past the end: a seek far away (a click on the timeline) is the reviewer leaving the span.
    if (t >= loopSpan.end - 1e-4 && t < loopSpan.end + 0.75) state.video.currentTime = loopSpan.start + 0.001;
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
    window.removeEventListener("keydown", state.keys, true);
    window.removeEventListener("keyup", state.keyup, true);
    state.video.removeEventListener("timeupdate", state.loopCheck);
    loop = false;
    loopSpan = null;
    state.video.removeEventListener("timeupdate", state.readout);
    state.video.removeEventListener("seeked", state.readout);
    state.video.removeEventListener("ratechange", state.readout);
    state = null;
}
