using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using VideoAffect.Pipeline;
using VideoAffect.Reports;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// The report's page plays the annotated video: a click on the timeline or on a track's chart, or a
/// track's link, plays it from that moment (new in 0.28). Checked against what is independent of
/// the page's own numbers: the video file the run wrote (by the link's path), the charts' own tick
/// labels (where the chart drew each second), the records' times, and Chromium running the page.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class ReportVideoTests
{
    /// <summary>A part (from the source's second 1) of a 3 s clip, the video and the report in folders of their own, the video's name with a space.</summary>
    static async Task<(string Report, string Video, List<JsonElement> Records)> AnalyzePart(TempFolder dir, string output)
    {
        string input = Clips.MovingFace(dir.File("in.mp4"), 45, fps: 15, audio: false);
        Directory.CreateDirectory(dir.File("reports"));
        Directory.CreateDirectory(dir.File("videos"));
        var analyzer = new VideoAnalyzer(new AnalyzeOptions
        {
            InputPath = input,
            OutputPath = output,
            EventsPath = dir.File("out.jsonl"),
            ReportPath = dir.File("reports/r.html"),
            Start = TimeSpan.FromSeconds(1),
            Recognition = new() { Backend = "cpu", DetectEvery = 2 },
        });
        var summary = await analyzer.RunAsync(CancellationToken.None);
        Assert.Equal("complete", summary.Status);
        var records = File.ReadAllLines(dir.File("out.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.NotEmpty(records);
        return (dir.File("reports/r.html"), output, records);
    }

    static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_click_on_a_chart_or_a_track_plays_the_annotated_video_from_that_moment()
    {
        using var dir = TestPaths.NewTempFolder();
        var (report, video, records) = await AnalyzePart(dir, dir.File("videos/my talk.mp4"));
        string html = File.ReadAllText(report);
        const double Origin = 1; // the part's start: the annotated video's second 0

        // The player's address leads from the report's folder to the video the run wrote.
        string src = Regex.Match(html, "<video id=\"video\"[^>]* src=\"([^\"]+)\"").Groups[1].Value;
        Assert.Equal("../videos/my%20talk.mp4", src);
        Assert.Equal(Path.GetFullPath(video), Path.GetFullPath(Path.Combine(Path.GetDirectoryName(report)!, Uri.UnescapeDataString(src))));

        // Every chart over time: its pixel ends and seconds put each of its own tick labels at the label's second.
        var charts = Regex.Matches(html, "<div class=\"scroll seek\"[^>]*data-width=\"(\\d+)\" data-left=\"([\\d.]+)\" data-right=\"([\\d.]+)\" data-from=\"([-\\d.]+)\" data-to=\"([-\\d.]+)\">(.*?)</svg>",
            RegexOptions.Singleline);
        int charted = Math.Min(ReportCharts.MaxTracks, records.GroupBy(r => r.GetProperty("track").GetInt32()).Count(t => t.Count() >= ReportCharts.MinTrackRecords));
        Assert.Equal(1 + charted, charts.Count); // the timeline and each track; not the shares
        foreach (Match chart in charts)
        {
            double left = Number(chart.Groups[2].Value), right = Number(chart.Groups[3].Value), from = Number(chart.Groups[4].Value), to = Number(chart.Groups[5].Value);
            // The bottom axis's labels: the numbers written lowest (a track's left axis has numbers too).
            var numbers = Regex.Matches(chart.Groups[6].Value, "<text transform=\"translate\\(([\\d.]+) ([\\d.]+)\\)\"[^>]*>\\s*([\\d.]+)\\s*</text>");
            double bottom = numbers.Max(n => Number(n.Groups[2].Value));
            var ticks = numbers.Where(n => Number(n.Groups[2].Value) == bottom).ToList();
            Assert.True(ticks.Count >= 3, $"{ticks.Count} tick labels");
            foreach (Match tick in ticks)
            {
                double x = Number(tick.Groups[1].Value), second = Number(tick.Groups[3].Value) - Origin;
                Assert.Equal(second, from + ((x - left) / (right - left) * (to - from)), 0.01);
            }
        }
        // The timeline runs from the first record to the last, in the video's seconds.
        double first = records.Min(r => r.GetProperty("time").GetDouble()), last = records.Max(r => r.GetProperty("time").GetDouble());
        Assert.Equal(first - Origin, Number(charts[0].Groups[4].Value), tolerance: 1e-6);
        Assert.Equal(last - Origin, Number(charts[0].Groups[5].Value), tolerance: 1e-6);
        // Each track's link: its first record.
        var links = Regex.Matches(html, "<a class=\"play\" href=\"#video\" data-t=\"([-\\d.]+)\">");
        Assert.Equal(charted, links.Count);
        double firstOfTrack = records.Where(r => r.GetProperty("track").GetInt32() == records[0].GetProperty("track").GetInt32()).Min(r => r.GetProperty("time").GetDouble());
        Assert.Equal(firstOfTrack - Origin, Number(links[0].Groups[1].Value), tolerance: 1e-6);

        // Chromium runs the page: it reads the video's length, and a click a quarter of the way along
        // the timeline, then the first track's link, set the video's time.
        string harness = dir.File("reports/harness.html");
        File.WriteAllText(harness, """
            <!DOCTYPE html><html><body><iframe id="f" src="r.html" width="900" height="700"></iframe><p id="out">not run</p>
            <script>
            const f = document.getElementById('f'), out = document.getElementById('out');
            window.addEventListener('load', () => { try {
              const d = f.contentDocument, v = d.getElementById('video'), chart = d.querySelector('.seek');
              const box = chart.querySelector('svg').getBoundingClientRect(), ds = chart.dataset;
              const run = () => {
                const x = +ds.left + 0.25 * (ds.right - ds.left);
                chart.dispatchEvent(new MouseEvent('click', { clientX: box.left + x / ds.width * box.width, clientY: box.top + 10, bubbles: true }));
                const chartTime = v.currentTime;
                d.querySelector('a.play').click();
                out.textContent = 'note=' + d.getElementById('video-note').firstChild.textContent + '|chart=' + chartTime + '|track=' + v.currentTime;
              };
              // The page's own loadedmetadata handler writes the note; the video may have its metadata
              // (readyState 1) before that event's task has run, so wait for the note, not the state
              // (a loaded machine read the note before the page had written it).
              const note = () => d.getElementById('video-note').firstChild.textContent;
              let tries = 0;
              const wait = () => {
                if (v.error) out.textContent = 'video error';
                else if (v.readyState >= 1 && !note().startsWith('Click')) run();
                else if (++tries < 500) setTimeout(wait, 10);
                else out.textContent = 'no length noted: ' + note();
              };
              wait();
            } catch (e) { out.textContent = 'error ' + e; } });
            </script></body></html>
            """);
        var page = ProcessRunner.Run("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--allow-file-access-from-files", $"--user-data-dir={dir.File("chromium")}", "--window-size=900,700", "--virtual-time-budget=8000",
            "--dump-dom", new Uri(harness).AbsoluteUri], TimeSpan.FromSeconds(60));
        string said = Regex.Match(page.StandardOutput, "<p id=\"out\">([^<]*)</p>").Groups[1].Value;
        var parts = said.Split('|');
        Assert.True(parts.Length == 3, $"the page did not run: '{said}' {page.StandardError}");
        double length = Clips.FrameTimes(video).Length / 15.0;
        Assert.Equal($"note={length:0.0} s; click the timeline or a track to play from that moment. ", parts[0]);
        double timelineFrom = Number(charts[0].Groups[4].Value), timelineTo = Number(charts[0].Groups[5].Value);
        Assert.Equal(timelineFrom + (0.25 * (timelineTo - timelineFrom)), Number(parts[1]["chart=".Length..]), 1.0 / 15);
        Assert.Equal(Math.Max(0, firstOfTrack - Origin), Number(parts[2]["track=".Length..]), 1.0 / 15);
    }

    [Fact]
    public async Task Without_a_video_the_page_has_no_player()
    {
        using var dir = TestPaths.NewTempFolder();
        var (report, _, _) = await AnalyzePart(dir, "/dev/null");
        string html = File.ReadAllText(report);
        Assert.DoesNotContain("<video", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("class=\"scroll seek\"", html);
        Assert.Contains("<h2>Which emotion when</h2>", html);
    }
}
