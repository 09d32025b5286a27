using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using OpenCvSharp;

namespace VideoAffect.Reports;

/// <summary>
/// Writes the per-run report by its extension: .html (one self-contained page that opens offline
/// and reads on a phone: the run's facts, the charts as inline SVG, each charted track with its
/// face), .svg (the charts stacked in one SVG) or .png (the same as one image).
/// </summary>
internal static partial class RunReport
{
    public static readonly IReadOnlyList<string> Extensions = [".html", ".htm", ".svg", ".png"];
    const int TimelineHeight = 170, TrackHeight = 300;

    /// <summary>One clear line for a report name whose format we do not write.</summary>
    public static void CheckPath(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (!Extensions.Contains(extension))
            throw new VideoAffectException($"--report '{path}': unknown report format '{(extension.Length > 0 ? extension : "(none)")}'; use .html, .svg or .png");
    }

    /// <summary>A chart and, for one over time, the source's seconds its axis runs over (a click there seeks the video).</summary>
    sealed record Chart(ScottPlot.Plot Plot, int Height, (double From, double To)? Span = null);

    /// <param name="video">the annotated video the page plays, where one is written; null for none</param>
    public static void Write(string path, string finalName, ReportData data, RunFacts facts, ReportVideo? video = null)
    {
        var tracks = ReportCharts.ChartedTracks(data);
        string title = $"{facts["input"]}: {data.Frames} frames, {data.Duration:0.0} s";
        var charts = new List<Chart>
        {
            new(ReportCharts.Timeline(data, $"emotion timeline: {title}"), TimelineHeight, ReportCharts.TimelineSpan(data)),
            new(ReportCharts.Shares(data, tracks), ReportCharts.SharesHeight(tracks.Count + 1)),
        };
        charts.AddRange(tracks.Select(t => new Chart(ReportCharts.Track(data, t), TrackHeight, ReportCharts.TrackSpan(t))));
        switch (Path.GetExtension(finalName).ToLowerInvariant())
        {
            case ".png":
                File.WriteAllBytes(path, StackedPng(charts));
                break;
            case ".svg":
                File.WriteAllText(path, StackedSvg(charts));
                break;
            default:
                File.WriteAllText(path, Html(data, facts, title, charts, tracks, video));
                break;
        }
    }

    static byte[] StackedPng(List<Chart> charts)
    {
        var images = charts.Select(c => Cv2.ImDecode(c.Plot.GetImageBytes(ReportCharts.Width, c.Height, ScottPlot.ImageFormat.Png), ImreadModes.Color)).ToArray();
        try
        {
            using var stacked = new Mat();
            Cv2.VConcat(images, stacked);
            Cv2.ImEncode(".png", stacked, out byte[] png);
            return png;
        }
        finally
        {
            foreach (var image in images) image.Dispose();
        }
    }

    static string StackedSvg(List<Chart> charts)
    {
        var svg = new StringBuilder();
        int total = charts.Sum(c => c.Height);
        svg.Append(CultureInfo.InvariantCulture, $"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"{ReportCharts.Width}\" height=\"{total}\" viewBox=\"0 0 {ReportCharts.Width} {total}\">\n");
        int y = 0;
        foreach (var (plot, height, _) in charts)
        {
            svg.Append(Root().Replace(Bare(plot.GetSvgXml(ReportCharts.Width, height)), $"<svg x=\"0\" y=\"{y}\" ", 1)).Append('\n');
            y += height;
        }
        return svg.Append("</svg>\n").ToString();
    }

    /// <summary>
    /// A chart's SVG to put inside a page: no XML declaration, and a viewBox so it scales to the
    /// page's width. With a video, a chart over time says where its axis runs, in the SVG's pixels
    /// and in the video's seconds, for the page's script to turn a click into a time.
    /// </summary>
    static string Inline(ReportData data, Chart chart, ReportVideo? video)
    {
        string svg = Root().Replace(Bare(chart.Plot.GetSvgXml(ReportCharts.Width, chart.Height)), $"<svg viewBox=\"0 0 {ReportCharts.Width} {chart.Height}\" ", 1);
        if (video is null || chart.Span is not { } span) return "<div class=\"scroll\">" + svg + "</div>";
        // Where the axis's ends were drawn, as the render just made placed them.
        double left = chart.Plot.GetPixel(new ScottPlot.Coordinates(data.Time.X(span.From), 0)).X;
        double right = chart.Plot.GetPixel(new ScottPlot.Coordinates(data.Time.X(span.To), 0)).X;
        return string.Create(CultureInfo.InvariantCulture,
            $"<div class=\"scroll seek\" title=\"click to play the video from that moment\" data-width=\"{ReportCharts.Width}\" data-left=\"{left:0.##}\" data-right=\"{right:0.##}\" data-from=\"{span.From - video.Origin:0.######}\" data-to=\"{span.To - video.Origin:0.######}\">")
            + svg + "</div>";
    }

