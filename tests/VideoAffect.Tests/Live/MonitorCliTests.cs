using System.Diagnostics;
using System.Text.Json;
using OpenCvSharp;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// `videoaffect monitor` as a user runs it, against the real RTSP test server: the HTTP endpoint
/// answers real requests (Prometheus metrics, stream status, snapshots, the MJPEG preview), and
/// SIGTERM stops it cleanly: exit code 0, complete records, playable recordings, no ffmpeg left.
/// </summary>
[Collection(LiveCollection.Name)]
public class MonitorCliTests
{
    [Fact]
    public async Task Counters_are_exported_at_zero_before_they_move_and_a_stream_that_never_delivered_fails_the_run()
    {
        int port = RtspTestServer.FreePort(), closed = RtspTestServer.FreePort();
        // Listening on every interface is allowed, with a warning that says what anyone can do
        // there (with --control: add streams); the camera's port has no server.
        using var cli = new RunningCli(["monitor", $"door=rtsp://127.0.0.1:{closed}/cam", "--backend", "cpu", "--http", $"0.0.0.0:{port}", "--control", "--duration", "4s"]);
        await cli.WaitForAsync("serving http://", TimeSpan.FromSeconds(60));
        Assert.Contains("videoaffect: warning: http://0.0.0.0:", cli.StandardError);
        Assert.Contains("reachable from the network", cli.StandardError);
        Assert.Contains("with --control, can add and remove streams (any URL or video file this machine can open)", cli.StandardError);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        string metrics = await http.GetStringAsync("/metrics");
        foreach (string counter in new[] { "frames", "frames_dropped", "frames_processed", "faces", "decode_errors", "records_lost", "frames_not_recorded", "frames_not_restreamed" })
            Assert.Matches($@"videoaffect_{counter}_total\{{[^}}]*stream=""door""[^}}]*\}} 0", metrics);
        var (exitCode, _) = cli.WaitForExit(TimeSpan.FromSeconds(30), "--duration");
        Assert.Equal(1, exitCode);
        Assert.Contains("videoaffect: error: door: failed or never delivered a frame", cli.StandardError);
    }

