using System.Diagnostics;
using System.Text.RegularExpressions;
using OpenCvSharp;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// The monitor's page as an operator sees it, in headless Chromium: a live camera with its picture
/// and faces, the same camera's server killed (the card says so, greyed, no frozen emotion, no
/// picture) and back (live again), and a dead URL named after its host and path with a short reason
/// and the raw error behind a toggle.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class LivePageTests
{
    [Fact]
    public async Task The_page_shows_live_stale_or_reconnecting_and_failed_streams_for_what_they_are()
    {
        using var dir = TestPaths.NewTempFolder();
        using var server = new RtspTestServer(("door", RtspTestServer.Picture(dir.Path, "astronaut.png", 320, 240)));
        int port = RtspTestServer.FreePort(), closed = RtspTestServer.FreePort();
        using var cli = new RunningCli(["monitor", $"door={server.Url("door")}", $"rtsp://127.0.0.1:{closed}/cam/back", "--backend", "cpu",
            "--http", $"127.0.0.1:{port}", "--stall-timeout", "2s", "--reconnect-max", "2s"]);
        await cli.WaitForAsync("door: connected", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(3));
        string url = $"http://127.0.0.1:{port}/", profile = dir.File("chromium");

        // Live: picture, faces with their track, the figures.
        var live = Cards(HeadlessChromium.Dom(url, profile));
        Assert.Contains("card live", live["door"]);
        Assert.Matches(@"#\d+ happy \d+%", live["door"]);
        // ... with the track's face beside it (an image that failed to load is taken away).
        Assert.Matches(@"<img class=""face"" alt="""" src=""/streams/door/tracks/\d+\.jpg""", live["door"]);
        Assert.Matches(@"processed of [\d.]+ received", live["door"]);
        Assert.Matches(@"p50 \d+ ms, p95 \d+ ms", live["door"]);
        Assert.Contains("<rect", live["door"]); // the sparkline has its first seconds
        // The unnamed dead camera: named after host and path, reconnecting, why in words, the raw line behind the toggle.
        var dead = live["127-0-0-1-cam-back"];
        Assert.Contains("card reconnecting", dead);
        Assert.Contains("connection refused: nothing listens there", dead);
        Assert.Matches("<details class=\"error\"><summary>last error: connection refused[^<]*</summary><code>[^<]*Connection refused", dead);
        var shot = Screenshot(url, dir.File("live.png"), profile);
        Assert.True(Orange(shot) > 3000, $"the live picture is not on the page ({Orange(shot)} orange pixels)");
        Assert.True(Placeholders(shot) > 20000, "the dead camera shows the placeholder, not a broken image");

        // The server dies: the door card stops claiming a face, greys, shows no picture.
        server.Stop();
        await Task.Delay(TimeSpan.FromSeconds(4));
        var down = Cards(HeadlessChromium.Dom(url, profile));
        Assert.Matches("card (stale|reconnecting)", down["door"]);
        shot = Screenshot(url, dir.File("down.png"), profile);
        Assert.True(Orange(shot) < 300, $"a stream that is down still shows its picture ({Orange(shot)} orange pixels)");
        Assert.True(Placeholders(shot) > 2 * 20000, "both cards show the placeholder");

        // Back: live again.
        server.Start();
        var clock = Stopwatch.StartNew();
        while (!Cards(HeadlessChromium.Dom(url, profile))["door"].Contains("card live"))
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the page never showed the camera live again: {cli.StandardError}");
        // Stopped by SIGTERM with a stream that never delivered a frame: the monitor's exit code 1.
        Assert.Equal(1, cli.Terminate(TimeSpan.FromSeconds(20)).ExitCode);
    }

    /// <summary>Each card's HTML by stream name.</summary>
    static Dictionary<string, string> Cards(string dom) =>
        Regex.Matches(dom, "<section class=\"card[^\"]*\" id=\"s-([^\"]+)\">.*?</section>", RegexOptions.Singleline)
            .ToDictionary(m => m.Groups[1].Value, m => m.Value);

    static Mat Screenshot(string url, string path, string profile)
    {
        HeadlessChromium.Screenshot(url, path, 1000, 1500, profile);
        return Cv2.ImRead(path, ImreadModes.Color);
    }

    /// <summary>The astronaut's orange suit, as the MJPEG preview draws it.</summary>
    static int Orange(Mat page)
    {
        using var mask = new Mat();
        Cv2.InRange(page, new Scalar(0, 60, 170), new Scalar(110, 150, 255), mask);
        return Cv2.CountNonZero(mask);
    }

    /// <summary>Pixels of the "no picture" placeholder's grey (#333).</summary>
    static int Placeholders(Mat page)
    {
        using var mask = new Mat();
        Cv2.InRange(page, new Scalar(51, 51, 51), new Scalar(51, 51, 51), mask);
        return Cv2.CountNonZero(mask);
    }
}
