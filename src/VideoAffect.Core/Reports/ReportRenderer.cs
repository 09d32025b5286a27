using System.Globalization;
using OpenCvSharp;

namespace VideoAffect.Reports;

/// <summary>
/// Draws the report as one PNG with OpenCV: label shares for the whole video as bars, then one
/// emotion-over-time chart per track (the longest tracks first). No browser or plotting library
/// is needed to make or view it.
/// </summary>
public static class ReportRenderer
{
    const int Width = 1000, Margin = 60, BarsHeight = 260, ChartHeight = 200, ChartGap = 50;
    /// <summary>Tracks shorter than this are usually detector false positives; they are counted, not drawn.</summary>
    public const int MinTrackRecords = 10;
    public const int MaxTracks = 12;

    // BGR, in FER-2013 label order (the same colours as the annotated video).
    static readonly Scalar[] Colours =
    [
        new(40, 40, 230), new(40, 140, 40), new(160, 60, 160), new(20, 170, 230),
        new(200, 120, 40), new(200, 170, 20), new(130, 130, 130),
    ];

    public static Mat Render(ReportData data, string title)
    {
        var tracks = ShownTracks(data);
        int height = Margin + BarsHeight + tracks.Count * (ChartHeight + ChartGap) + Margin;
        var image = new Mat(height, Width, MatType.CV_8UC3, Scalar.White);
        Text(image, title, new Point(Margin, 35), 0.7, Scalar.Black);
        DrawLabelShares(image, data, Margin + 10);
        int top = Margin + BarsHeight;
        foreach (var (id, series) in tracks)
        {
            DrawTrack(image, data, id, series, top);
            top += ChartHeight + ChartGap;
        }
        return image;
    }

    public static IReadOnlyList<(int Id, List<(double Time, float[] Probabilities)> Series)> ShownTracks(ReportData data) =>
        data.Tracks.Where(t => t.Value.Count >= MinTrackRecords)
            .OrderByDescending(t => t.Value.Count).Take(MaxTracks)
            .Select(t => (t.Key, t.Value)).OrderBy(t => t.Key).ToList();

    static void DrawLabelShares(Mat image, ReportData data, int top)
    {
        long total = Math.Max(1, data.LabelCounts.Sum());
        Text(image, $"label shares over {data.LabelCounts.Sum()} face records", new Point(Margin, top + 20), 0.55, Scalar.Black);
        int barTop = top + 40, barHeight = 22, labelWidth = 110, maxBar = Width - 2 * Margin - labelWidth - 80;
        for (int i = 0; i < data.Labels.Count; i++)
        {
            int y = barTop + i * (barHeight + 6);
            double share = (double)data.LabelCounts[i] / total;
            Text(image, data.Labels[i], new Point(Margin, y + 16), 0.5, Scalar.Black);
            int length = (int)Math.Round(share * maxBar);
            if (length > 0) Cv2.Rectangle(image, new Rect(Margin + labelWidth, y, length, barHeight), Colours[i], -1);
            Text(image, share.ToString("0.0%", CultureInfo.InvariantCulture), new Point(Margin + labelWidth + length + 8, y + 16), 0.5, Scalar.Black);
        }
    }

    static void DrawTrack(Mat image, ReportData data, int id, List<(double Time, float[] Probabilities)> series, int top)
    {
        double t0 = data.FirstTime, t1 = Math.Max(data.LastTime, t0 + 1e-3);
        var plot = new Rect(Margin, top + 25, Width - 2 * Margin, ChartHeight - 25);
        var main = Enumerable.Range(0, data.Labels.Count).MaxBy(c => series.Sum(s => s.Probabilities[c]));
        Text(image, $"track #{id}: {series.Count} records, {series[0].Time:0.0}-{series[^1].Time:0.0} s, mostly {data.Labels[main]} (line colours as the bars above)",
            new Point(Margin, top + 15), 0.5, Scalar.Black);
        Cv2.Rectangle(image, plot, new Scalar(200, 200, 200), 1);
        for (int c = 0; c < data.Labels.Count; c++)
        {
            Point? previous = null;
            double previousTime = double.NaN;
            foreach (var (time, p) in series)
            {
                var point = new Point(plot.X + (int)((time - t0) / (t1 - t0) * plot.Width), plot.Bottom - (int)(p[c] * plot.Height));
                // A gap of more than a second (the face was away) breaks the line.
                if (previous is { } from && time - previousTime <= 1.0) Cv2.Line(image, from, point, Colours[c], 2, LineTypes.AntiAlias);
                previous = point;
                previousTime = time;
            }
        }
        Text(image, "0", new Point(plot.X - 18, plot.Bottom), 0.4, Scalar.Gray);
        Text(image, "1", new Point(plot.X - 18, plot.Y + 10), 0.4, Scalar.Gray);
        Text(image, $"{t0:0.0} s", new Point(plot.X, plot.Bottom + 16), 0.4, Scalar.Gray);
        Text(image, $"{t1:0.0} s", new Point(plot.Right - 40, plot.Bottom + 16), 0.4, Scalar.Gray);
    }

    static void Text(Mat image, string text, Point at, double scale, Scalar colour) =>
        Cv2.PutText(image, text, at, HersheyFonts.HersheySimplex, scale, colour, 1, LineTypes.AntiAlias);
}
