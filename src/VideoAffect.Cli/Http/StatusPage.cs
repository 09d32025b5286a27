using System.Net;
using System.Text;
using System.Text.Json;
using VideoAffect.Live;
using VideoAffect.Reports;

namespace VideoAffect.Cli.Http;

/// <summary>
/// The page at /: a card per stream an operator can trust. Its state in words (live; stale: no
/// frame for N s; reconnecting in N s and why; failed and why, the raw error behind a toggle), fps
/// processed of fps received, drops, latency p50/p95, the time of the last frame, the faces with
/// their picture, track and smoothed emotion, and a sparkline of the last three minutes. A stream that is
/// not live is greyed with its faces hidden (never a frozen "happy 99%"), and a picture that
/// cannot be shown gives way to a placeholder (the MJPEG preview is opened only while the stream is
/// live). Damaged pictures, lost records and frames left out of the recording are shown once they
/// happen. Refreshed from /streams every second.
/// </summary>
static class StatusPage
{
    static readonly string[] FerLabels = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];

    public static string Html(LiveMonitor monitor)
    {
        var cards = new StringBuilder();
        foreach (var s in monitor.Streams)
        {
            string name = WebUtility.HtmlEncode(s.Name);
            cards.Append($"""
                <section class="card connecting" id="s-{name}">
                  <header><h2>{name}</h2><span class="badge">connecting</span></header>
                  <div class="picture"><img alt="live preview of {name}" data-src="/streams/{Uri.EscapeDataString(s.Name)}/preview.mjpg"
                    onerror="this.closest('.card').classList.add('no-picture')"><div class="placeholder">no picture</div></div>
                  <div class="faces">no face</div>
                  <svg class="spark" viewBox="0 0 180 24" preserveAspectRatio="none" aria-label="emotion over the last 3 minutes"></svg>
                  <dl class="facts"></dl>
                  <details class="error" hidden><summary></summary><code></code></details>
                </section>
                """);
        }
        // Inside a <script>: "</" must not end it early.
        string initial = MonitorSummary.Live(monitor).ToJson().Replace("</", "<\\/");
        string palette = JsonSerializer.Serialize(FerLabels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => EmotionPalette.Hex(x.l, x.i)));
        return $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>VideoAffect monitor</title>
            <style>
              body { font: 14px system-ui, sans-serif; margin: 1em; background: #f4f4f4; color: #222; }
              h1 { font-size: 1.3em; }
              .grid { display: flex; flex-wrap: wrap; gap: 1em; }
              .card { background: #fff; border-radius: 6px; padding: .8em; box-shadow: 0 1px 3px #0002; width: min(480px, 100%); box-sizing: border-box; }
              .card header { display: flex; justify-content: space-between; align-items: baseline; gap: .5em; }
              h2 { margin: 0 0 .4em; font-size: 1.1em; }
              .badge { border-radius: 3px; padding: 1px 6px; font-size: .9em; background: #ddd; }
              .live .badge { background: #2a7; color: #fff; }
              .reconnecting .badge, .stale .badge, .connecting .badge { background: #e90; color: #fff; }
              .failed .badge { background: #c33; color: #fff; }
              .picture { position: relative; background: #222; aspect-ratio: 4 / 3; }
              .picture img { display: block; width: 100%; height: 100%; object-fit: contain; }
              .placeholder { display: none; position: absolute; inset: 0; align-items: center; justify-content: center; color: #aaa; background: #333; font-size: 1.2em; }
              .card:not(.live) .picture img, .no-picture .picture img { visibility: hidden; }
              .card:not(.live) .placeholder, .no-picture .placeholder { display: flex; }
              .card:not(.live) { color: #888; }
              .card:not(.live) .faces { visibility: hidden; }
              .faces { margin: .5em 0; min-height: 1.3em; }
              .swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: 3px; }
              .face { height: 2.2em; vertical-align: middle; border-radius: 3px; margin-right: 4px; }
              .spark { width: 100%; height: 24px; background: #f6f6f6; display: block; }
              .facts { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: .5em 0 0; }
              .facts dt { color: #666; } .facts dd { margin: 0; }
              .facts .warn { color: #b50; font-weight: 600; }
              .error code { display: block; white-space: pre-wrap; word-break: break-all; font-size: .85em; color: #555; }
            </style></head>
            <body><h1>VideoAffect monitor</h1><div class="grid">{{cards}}</div>
            <script>
              const palette = {{palette}};
              const colour = label => palette[label] || '#888';
              const ms = s => s == null ? '-' : `${Math.round(s * 1000)} ms`;
              const text = (el, value) => { if (el.textContent !== value) el.textContent = value; };
              function state(s) {
                // What the operator is told, and whether the card counts as live.
                if (s.state === 'live' && s.last_frame_age_seconds != null && s.last_frame_age_seconds > 2)
                  return ['stale', `stale: no frame for ${s.last_frame_age_seconds.toFixed(0)} s`];
                if (s.state === 'live') return ['live', 'live'];
                if (s.state === 'reconnecting')
                  return ['reconnecting', s.retry_in_seconds != null ? `reconnecting in ${Math.ceil(s.retry_in_seconds)} s` : 'reconnecting'];
                if (s.state === 'failed') return ['failed', 'failed'];
                if (s.state === 'waiting') return ['waiting', 'waiting for a sender'];
                return [s.state, s.state];
              }
              function spark(svg, history) {
                const now = Date.now();
                svg.innerHTML = history.filter(h => h.label).map(h => {
                  const x = 180 - (now - Date.parse(h.utc)) / 1000;
                  const height = Math.max(2, 24 * h.confidence);
                  return `<rect x="${x.toFixed(1)}" y="${(24 - height).toFixed(1)}" width="1.2" height="${height.toFixed(1)}" fill="${colour(h.label)}"/>`;
                }).join('');
              }
              function warnings(s) {
                const rows = [];
                if (s.decode_errors > 0) rows.push(['damaged', `${s.decode_errors} decoding errors in its pictures (concealed or left out)`, true]);
                if (s.records_lost > 0) rows.push(['records lost', `of ${s.records_lost} frames (could not be written)`, true]);
                if (s.not_recorded > 0) rows.push(['not recorded', `${s.not_recorded} frames (the recording fell behind)`, true]);
                if (s.not_restreamed > 0) rows.push(['not restreamed', `${s.not_restreamed} frames (the restream fell behind or its server was away)`, true]);
                return rows;
              }
              function show(status) {
                for (const s of status.streams) {
                  const card = document.getElementById('s-' + s.name);
                  if (!card) continue;
                  const [kind, words] = state(s);
                  // The picture is only asked for while the stream is live: a stream that goes down shows the
                  // placeholder, not its last frame, and a fresh picture when it is back.
                  const img = card.querySelector('img');
                  if (kind === 'live' && !img.getAttribute('src')) { card.classList.remove('no-picture'); img.src = img.dataset.src + '?t=' + Date.now(); }
                  if (kind !== 'live' && img.getAttribute('src')) img.removeAttribute('src');
                  card.className = 'card ' + kind + (card.classList.contains('no-picture') ? ' no-picture' : '');
                  text(card.querySelector('.badge'), words + (s.reason && kind !== 'live' ? `: ${s.reason}` : ''));
                  const faces = card.querySelector('.faces');
                  // Each tracked face with its picture (the track's most confident face; none when anonymized: the image goes).
                  const shown = s.current_faces.map(f => (f.track ? `<img class="face" alt="" src="/streams/${encodeURIComponent(s.name)}/tracks/${f.track}.jpg" onerror="this.remove()">` : '')
                    + `<span class="swatch" style="background:${colour(f.label)}"></span>${f.track ? '#' + f.track + ' ' : ''}${f.label} ${(f.confidence * 100).toFixed(0)}%`).join(', ') || 'no face';
                  if (faces.innerHTML !== shown) faces.innerHTML = shown;
                  spark(card.querySelector('.spark'), s.history || []);
                  const last = s.last_frame_age_seconds == null ? 'none yet' : `${s.last_frame_age_seconds.toFixed(1)} s ago (${new Date(Date.now() - s.last_frame_age_seconds * 1000).toLocaleTimeString()})`;
                  card.querySelector('.facts').innerHTML = [
                    ['fps', `${s.current_fps.toFixed(1)} processed of ${s.received_fps.toFixed(1)} received`],
                    ['dropped', `${s.dropped} of ${s.frames} frames`],
                    ['latency', `p50 ${ms(s.latency_p50)}, p95 ${ms(s.latency_p95)}`],
                    ['last frame', last],
                    ['reconnects', `${s.reconnects}, ${s.downtime_seconds.toFixed(0)} s down`],
                    // Trouble the stream went on through, shown only once it happened: an operator must
                    // see a camera's lost packets or a full disk here, not only in the metrics.
                    ...warnings(s),
                  ].map(([k, v, warn]) => `<dt${warn ? ' class="warn"' : ''}>${k}</dt><dd${warn ? ' class="warn"' : ''}>${v}</dd>`).join('');
                  const error = card.querySelector('.error');
                  error.hidden = !s.last_error;
                  if (s.last_error) { text(error.querySelector('summary'), 'last error: ' + (s.reason || 'details')); text(error.querySelector('code'), s.last_error); }
                }
              }
              async function refresh() {
                try { show(await (await fetch('/streams')).json()); } catch (e) { }
              }
              // The state when the page was made, shown at once: the first paint is already true.
              show({{initial}});
              setInterval(refresh, 1000);
            </script></body></html>
            """;
    }
}
