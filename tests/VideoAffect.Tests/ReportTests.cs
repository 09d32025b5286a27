using System.Text.Json;
using System.Text.RegularExpressions;
using OpenCvSharp;
using VideoAffect.Pipeline;
using VideoAffect.Reports;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// The per-run report: its charts hold exactly the run's records (read from the plotting library's
/// model, not from pixels), the files are what their extensions say, and the page, opened in
/// headless Chromium, shows the charts and each track's face.
/// </summary>
public class ReportTests
{
    static async Task<(VideoAnalyzer Analyzer, string Report)> AnalyzeWithReport(TempFolder dir, string report)
    {
        string input = dir.File("in.mp4");
        if (!File.Exists(input)) Clips.MovingFace(input, 45, fps: 15, audio: false);
        var analyzer = new VideoAnalyzer(new AnalyzeOptions
        {
            InputPath = input,
            OutputPath = dir.File("out.mp4"),
            EventsPath = dir.File("out.jsonl"),
            ReportPath = dir.File(report),
            Recognition = new() { Backend = "cpu", DetectEvery = 2 },
        });
        var summary = await analyzer.RunAsync(CancellationToken.None);
        Assert.Equal(dir.File(report), summary.Report);
        return (analyzer, summary.Report!);
    }

    [Fact]
    public async Task Every_chart_point_is_a_record_and_every_share_is_counted_from_the_records()
    {
        using var dir = TestPaths.NewTempFolder();
        var (analyzer, path) = await AnalyzeWithReport(dir, "report.svg");
        var data = analyzer.Report!;
        var records = File.ReadAllLines(dir.File("out.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var labels = data.Labels;
        var tracks = ReportCharts.ChartedTracks(data);
        Assert.NotEmpty(tracks);

        foreach (var track in tracks)
        {
            var mine = records.Where(r => r.GetProperty("track").GetInt32() == track.Id).ToList();
            var lines = ReportCharts.Track(data, track).GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToList();
            Assert.Equal(labels, lines.Select(l => l.LegendText));
            foreach (var (line, label) in lines.Zip(labels))
            {
                var points = line.Data.GetScatterPoints();
                Assert.Equal(mine.Count, points.Count);
                for (int i = 0; i < mine.Count; i++)
                {
                    // The records are rounded to 6 decimals.
                    Assert.Equal(mine[i].GetProperty("time").GetDouble(), points[i].X, tolerance: 6e-7);
                    Assert.Equal(mine[i].GetProperty("smoothed_probabilities").GetProperty(label).GetDouble(), points[i].Y, tolerance: 6e-7);
                }
                // The line has the emotion's colour, the same as the annotated video's boxes.
                Assert.Equal(EmotionPalette.Chart(label, labels.ToList().IndexOf(label)), line.LineColor);
            }
        }

        // Shares: the first row is every record, each track's row its own records, by shown label.
        var bars = ReportCharts.Shares(data, tracks).GetPlottables().OfType<ScottPlot.Plottables.BarPlot>().Single().Bars;
        var rows = new[] { records }.Concat(tracks.Select(t => records.Where(r => r.GetProperty("track").GetInt32() == t.Id).ToList())).ToList();
        for (int row = 0; row < rows.Count; row++)
        {
            var expected = rows[row].GroupBy(r => r.GetProperty("smoothed_label").GetString()!).ToDictionary(g => g.Key, g => 100.0 * g.Count() / rows[row].Count);
            var drawn = bars.Where(b => b.Position == -row).ToList();
            Assert.Equal(expected.Count, drawn.Count);
            foreach (var bar in drawn)
            {
                string label = expected.Keys.Single(l => EmotionPalette.Chart(l, labels.ToList().IndexOf(l)) == bar.FillColor);
                Assert.Equal(expected[label], bar.Value - bar.ValueBase, tolerance: 1e-6);
            }
        }

        // The file: one SVG holding the timeline, the shares and one chart per charted track.
        string svg = File.ReadAllText(path);
        Assert.StartsWith("<?xml", svg);
        Assert.Equal(2 + tracks.Count, Regex.Matches(svg, "<svg x=\"0\" y=\"\\d+\"").Count);
        Assert.Contains("time (s)", svg);
    }

    [Fact]
    public async Task The_page_is_self_contained_and_Chromium_shows_its_charts_facts_and_faces()
    {
        using var dir = TestPaths.NewTempFolder();
        var (analyzer, path) = await AnalyzeWithReport(dir, "report.html");
        string html = File.ReadAllText(path);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/", ""));
        Assert.DoesNotContain("https://", html);
        foreach (var fact in new[] { "<th>backend</th>", "<th>detector</th>", "<th>model</th>", "<th>speed</th>", "<th>command</th>", "haarcascade_frontalface_default.xml" })
            Assert.Contains(fact, html);
        var thumbnails = Regex.Matches(html, "data:image/jpeg;base64,([A-Za-z0-9+/=]+)");
        Assert.Equal(ReportCharts.ChartedTracks(analyzer.Report!).Count, thumbnails.Count);

        // Desktop and phone widths: the page renders with the charts (the happy colour) and the face.
        using var face = Cv2.ImDecode(Convert.FromBase64String(thumbnails[0].Groups[1].Value), ImreadModes.Color);
        var happy = EmotionPalette.Rgb("happy", 3);
        foreach (var (width, height) in new[] { (900, 1500), (390, 1900) })
        {
            string shot = dir.File($"report-{width}.png");
            string errors = HeadlessChromium.Screenshot(new Uri(path).AbsoluteUri, shot, width, height, dir.File("chromium"));
            using var page = Cv2.ImRead(shot, ImreadModes.Color);
            using var mask = new Mat();
            Cv2.InRange(page, new Scalar(happy.B - 12, happy.G - 12, happy.R - 12), new Scalar(happy.B + 12, happy.G + 12, happy.R + 12), mask);
            Assert.True(Cv2.CountNonZero(mask) > 5000, $"{width} px: the charts are not on the page ({Cv2.CountNonZero(mask)} happy pixels); chromium: {errors}");
            using var match = new Mat();
            Cv2.MatchTemplate(page, face, match, TemplateMatchModes.CCoeffNormed);
            Cv2.MinMaxLoc(match, out _, out double best);
            Assert.True(best > 0.9, $"{width} px: the track's face is not on the page (best match {best:0.00})");
        }
    }

    /// <summary>
    /// With --recorded-at the charts run in times of day, in the offset the start was given in: each
    /// track's points at its records' `utc` (checked against ffprobe in RecordedAtTests) in that
    /// offset, ticks written as a 24-hour clock with the date where the chart crosses midnight, and
    /// the page's tracks from when to when. Before 0.18 a camera's day was charted in seconds.
    /// </summary>
    [Fact]
    public async Task With_the_recordings_start_the_charts_run_in_times_of_day()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 45, fps: 15, audio: false);
        // An MPEG-TS starts at 1.4 s: the chart must count from the recording's first moment, not from the file's second 0.
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-c", "copy", "-f", "mpegts", dir.File("cam.ts"));
        var analyzer = new VideoAnalyzer(new AnalyzeOptions
        {
            InputPath = dir.File("cam.ts"),
            OutputPath = dir.File("out.mp4"),
            EventsPath = dir.File("out.jsonl"),
            ReportPath = dir.File("report.html"),
            RecordedAt = "2026-12-04T23:59:58.5+01:00",
            Recognition = new() { Backend = "cpu", DetectEvery = 2 },
        });
        await analyzer.RunAsync(CancellationToken.None);
        var data = analyzer.Report!;
        var records = File.ReadAllLines(dir.File("out.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var offset = TimeSpan.FromHours(1);
        DateTime Shown(JsonElement r) => DateTime.Parse(r.GetProperty("utc").GetString()!, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal) + offset;
        const double Millisecond = 1.0 / 86400 / 1000; // ToOADate keeps milliseconds

        var track = Assert.Single(ReportCharts.ChartedTracks(data));
        var mine = records.Where(r => r.GetProperty("track").GetInt32() == track.Id).ToList();
        var plot = ReportCharts.Track(data, track);
        var points = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().First().Data.GetScatterPoints();
        Assert.Equal(mine.Count, points.Count);
        for (int i = 0; i < mine.Count; i++)
            Assert.Equal(Shown(mine[i]).ToOADate(), points[i].X, tolerance: 1.5 * Millisecond);
        Assert.Equal("time of day (UTC+01:00)", plot.Axes.Bottom.Label.Text);
        plot.GetImageBytes(ReportCharts.Width, 300, ScottPlot.ImageFormat.Png); // lays the ticks out
        var ticks = plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Label).ToList();
        Assert.Contains("12-05 00:00:00", ticks);
        Assert.All(ticks, t => Assert.Matches(@"^12-0[45] \d\d:\d\d:\d\d(\.\d+)?$", t));

        // The timeline: every bar within the records' times of day.
        var timeline = ReportCharts.Timeline(data, "timeline");
        var bars = timeline.GetPlottables().OfType<ScottPlot.Plottables.BarPlot>().Single().Bars;
        double first = records.Min(r => Shown(r).ToOADate()), last = records.Max(r => Shown(r).ToOADate());
        Assert.All(bars, b => Assert.InRange(b.Position, first - Millisecond, last + Millisecond));
        Assert.True(bars.Max(b => b.Position) - bars.Min(b => b.Position) > 0.8 * (last - first), "the bars span the video");
        // 45 frames: a stretch per frame, so a bar for each frame with a face and no blank between them
        // (120 stretches left every fourth one empty).
        Assert.Equal(45, data.Frames);
        Assert.Equal(records.Select(r => r.GetProperty("frame").GetInt32()).Distinct().Count(), bars.Count);
        var positions = bars.Select(b => b.Position).Order().ToList();
        var withFaces = records.Select(r => r.GetProperty("frame").GetInt32()).ToHashSet();
        int between = Enumerable.Range(withFaces.Min(), withFaces.Max() - withFaces.Min() + 1).Count(f => !withFaces.Contains(f));
        Assert.Equal(between, positions.Zip(positions.Skip(1)).Count(p => p.Second - p.First > bars[0].Size)); // blank only where a frame has no face

        string html = File.ReadAllText(dir.File("report.html"));
        Assert.Contains("<th>recorded at</th><td>2026-12-04 23:59:58.5 (UTC+01:00;", html);
        Assert.Contains($"<br>{Shown(mine[0]):yyyy-MM-dd HH:mm:ss}-{Shown(mine[^1]):yyyy-MM-dd HH:mm:ss}<br>", html);
    }

    [Fact]
    public async Task Png_report_is_one_image_of_the_charts()
    {
        using var dir = TestPaths.NewTempFolder();
        var (analyzer, path) = await AnalyzeWithReport(dir, "report.png");
        using var image = Cv2.ImRead(path, ImreadModes.Color);
        Assert.False(image.Empty());
        Assert.Equal(ReportCharts.Width, image.Width);
        Assert.True(image.Height >= 170 + ReportCharts.SharesHeight(2) + 300 * ReportCharts.ChartedTracks(analyzer.Report!).Count);
    }

    [Fact]
    public void An_unknown_report_extension_is_one_line_before_anything_runs()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("in.mp4"), 5, fps: 15, audio: false);
        var r = ProcessRunner.Cli(["analyze", input, "-o", dir.File("out.mp4"), "--report", dir.File("report.txt")]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"videoaffect: error: --report '{dir.File("report.txt")}': unknown report format '.txt'; use .html, .svg or .png", r.StandardError.Trim());
        Assert.Empty(Directory.GetFiles(dir.Path, "out*"));
    }
}
