using System.Net;
using System.Text;
using OpenCvSharp;

namespace VideoAffect.Reports;

/// <summary>
/// Writes the per-run report: a PNG for a .png path, otherwise a self-contained HTML page (the PNG
/// inlined, plus the label table) that opens offline in any browser.
/// </summary>
public static class RunReport
{
    public static void Write(string path, ReportData data, string input)
    {
        string title = $"VideoAffect: {Path.GetFileName(input)}, {data.Frames} frames, {data.LastTime - (double.IsNaN(data.FirstTime) ? 0 : data.FirstTime):0.0} s";
        using var image = ReportRenderer.Render(data, title);
        Cv2.ImEncode(".png", image, out byte[] png);
        if (Path.GetExtension(path).Equals(".png", StringComparison.OrdinalIgnoreCase))
        {
            File.WriteAllBytes(path, png);
            return;
        }
        long total = Math.Max(1, data.LabelCounts.Sum());
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>");
        html.Append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right}</style></head><body>");
        html.Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>");
        html.Append("<table><tr><th>label</th><th>face records</th><th>share</th></tr>");
        for (int i = 0; i < data.Labels.Count; i++)
            html.Append($"<tr><td>{data.Labels[i]}</td><td>{data.LabelCounts[i]}</td><td>{100.0 * data.LabelCounts[i] / total:0.0}%</td></tr>");
        html.Append("</table>");
        int shown = ReportRenderer.ShownTracks(data).Count, all = data.Tracks.Count;
        html.Append($"<p>{all} tracks; the charts show the {shown} with at least {ReportRenderer.MinTrackRecords} records (emotion probabilities, smoothed, over time).</p>");
        html.Append("<img alt=\"label shares and emotions over time per track\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png)).Append("\">");
        html.Append("</body></html>\n");
        File.WriteAllText(path, html.ToString());
    }
}
