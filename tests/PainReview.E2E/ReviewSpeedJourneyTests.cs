using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using PainReview.E2E.Support;

namespace PainReview.E2E;

/// <summary>
/// Browser: the review workspace of a 30-minute recording (54,000 frames, seeded without the face
/// pipeline) is interactive quickly, and stays responsive. The bound is asserted on an open once the
/// playable copy exists (as it does when the background queue made it after analysis); the very
/// first open, while ffmpeg encodes that copy on the same cores, is reported and bounded loosely. The figures go to the test output and to
/// artifacts/review-bench.json (scripts/review-bench.sh prints them).
/// </summary>
public sealed class ReviewSpeedJourneyTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    /// <summary>Generous: the target is 2 s on a quiet 2-core machine; shared CI machines are slower.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("PAINREVIEW_BENCH_BOUND_S"), CultureInfo.InvariantCulture, out var s) ? s : 10);

    [Fact]
    public async Task Workspace_of_a_30_minute_recording_is_interactive_within_the_bound()
    {
        session.RequireBrowser();
        var frames = int.TryParse(Environment.GetEnvironmentVariable("PAINREVIEW_BENCH_FRAMES"), out var f) ? f : 54_000;
        var clip = await LongRecording.ClipAsync((int)Math.Ceiling(frames / LongRecording.FramesPerSecond));
        var seeding = Stopwatch.StartNew();
        var (id, study, spans) = await LongRecording.SeedAsync(session.DataDirectory, clip, frames);
        seeding.Stop();
        await session.CreateUserAsync("bench@example.org", "Harbour-Lantern-61", "Clinician");
        await session.AddMemberAsync(study, "bench@example.org", "Clinician");

        var page = await session.NewPageAsync();
        await BrowserSession.SignInAsync(page, "bench@example.org", "Harbour-Lantern-61");
        var console = new List<string>();
        page.Console += (_, m) => { lock (console) console.Add($"{m.Type}: {m.Text}"); };
        long received = 0, largest = 0;
        var messages = new List<(double At, int Bytes, string Head)>();
        var openClock = Stopwatch.StartNew();
        page.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) =>
        {
            var length = frame.Binary?.Length ?? frame.Text?.Length ?? 0;
            Interlocked.Add(ref received, length);
            if (length > Interlocked.Read(ref largest)) Interlocked.Exchange(ref largest, length);
            var head = frame.Binary is { } b ? new string(System.Text.Encoding.ASCII.GetString(b, 0, Math.Min(b.Length, 160)).Select(c => c is >= ' ' and < (char)127 ? c : '.').ToArray()) : frame.Text?[..Math.Min(frame.Text.Length, 160)] ?? "";
            lock (messages) messages.Add((openClock.Elapsed.TotalSeconds, length, head));
        };
        // When plotly.js arrives, and how long its first drawing of the timeline takes (in the page's own clock).
        await page.AddInitScriptAsync("""
            (() => {
              let plotly;
              Object.defineProperty(window, 'Plotly', { configurable: true, get: () => plotly, set: v => {
                plotly = v; performance.mark('plotly-loaded');
                for (const name of ['newPlot', 'react']) {
                  const inner = v[name];
                  v[name] = async function (...args) { const t0 = performance.now(); const r = await inner.apply(this, args);
                    performance.measure('plotly-' + name, { start: t0, end: performance.now() }); return r; };
                }
              } });
            })();
            """);
        // The open as the reviewer sees it, in the page's own clock (from the start of the navigation): the first moment the
        // circuit is live, the timeline drawn and the span list showing its first spans, checked every 10 ms in the page
        // (the harness's own waits add Playwright round trips on top).
        await page.AddInitScriptAsync("""
            (() => {
              const ready = () => {
                const m = document.getElementById('interactive-marker'), g = document.getElementById('timeline');
                return m && m.dataset.state === 'interactive' && g && g.data && g.data.length > 0 && g.data[0].x.length > 0
                  && document.querySelector('#apex-strip [data-span-first]');
              };
              const timer = setInterval(() => { if (ready()) { performance.mark('workspace-interactive'); clearInterval(timer); } }, 10);
            })();
            """);

        var phases = new List<Dictionary<string, double>>();
        // The circuit's larger messages (over 8 KB) with their first bytes: what each open sends (artifacts/review-bench-messages.txt).
        var debug = new List<string>();
        async Task<TimeSpan> OpenAsync()
        {
            lock (messages) messages.Clear();
            openClock.Restart();
            var clock = Stopwatch.StartNew();
            var phase = new Dictionary<string, double>();
            await page.GotoAsync($"/review/{id}", new() { Timeout = 600_000 });
            phase["pageLoaded"] = clock.Elapsed.TotalSeconds;
            await page.Locator("#interactive-marker[data-state=interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 600_000 });
            phase["circuitInteractive"] = clock.Elapsed.TotalSeconds;
            // Interactive: the circuit is live, the timeline is drawn and the span list shows its first spans.
            await page.WaitForFunctionAsync("() => { const g = document.getElementById('timeline'); return g && g.data && g.data.length > 0 && g.data[0].x.length > 0; }",
                null, new() { PollingInterval = 20, Timeout = 600_000 });
            phase["timelineDrawn"] = clock.Elapsed.TotalSeconds;
            await page.Locator("#apex-strip [data-span-first]").First.WaitForAsync(new() { Timeout = 600_000 });
            clock.Stop();
            phase["spanCardShown"] = clock.Elapsed.TotalSeconds;
            var marks = await page.EvaluateAsync<Dictionary<string, double>>("""
                () => {
                  const o = {}, nav = performance.getEntriesByType('navigation')[0];
                  if (nav) { o.navResponseEnd = nav.responseEnd / 1000; o.navDomContentLoaded = nav.domContentLoadedEventEnd / 1000; o.navLoad = nav.loadEventEnd / 1000; }
                  for (const m of performance.getEntriesByType('mark')) o[m.name] = m.startTime / 1000;
                  for (const m of performance.getEntriesByType('measure')) { o[m.name + 'Start'] = m.startTime / 1000; o[m.name + 'Seconds'] = m.duration / 1000; }
                  for (const r of performance.getEntriesByType('resource')) if (/plotly|blazor\.web|mudblazor|timeline|review\.js/i.test(r.name)) {
                    const n = r.name.split('/').pop().split('?')[0]; o['res:' + n + ':start'] = r.startTime / 1000; o['res:' + n + ':end'] = r.responseEnd / 1000; o['res:' + n + ':bytes'] = r.transferSize; }
                  return o;
                }
                """);
            foreach (var (k, v) in marks) phase["page:" + k] = Math.Round(v, 3);
            await page.WaitForFunctionAsync("() => performance.getEntriesByName('workspace-interactive').length > 0", null, new() { PollingInterval = 20 });
            phase["inPage"] = await page.EvaluateAsync<double>("() => performance.getEntriesByName('workspace-interactive')[0].startTime / 1000");
            lock (messages)
                foreach (var m in messages.Where(m => m.Bytes > 8_000))
                    debug.Add($"open {phases.Count + 1}: message at {m.At:0.000} s, {m.Bytes:N0} B: {m.Head}");
            lock (messages) phase["messages"] = messages.Count;
            phases.Add(phase.ToDictionary(p => p.Key, p => Math.Round(p.Value, 3)));
            return clock.Elapsed;
        }

        var first = await OpenAsync();
        var firstBytes = Interlocked.Exchange(ref received, 0);
        var firstLargest = Interlocked.Exchange(ref largest, 0);
        var timelinePoints = await page.EvaluateAsync<int>("() => document.getElementById('timeline').data.reduce((n, t) => n + t.x.length, 0)");
        var timelineJson = await page.EvaluateAsync<int>("() => JSON.stringify(document.getElementById('timeline').data).length");
        var renderedSpans = await page.Locator("#apex-strip [data-span-first]").CountAsync();

        // Responsive: deciding a span comes back on screen quickly.
        var span = page.Locator("#apex-strip [data-span-first]").First;
        var clock = Stopwatch.StartNew();
        await span.Locator(".accept-span").ClickAsync();
        await Assertions.Expect(span).ToHaveAttributeAsync("data-verdict", "Accepted", new() { Timeout = 600_000 });
        var decide = clock.Elapsed;

        // Zooming in to ten seconds refines the timeline to every frame there: each point is a frame, frame-exact to click.
        clock.Restart();
        await page.EvaluateAsync("() => Plotly.relayout(document.getElementById('timeline'), { 'xaxis.range': [100.01, 110.01] })");
        try
        {
            await page.WaitForFunctionAsync("() => document.getElementById('timeline').dataset.refined === '100.01,110.01'", null, new() { PollingInterval = 20 });
        }
        catch (TimeoutException)
        {
            var state = await page.EvaluateAsync<string>("() => JSON.stringify({ chart: document.getElementById('timeline').dataset, readout: document.getElementById('frame-readout') && document.getElementById('frame-readout').dataset, range: document.getElementById('timeline').layout.xaxis.range })");
            lock (console) Assert.Fail("the zoomed timeline was not refined: " + state + "; browser console: " + string.Join("\n", console) + "\nportal: " + session.Portal.Log[^Math.Min(4000, session.Portal.Log.Length)..]);
        }
        var zoom = clock.Elapsed;
        Assert.Equal("true", await page.Locator("#timeline").GetAttributeAsync("data-exact"));
        Assert.True(await page.EvaluateAsync<bool>(
            "() => { const x = document.getElementById('timeline').data[0].x; return x.length === 302 && x.every((t, i) => Math.abs(t - (3000 + i) / 30) < 1e-6); }"),
            "the zoomed timeline holds one point per frame, at the frames' own times");
        // Back to the whole recording: the overview again.
        await page.EvaluateAsync("() => Plotly.relayout(document.getElementById('timeline'), { 'xaxis.autorange': true })");
        await page.WaitForFunctionAsync("() => document.getElementById('timeline').dataset.refined === 'overview'", null, new() { PollingInterval = 20 });
        Assert.Equal(timelinePoints, await page.EvaluateAsync<int>("() => document.getElementById('timeline').data.reduce((n, t) => n + t.x.length, 0)"));

        // The steady state: the playable copy is made (here on request by the first open; in the portal, by the
        // background queue right after analysis) and the frames are cached.
        await page.WaitForFunctionAsync("() => document.getElementById('review-video') && document.getElementById('review-video').readyState >= 1", null, new() { Timeout = 600_000 });
        Interlocked.Exchange(ref received, 0);
        var second = await OpenAsync();
        var secondBytes = Interlocked.Exchange(ref received, 0);
        // A decision once the machine is no longer encoding the copy: the second span this time.
        var steadySpan = page.Locator("#apex-strip [data-span-first]").Nth(1);
        clock.Restart();
        await steadySpan.Locator(".reject-span").ClickAsync();
        await Assertions.Expect(steadySpan).ToHaveAttributeAsync("data-verdict", "Rejected", new() { Timeout = 600_000 });
        var decideSteady = clock.Elapsed;

        var figures = new Dictionary<string, object>
        {
            ["frames"] = frames, ["spans"] = spans, ["seedSeconds"] = Math.Round(seeding.Elapsed.TotalSeconds, 1),
            ["loadAverage"] = File.ReadAllText("/proc/loadavg").Split(' ')[0],
            ["firstOpenSeconds"] = Math.Round(first.TotalSeconds, 2), ["secondOpenSeconds"] = Math.Round(second.TotalSeconds, 2),
            ["firstOpenInPageSeconds"] = Math.Round(phases[0]["inPage"], 2), ["secondOpenInPageSeconds"] = Math.Round(phases[1]["inPage"], 2),
            ["decideSpanSeconds"] = Math.Round(decide.TotalSeconds, 2), ["decideSpanSteadySeconds"] = Math.Round(decideSteady.TotalSeconds, 2), ["zoomRefineSeconds"] = Math.Round(zoom.TotalSeconds, 2),
            ["firstOpenSocketBytes"] = firstBytes, ["largestSocketMessageBytes"] = firstLargest, ["secondOpenSocketBytes"] = secondBytes,
            ["firstOpenPhases"] = phases[0], ["secondOpenPhases"] = phases[1],
            ["timelinePoints"] = timelinePoints, ["timelineJsonChars"] = timelineJson, ["renderedSpanCards"] = renderedSpans,
        };
        await File.WriteAllLinesAsync(Path.Combine(session.Artifacts, "..", "review-bench-messages.txt"), debug, TestContext.Current.CancellationToken);
        var json = JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true });
        TestContext.Current.SendDiagnosticMessage("review bench: " + json);
        Console.WriteLine("review bench: " + json);
        await File.WriteAllTextAsync(Path.Combine(session.Artifacts, "..", "review-bench.json"), json, TestContext.Current.CancellationToken);
        await session.ScreenshotAsync(page, "15-review-long-recording");

        // Clicking the zoomed timeline seeks to the clicked frame (a frame's own time, plus the 1 ms that shows it),
        // once the video is there (its playable copy is made in the background meanwhile).
        await page.EvaluateAsync("() => Plotly.relayout(document.getElementById('timeline'), { 'xaxis.range': [100.01, 110.01] })");
        await page.WaitForFunctionAsync("() => document.getElementById('timeline').dataset.refined === '100.01,110.01'", null, new() { PollingInterval = 20 });
        await page.WaitForFunctionAsync("() => document.getElementById('review-video') && document.getElementById('review-video').readyState >= 1", null, new() { Timeout = 600_000 });
        await page.WaitForFunctionAsync("() => document.getElementById('frame-readout') && document.getElementById('frame-readout').dataset.frame !== undefined", null, new() { Timeout = 60_000 });
        await page.EvaluateAsync("() => document.getElementById('timeline').emit('plotly_click', { points: [{ x: document.getElementById('timeline').data[0].x[150] }] })");
        await page.WaitForFunctionAsync("() => Math.abs(document.getElementById('review-video').currentTime - (3150 / 30 + 0.001)) < 1e-3");

        // The first open shares the machine with the copy's encoder: reported, bounded loosely.
        Assert.True(first < 3 * Bound, $"first open took {first.TotalSeconds:0.00} s (bound {3 * Bound.TotalSeconds} s)");
        Assert.InRange(timelinePoints, 1, 5 * 2 * 1500);
        Assert.True(renderedSpans < spans, $"the span list is virtualised: {renderedSpans} of {spans} cards rendered");
        Assert.True(second < Bound, $"second open took {second.TotalSeconds:0.00} s (bound {Bound.TotalSeconds} s)");
    }
}
