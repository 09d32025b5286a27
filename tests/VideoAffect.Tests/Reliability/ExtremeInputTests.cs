using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using VideoAffect.Live;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Reliability;

/// <summary>
/// Inputs at the edges: a 1x1 video, an 8K video (<see cref="EightKVideoTests"/>), a stream whose frame size changes mid-way, and a
/// camera that accepts the connection but never answers. Each either works, with every frame
/// accounted for, or stops with a clear error, within a stated time.
/// </summary>
public class ExtremeInputTests
{
    internal static ProcessRunner.Result Analyze(TempFolder dir, string input, int timeoutSeconds = 120) =>
        ProcessRunner.Cli(["analyze", input, "-o", dir.File("out.mp4"), "--backend", "cpu"], timeoutSeconds: timeoutSeconds);

    internal static void AssertCompleteWithEveryFrame(TempFolder dir, ProcessRunner.Result r, int frames)
    {
        Assert.False(r.TimedOut, "analyze hung");
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.StandardError}");
        Assert.Equal(frames, Clips.CountFrames(dir.File("out.mp4")));
        using var summary = JsonDocument.Parse(File.ReadAllText(dir.File("out.summary.json")));
        Assert.Equal(frames, summary.RootElement.GetProperty("frames_written").GetInt32());
    }

    [Theory]
    [InlineData(1)] // 3-byte frames: smaller than ffmpeg's 10-byte look at the start of its input (see FfmpegPipeWriter)
    [InlineData(3)]
    public void A_tiny_odd_sized_video_is_analysed_frame_for_frame(int side)
    {
        using var dir = TestPaths.NewTempFolder();
        // Odd sides in 4:4:4 (4:2:0 needs even sides): the encoder pads the annotated copy by one pixel.
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "color=c=gray:size=16x16:rate=10:duration=1",
            "-vf", $"scale={side}:{side}", "-c:v", "libx264", "-pix_fmt", "yuv444p", dir.File("dot.mp4"));
        int frames = Clips.CountFrames(dir.File("dot.mp4"));
        AssertCompleteWithEveryFrame(dir, Analyze(dir, dir.File("dot.mp4")), frames);
    }

    [Fact]
    public void A_frame_size_change_mid_stream_keeps_every_frame()
    {
        using var dir = TestPaths.NewTempFolder();
        // Two H.264 streams of different sizes back to back in one MPEG-TS, as a camera switching resolution writes.
        foreach (var (name, size) in new[] { ("a", "320x240"), ("b", "480x360") })
            ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-loop", "1", "-i", TestPaths.Photo("astronaut.png"),
                "-vf", $"scale={size.Replace('x', ':')},setsar=1,format=yuv420p", "-frames:v", "15", "-r", "15", "-c:v", "libx264",
                "-preset", "ultrafast", "-bsf:v", "h264_mp4toannexb", "-f", "mpegts", dir.File($"{name}.ts"));
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", $"concat:{dir.File("a.ts")}|{dir.File("b.ts")}", "-c", "copy", dir.File("switch.ts"));
        int frames = Clips.CountFrames(dir.File("switch.ts"));
        Assert.Equal(30, frames);
        AssertCompleteWithEveryFrame(dir, Analyze(dir, dir.File("switch.ts")), frames);
    }

    [Fact]
    public async Task A_camera_that_never_answers_is_a_timeout_error_not_a_hang()
    {
        // Accepts the TCP connection, then says nothing: the RTSP request never gets a reply.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        var accepting = Task.Run(async () => { try { while (true) held.Add(await silent.AcceptTcpClientAsync()); } catch (Exception) { } });
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var monitor = new LiveMonitor(new MonitorOptions
        {
            Sources = [LiveSourceSpec.Parse($"mute=rtsp://127.0.0.1:{port}/stream", 0)],
            Duration = TimeSpan.FromSeconds(8),
            Source = new LiveSourceOptions { StallTimeout = TimeSpan.FromSeconds(1), ReconnectMin = TimeSpan.FromMilliseconds(200), ReconnectMax = TimeSpan.FromSeconds(1) },
            Recognition = new() { Backend = "cpu" },
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var summary = await monitor.RunAsync(CancellationToken.None);
        silent.Stop();
        foreach (var c in held) c.Dispose();

        Assert.InRange(clock.Elapsed.TotalSeconds, 7, 20); // stopped on time, not stuck in a connection
        var mute = summary.Streams[0];
        Assert.Equal(0, mute.Frames);
        Assert.True(mute.Errors >= 1, "the silence is reported");
        Assert.Matches("no answer|timed out", mute.LastError!);
    }
}