    [Fact]
    public void A_missing_file_source_or_one_that_is_no_video_fails_the_run_while_the_others_go_on()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 15, fps: 15, audio: false);
        // Not a video: it fails at once instead of being reopened forever (the run would never end).
        File.WriteAllText(dir.File("notes.mp4"), "not a video");
        var r = ProcessRunner.Cli(["monitor", $"ok={clip}", $"gone={dir.File("missing.mp4")}", $"junk={dir.File("notes.mp4")}", "--backend", "cpu", "--json"], timeoutSeconds: 60);
        Assert.Equal(1, r.ExitCode);
        var streams = JsonDocument.Parse(r.StandardOutput).RootElement.GetProperty("streams").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal("failed", streams["gone"].GetProperty("state").GetString());
        Assert.Equal("failed", streams["junk"].GetProperty("state").GetString());
        Assert.Contains("junk: cannot open", r.StandardError);
        Assert.DoesNotContain(r.StandardError.Split('\n'), line => line.Contains("junk:") && line.Contains("reconnecting"));
        // Every frame was read, and each was either processed or dropped by the live queue.
        var ok = streams["ok"];
        Assert.Equal(15, ok.GetProperty("frames").GetInt32());
        Assert.Equal(15, ok.GetProperty("processed").GetInt32() + ok.GetProperty("dropped").GetInt32());
        Assert.True(ok.GetProperty("processed").GetInt32() > 0);
    }

    [Fact]
    public async Task Http_endpoints_serve_metrics_status_and_previews_and_SIGTERM_stops_cleanly()
    {
        using var dir = TestPaths.NewTempFolder();
        using var server = new RtspTestServer(("lobby", RtspTestServer.Picture(dir.Path, "astronaut.png", 320, 240)));
        int port = RtspTestServer.FreePort();
        string records = Path.Combine(dir.Path, "records"), recordings = Path.Combine(dir.Path, "recordings");
        using var cli = new RunningCli(["monitor", $"lobby={server.Url("lobby")}", "--backend", "cpu", "--http", $"127.0.0.1:{port}",
            "--records", records, "--record", recordings, "--segment-seconds", "2"]);
        await cli.WaitForAsync("lobby: connected", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(4));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        string metrics = await http.GetStringAsync("/metrics");
        Assert.Matches(@"videoaffect_frames_total\{[^}]*stream=""lobby""[^}]*\} [1-9]", metrics);
        Assert.Contains("videoaffect_latency_seconds_bucket", metrics);
        Assert.Matches(@"videoaffect_up\{[^}]*stream=""lobby""[^}]*\} 1", metrics);

        using var status = JsonDocument.Parse(await http.GetStringAsync("/streams"));
        var lobby = status.RootElement.GetProperty("streams")[0];
        Assert.Equal("live", lobby.GetProperty("state").GetString());
        Assert.Equal("happy", lobby.GetProperty("current_faces")[0].GetProperty("label").GetString());

        AssertPicture(await http.GetByteArrayAsync("/streams/lobby/snapshot.jpg"), "snapshot");
        AssertPicture(await FirstMjpegPartAsync(http, "/streams/lobby/preview.mjpg"), "MJPEG preview");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("/streams/nosuch/snapshot.jpg")).StatusCode);
        string page = await http.GetStringAsync("/");
        Assert.Contains("/streams/lobby/preview.mjpg", page);

        var (exitCode, output) = cli.Terminate(TimeSpan.FromSeconds(20));
        Assert.True(exitCode == 0, $"exit code {exitCode}: {cli.StandardError}");
        Assert.Contains("monitor stopped", output);
        // Every record line is whole; every recording is a finished, playable MP4.
        var lines = File.ReadAllLines(Path.Combine(records, "lobby.jsonl"));
        Assert.True(lines.Length > 40, $"{lines.Length} records");
        foreach (var line in lines) JsonDocument.Parse(line).Dispose();
        var segments = Directory.GetFiles(recordings, "lobby-*.mp4");
        Assert.True(segments.Length >= 2, $"2 s segments over ~6 s: {segments.Length}");
        Assert.True(segments.Sum(Clips.CountFrames) > 40);
        // No ffmpeg or ffprobe child is left reading the stream.
        var left = ProcessRunner.Run("pgrep", ["-f", server.Url("lobby")], TimeSpan.FromSeconds(5));
        Assert.True(left.StandardOutput.Trim() == "", $"processes still reading the stream: {left.StandardOutput}");
    }

    static void AssertPicture(byte[] jpeg, string what)
    {
        using var image = Cv2.ImDecode(jpeg, ImreadModes.Color);
        Assert.False(image.Empty(), $"{what} is not a JPEG");
        Assert.Equal((320, 240), (image.Width, image.Height));
        Cv2.MeanStdDev(image, out _, out var deviation);
        Assert.True(deviation.Val0 > 10, $"{what} looks blank (standard deviation {deviation.Val0:F1})");
    }

    /// <summary>Reads the first JPEG out of a multipart/x-mixed-replace stream, as a browser would.</summary>
    static async Task<byte[]> FirstMjpegPartAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.StartsWith("multipart/x-mixed-replace", response.Content.Headers.ContentType!.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        while (true)
        {
            int n = await body.ReadAsync(chunk);
            Assert.True(n > 0, "the preview ended before its first picture");
            buffer.AddRange(chunk.AsSpan(0, n).ToArray());
            var bytes = buffer.ToArray();
            string head = System.Text.Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 300));
            var match = System.Text.RegularExpressions.Regex.Match(head, @"Content-Length: (\d+)\r\n\r\n");
            if (match.Success)
            {
                int start = match.Index + match.Length, length = int.Parse(match.Groups[1].Value);
                if (bytes.Length >= start + length) return bytes.AsSpan(start, length).ToArray();
            }
        }
    }
}
