using System.Text.Json;
using VideoAffect.Live;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// The monitor against a real RTSP server on 127.0.0.1 (GStreamer's, started by each test): it
/// processes live streams, reconnects when the server dies and comes back, batches faces of
/// several streams together, and keeps going when one source is wrong.
/// </summary>
[Collection(LiveCollection.Name)]
public class MonitorTests
{
    static MonitorOptions Options(TempFolder dir, TimeSpan duration, params string[] sources) => new()
    {
        Sources = sources.Select(LiveSourceSpec.Parse).ToList(),
        RecordsDirectory = dir.Path,
        Duration = duration,
        Recognition = new() { Backend = "cpu" },
        Source = new LiveSourceOptions { StallTimeout = TimeSpan.FromSeconds(2), ReconnectMin = TimeSpan.FromMilliseconds(200), ReconnectMax = TimeSpan.FromSeconds(1) },
    };

    static List<JsonElement> Records(TempFolder dir, string stream) =>
        File.ReadAllLines(dir.File($"{stream}.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public async Task A_live_RTSP_stream_is_processed_in_real_time_with_records_and_latency()
    {
        using var dir = TestPaths.NewTempFolder();
        using var server = new RtspTestServer(("cam", RtspTestServer.Picture(dir.Path, "astronaut.png", 320, 240)));
        using var monitor = new LiveMonitor(Options(dir, TimeSpan.FromSeconds(7), $"cam={server.Url("cam")}"));
        var summary = await monitor.RunAsync(CancellationToken.None);

        var cam = Assert.Single(summary.Streams);
        Assert.Equal("duration reached", summary.Status);
        Assert.True(cam.Frames >= 50, $"15 fps for ~6 s after connecting: {cam.Frames} frames read");
        Assert.Equal(cam.Frames, cam.Processed + cam.Dropped);
        Assert.Equal((320, 240), (cam.Width, cam.Height));
        Assert.Equal(0, cam.Reconnects);
        Assert.NotNull(cam.LatencyP95);
        Assert.InRange(cam.LatencyP95!.Value, 0, 2.0);
        var records = Records(dir, "cam");
        Assert.True(records.Count >= cam.Processed * 0.9, $"the face is on (nearly) every frame: {records.Count} records for {cam.Processed} frames");
        Assert.All(records, r => Assert.True(r.TryGetProperty("utc", out _)));
        var times = records.Select(r => r.GetProperty("time").GetDouble()).ToList();
        Assert.Equal(times.Order(), times); // in capture order
        Assert.InRange(times[^1] - times[0], 3.5, 7.0); // real time, not as fast as possible
        Assert.InRange(cam.Frames / (times[^1] - times[0]), 10, 20); // the camera's 15 fps
    }

    [Fact]
    public async Task When_the_server_dies_and_comes_back_with_another_frame_size_the_stream_reconnects_and_goes_on()
    {
        using var dir = TestPaths.NewTempFolder();
        using var server = new RtspTestServer(("cam", RtspTestServer.Picture(dir.Path, "astronaut.png", 320, 240)));
        using var stop = new CancellationTokenSource();
        using var monitor = new LiveMonitor(Options(dir, TimeSpan.FromSeconds(60), $"cam={server.Url("cam")}"));
        var status = monitor.Streams[0];
        var run = monitor.RunAsync(stop.Token);
        await Until(() => status.Processed > 30, "frames before the outage");
        server.Stop();
        long before = status.Processed;
        await Until(() => status.State != StreamState.Live, "the outage noticed");
        await Task.Delay(TimeSpan.FromSeconds(2)); // down for a while: several failed attempts
        server.Start(("cam", RtspTestServer.Picture(dir.Path, "astronaut.png", 400, 320)));
        await Until(() => status.State == StreamState.Live && status.Processed > before + 30, "frames after the server came back");
        stop.Cancel();
        var summary = await run;

        var cam = summary.Streams[0];
        Assert.Equal("stopped", summary.Status);
        Assert.True(cam.Reconnects >= 1, $"reconnects: {cam.Reconnects}");
        Assert.Equal((400, 320), (cam.Width, cam.Height));
        Assert.True(cam.Processed > before + 30, $"frames after the server came back: {cam.Processed - before}");
        Assert.InRange(cam.DowntimeSeconds, 2.0, 20.0);
        // Records carry on after the gap, in time order.
        var times = Records(dir, "cam").Select(r => r.GetProperty("time").GetDouble()).ToList();
        Assert.Equal(times.Order(), times);
        Assert.Contains(times.Zip(times.Skip(1)), pair => pair.Second - pair.First > 2.0);
        // The face is found at the new size too: its boxes after the gap are a quarter larger.
        var widths = Records(dir, "cam").Select(r => r.GetProperty("box").GetProperty("w").GetInt32()).ToList();
        Assert.True(widths[^1] > widths[0] * 1.1, $"face width {widths[0]} before, {widths[^1]} after");
    }

    [Fact]
    public async Task A_server_restarted_five_times_in_a_minute_and_a_killed_ffmpeg_are_survived()
    {
        using var dir = TestPaths.NewTempFolder();
        var picture = RtspTestServer.Picture(dir.Path, "astronaut.png", 320, 240);
        using var server = new RtspTestServer(("cam", picture));
        using var stop = new CancellationTokenSource();
        using var monitor = new LiveMonitor(Options(dir, TimeSpan.FromMinutes(2), $"cam={server.Url("cam")}"));
        var status = monitor.Streams[0];
        var run = monitor.RunAsync(stop.Token);
        for (int restart = 0; restart < 5; restart++)
        {
            await Until(() => status.State == StreamState.Live && status.Processed > 15 * (restart + 1), $"frames before restart {restart + 1}");
            server.Stop();
            await Task.Delay(TimeSpan.FromSeconds(1));
            server.Start();
        }
        await Until(() => status.State == StreamState.Live, "the stream after the restarts");
        // The decoder itself dies (SIGKILL, as the OOM killer would): the source restarts it.
        long reconnects = status.Reconnects, before = status.Processed;
        var decoder = ProcessRunner.Run("pgrep", ["-f", $"ffmpeg.*{server.Url("cam")}"], TimeSpan.FromSeconds(5)).StandardOutput.Trim();
        Assert.False(decoder == "", "the stream's ffmpeg is running");
        ProcessRunner.Run("kill", ["-KILL", .. decoder.Split('\n')], TimeSpan.FromSeconds(5));
        await Until(() => status.Reconnects > reconnects && status.Processed > before + 30, "frames after the decoder was killed");
        stop.Cancel();
        var cam = (await run).Streams[0];
        Assert.True(cam.Reconnects >= 6, $"5 restarts and a killed decoder: {cam.Reconnects} reconnects");
        Assert.Equal(0, cam.Dropped + cam.Processed - cam.Frames);
    }

    [Fact]
    public async Task RTSP_over_UDP_works_too()
    {
        using var dir = TestPaths.NewTempFolder();
        using var server = new RtspTestServer(("cam", RtspTestServer.Picture(dir.Path, "astronaut.png", 320, 240)));
        var options = Options(dir, TimeSpan.FromSeconds(5), $"cam={server.Url("cam")}");
        using var monitor = new LiveMonitor(options with { Source = options.Source with { RtspTransport = "udp" } });
        var cam = (await monitor.RunAsync(CancellationToken.None)).Streams[0];
        Assert.True(cam.Processed >= 30 && cam.Faces >= 25, $"{cam.Processed} frames, {cam.Faces} faces over UDP");
    }

    static async Task Until(Func<bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Two_streams_share_forward_passes_and_a_wrong_url_fails_alone()
    {
        using var dir = TestPaths.NewTempFolder();
        using var server = new RtspTestServer(
            ("a", RtspTestServer.Picture(dir.Path, "astronaut.png", 320, 240)),
            ("b", RtspTestServer.Picture(dir.Path, "astronaut.png", 240, 180)));
        int closed = RtspTestServer.FreePort();
        var options = Options(dir, TimeSpan.FromSeconds(7), $"a={server.Url("a")}", $"b={server.Url("b")}", $"bad=rtsp://127.0.0.1:{closed}/nothing");
        options = options with { Recognition = options.Recognition with { BatchTimeout = TimeSpan.FromMilliseconds(60) } };
        using var monitor = new LiveMonitor(options);
        var summary = await monitor.RunAsync(CancellationToken.None);

        var (a, b, bad) = (summary.Streams[0], summary.Streams[1], summary.Streams[2]);
        Assert.True(a.Processed >= 30 && b.Processed >= 30, $"both good streams run: {a.Processed}, {b.Processed}");
        Assert.True(summary.MixedBatches > 0, $"no forward pass held faces of both streams ({summary.Batches} passes)");
        Assert.Equal(0, bad.Frames);
        Assert.True(bad.Errors >= 2, $"the bad source keeps being retried: {bad.Errors} errors");
        Assert.Contains("Connection refused", bad.LastError);
        Assert.NotEqual("live", bad.State);
    }

    /// <summary>
    /// BlazeFace live: both streams' frames go through the run's one detector (its pass count covers
    /// both streams; one warm-up pass each). At 15 fps a pass is quicker than the gap between frames,
    /// so passes mostly hold one frame: the batch grows only under load (shown by BlazeFaceDetectorTests).
    /// </summary>
    [Fact]
    public async Task Two_streams_detected_by_BlazeFace_share_its_passes_and_record_landmarks()
    {
        using var dir = TestPaths.NewTempFolder();
        using var server = new RtspTestServer(
            ("a", RtspTestServer.Picture(dir.Path, "astronaut.png", 320, 240)),
            ("b", RtspTestServer.Picture(dir.Path, "astronaut.png", 240, 180)));
        var options = Options(dir, TimeSpan.FromSeconds(6), $"a={server.Url("a")}", $"b={server.Url("b")}");
        options = options with { Recognition = options.Recognition with { DetectorKind = "blazeface" } };
        using var monitor = new LiveMonitor(options);
        var summary = await monitor.RunAsync(CancellationToken.None);

        var (a, b) = (summary.Streams[0], summary.Streams[1]);
        Assert.True(a.Processed >= 30 && b.Processed >= 30, $"both streams run: {a.Processed}, {b.Processed}");
        Assert.NotNull(summary.DetectorPasses);
        Assert.InRange(summary.DetectorPasses!.Value, (a.Processed + b.Processed) / VideoAffect.Detection.FaceDetectorFactory.BlazeFaceBatch, a.Processed + b.Processed + 2);
        foreach (var stream in new[] { "a", "b" })
        {
            var records = Records(dir, stream);
            Assert.True(records.Count >= 25, $"{stream}: {records.Count} records");
            Assert.All(records, r => Assert.Equal(6, r.GetProperty("landmarks").EnumerateObject().Count()));
        }
    }
}