    /// <summary>
    /// Plays the video from a chart's clicked moment or a track's time. The note under the video says
    /// its length once the browser has read it, or that this browser cannot play the file (Firefox
    /// plays no Matroska), with a link to open it elsewhere.
    /// </summary>
    const string VideoScript = """
        <script>
        const video = document.getElementById('video'), note = document.getElementById('video-note');
        function play(t) { video.currentTime = Math.max(0, t); video.play(); video.scrollIntoView({ block: 'nearest' }); }
        video.addEventListener('loadedmetadata', () => { note.firstChild.textContent = video.duration.toFixed(1) + ' s; click the timeline or a track to play from that moment. '; });
        video.addEventListener('error', () => { note.firstChild.textContent = 'This browser cannot play the video; open it in a player: '; });
        document.querySelectorAll('.seek').forEach(chart => chart.addEventListener('click', e => {
          const box = chart.querySelector('svg').getBoundingClientRect(), d = chart.dataset;
          const x = (e.clientX - box.left) / box.width * d.width, f = (x - d.left) / (d.right - d.left);
          if (f >= 0 && f <= 1) play(+d.from + f * (d.to - d.from));
        }));
        document.querySelectorAll('a.play').forEach(a => a.addEventListener('click', e => { e.preventDefault(); play(+a.dataset.t); }));
        </script>
        """;

    static string Bare(string svg) => svg[(svg.IndexOf("<svg", StringComparison.Ordinal))..];

    [GeneratedRegex("^<svg ")]
    private static partial Regex Root();

    static string Html(ReportData data, RunFacts facts, string title, List<Chart> charts, IReadOnlyList<ReportTrack> tracks, ReportVideo? video)
    {
        string E(string text) => WebUtility.HtmlEncode(text);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append("<title>VideoAffect: ").Append(E(title)).Append("</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:0 auto;padding:1em;max-width:960px;color:#222}")
            .Append("h1{font-size:1.3em;overflow-wrap:anywhere}h2{font-size:1.1em;margin-top:1.5em}")
            .Append("table.facts{border-collapse:collapse;width:100%}table.facts th{text-align:left;padding:3px 10px 3px 0;vertical-align:top;white-space:nowrap}")
            .Append("table.facts td{padding:3px 0;overflow-wrap:anywhere}")
            // On a phone the charts keep a readable size and scroll sideways instead of shrinking their text away.
            .Append(".scroll{overflow-x:auto}svg{width:100%;min-width:600px;height:auto;display:block}")
            .Append(".track{display:flex;flex-wrap:wrap;gap:12px;align-items:center;border-top:1px solid #ddd;padding-top:10px;margin-top:10px}")
            .Append(".track img{height:96px;border-radius:4px}.track .about{min-width:12em}.track .chart{flex:1 1 560px;min-width:0}")
            .Append(".swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:4px;vertical-align:baseline}")
            .Append("video{width:100%;max-height:70vh;background:#000}.seek{cursor:pointer}.note{color:#555;font-size:.9em}")
            .Append("</style></head><body>");
        html.Append("<h1>VideoAffect report: ").Append(E(title)).Append("</h1><table class=\"facts\">");
        foreach (var (name, value) in facts.Items)
            html.Append("<tr><th>").Append(E(name)).Append("</th><td>").Append(E(value)).Append("</td></tr>");
        html.Append("</table>");
        if (video is not null)
            html.Append("<h2>The annotated video</h2><video id=\"video\" controls preload=\"metadata\" src=\"").Append(E(video.Url)).Append("\">")
                .Append(video.CaptionsUrl is { } captions ? $"<track kind=\"captions\" label=\"emotions\" srclang=\"en\" default src=\"{E(captions)}\">" : "").Append("</video>")
                .Append("<p class=\"note\" id=\"video-note\">Click the timeline or a track to play from that moment. <a href=\"").Append(E(video.Url)).Append("\">")
                .Append(E(Uri.UnescapeDataString(video.Url))).Append("</a></p>");
        html.Append("<h2>Which emotion when</h2>").Append(Inline(data, charts[0], video));
        html.Append("<h2>Label shares</h2>").Append(Inline(data, charts[1], video));
        html.Append(CultureInfo.InvariantCulture, $"<h2>Tracks</h2><p>{data.Tracks.Count} tracks; the {tracks.Count} with at least {ReportCharts.MinTrackRecords} records (the longest {ReportCharts.MaxTracks} at most) are charted: the shown (smoothed) probability of each emotion over time.</p>");
        for (int i = 0; i < tracks.Count; i++)
        {
            var t = tracks[i];
            string dominant = data.Labels[t.Dominant];
            html.Append("<div class=\"track\">");
            if (t.Thumbnail is { } jpeg)
                html.Append(CultureInfo.InvariantCulture, $"<img alt=\"track #{t.Id}, its most confident face\" src=\"data:image/jpeg;base64,{Convert.ToBase64String(jpeg)}\">");
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"about\"><b>track #{t.Id}</b><br>{E(data.Time.Span(t.FirstTime, t.LastTime, "0.00"))}<br>{t.Records} records<br>")
                .Append(CultureInfo.InvariantCulture, $"<span class=\"swatch\" style=\"background:{EmotionPalette.Hex(dominant, t.Dominant)}\"></span>mostly {E(dominant)} ({100.0 * t.LabelRecords[t.Dominant] / t.Records:0}%)");
            if (video is not null)
                html.Append(CultureInfo.InvariantCulture, $"<br><a class=\"play\" href=\"#video\" data-t=\"{t.FirstTime - video.Origin:0.######}\">&#9654; play from its start</a>");
            html.Append("</div><div class=\"chart\">").Append(Inline(data, charts[2 + i], video)).Append("</div></div>");
        }
        if (video is not null) html.Append(VideoScript);
        return html.Append("</body></html>\n").ToString();
    }
}
