using System.Globalization;
using System.Net;
using System.Text;
using VideoAffect.Live;

namespace VideoAffect.Cli.Http;

/// <summary>
/// The page at /: one card per stream with its live preview, state and current emotions. The
/// figures refresh from /streams every second; the previews are MJPEG, which browsers play natively.
/// </summary>
static class StatusPage
{
    public static string Html(LiveMonitor monitor)
    {
        var cards = new StringBuilder();
        foreach (var s in monitor.Streams)
        {
            // Rendered now as well, so the page says something before its script first refreshes it.
            string name = WebUtility.HtmlEncode(s.Name);
            string state = WebUtility.HtmlEncode(string.Create(CultureInfo.InvariantCulture,
                $"{s.State.ToString().ToLowerInvariant()}, {s.FramesPerSecond:0.0} fps, {s.Dropped} dropped, {s.Reconnects} reconnects")
                + (s.LastError is null ? "" : $" (last error: {s.LastError})"));
            string faces = WebUtility.HtmlEncode(s.CurrentFaces.Count == 0 ? "no face"
                : string.Join(", ", s.CurrentFaces.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Label} {f.Confidence * 100:0}%"))));
            cards.Append($"""
                <section class="card" id="s-{name}">
                  <h2>{name}</h2>
                  <img alt="live preview of {name}" src="/streams/{Uri.EscapeDataString(s.Name)}/preview.mjpg">
                  <p class="state">{state}</p><p class="faces">{faces}</p>
                </section>
                """);
        }
        return $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>VideoAffect monitor</title>
            <style>
              body { font: 14px system-ui, sans-serif; margin: 1.5em; background: #f4f4f4; }
              .grid { display: flex; flex-wrap: wrap; gap: 1em; }
              .card { background: #fff; border-radius: 6px; padding: .8em; box-shadow: 0 1px 3px #0002; }
              .card img { display: block; max-width: 480px; min-width: 240px; background: #222; }
              h2 { margin: 0 0 .4em; font-size: 1.1em; }
            </style></head>
            <body><h1>VideoAffect monitor</h1><div class="grid">{{cards}}</div>
            <script>
              async function refresh() {
                try {
                  const status = await (await fetch('/streams')).json();
                  for (const s of status.streams) {
                    const card = document.getElementById('s-' + s.name);
                    if (!card) continue;
                    card.querySelector('.state').textContent =
                      `${s.state}, ${s.current_fps.toFixed(1)} fps, ${s.dropped} dropped, ${s.reconnects} reconnects` + (s.last_error ? ` (last error: ${s.last_error})` : '');
                    card.querySelector('.faces').textContent = s.current_faces.length
                      ? s.current_faces.map(f => `${f.label} ${(f.confidence * 100).toFixed(0)}%`).join(', ') : 'no face';
                  }
                } catch (e) { }
              }
              refresh(); setInterval(refresh, 1000);
            </script></body></html>
            """;
    }
}
