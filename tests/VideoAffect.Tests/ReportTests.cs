using System.Text.RegularExpressions;
using OpenCvSharp;
using VideoAffect.Pipeline;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>The per-run report renders: the PNG decodes and shows the track's dominant emotion; the HTML is self-contained.</summary>
public class ReportTests
{
    static async Task<string> AnalyzeWithReport(TempFolder dir, string report)
    {
        string input = dir.File("in.mp4");
        if (!File.Exists(input)) Clips.MovingFace(input, 30, fps: 30, audio: false);
        var summary = await new VideoAnalyzer(new AnalyzeOptions
        {
            InputPath = input,
            OutputPath = dir.File("out.mp4"),
            EventsPath = dir.File("out.jsonl"),
            ReportPath = dir.File(report),
            Backend = "cpu",
            DetectEvery = 2,
        }).RunAsync(CancellationToken.None);
        Assert.Equal(dir.File(report), summary.Report);
        return summary.Report!;
    }

    [Fact]
    public async Task Png_report_decodes_and_draws_the_happy_track()
    {
        using var dir = TestPaths.NewTempFolder();
        using var image = Cv2.ImRead(await AnalyzeWithReport(dir, "report.png"));
        Assert.False(image.Empty());
        Assert.Equal(1000, image.Width);
        Assert.True(image.Height > 500, $"one track chart expected below the bars (height {image.Height})");
        // The happy colour (BGR 20,170,230) fills the happy bar and draws the track's top line.
        using var happy = new Mat();
        Cv2.InRange(image, new Scalar(10, 150, 210), new Scalar(40, 190, 250), happy);
        using var chart = new Mat(happy, new Rect(0, 320, happy.Width, happy.Height - 320));
        Assert.True(Cv2.CountNonZero(chart) > 500, "the track chart should show the happy line");
    }

    [Fact]
    public async Task Html_report_is_self_contained_with_the_label_table_and_chart()
    {
        using var dir = TestPaths.NewTempFolder();
        string html = File.ReadAllText(await AnalyzeWithReport(dir, "report.html"));
        foreach (var label in new[] { "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral" })
            Assert.Contains($"<td>{label}</td>", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        var png = Regex.Match(html, "data:image/png;base64,([A-Za-z0-9+/=]+)");
        Assert.True(png.Success, "the chart should be inlined");
        using var image = Cv2.ImDecode(Convert.FromBase64String(png.Groups[1].Value), ImreadModes.Color);
        Assert.False(image.Empty());
    }
}
