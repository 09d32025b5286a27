using System.Globalization;
using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// `monitor --restream-bitrate`: the push keeps to its cap (x264's VBV, a buffer of one second) where
/// the same frames, as the recording has them by quality alone, take many times more; the packets'
/// sizes and times are read back by ffprobe from what a real receiver (ffmpeg listening on TCP) got.
/// Not in the live collection: a loaded machine drops frames, which lowers the rate, never raises it.
/// And a server that stops reading holds the monitor's stop no longer than the push's close limit.
/// </summary>
public sealed class RestreamBitrateTests
{
    const long Cap = 300_000;

    [Fact]
    public async Task The_push_keeps_to_its_cap_where_the_recording_of_the_same_frames_takes_far_more()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = NoisyClip(dir);
        string recordings = Directory.CreateDirectory(dir.File("rec")).FullName;
        string pushed = dir.File("pushed.ts");
        int port = RtspTestServer.FreePort();
        var server = Task.Run(() => ProcessRunner.Run("ffmpeg", ["-nostdin", "-v", "error", "-y", "-listen", "1", "-f", "mpegts",
            "-i", $"tcp://127.0.0.1:{port}", "-c", "copy", pushed], TimeSpan.FromSeconds(90)));
        await WaitForListenerAsync(port);

        var run = ProcessRunner.Cli(["monitor", $"cam={clip}", "--loop", "--backend", "cpu", "--duration", "9s", "--record", recordings, "--json",
            "--restream", $"tcp://127.0.0.1:{port}", "--restream-bitrate", "300k"], timeoutSeconds: 90);
        Assert.True(run.ExitCode == 0, run.StandardError);
        var received = await server.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(received.ExitCode == 0, received.StandardError);

        var stream = JsonDocument.Parse(run.StandardOutput).RootElement.GetProperty("streams")[0];
        var sent = Packets(pushed);
        var recorded = Packets(Assert.Single(Directory.GetFiles(recordings, "cam-*.mp4")));
        Assert.Equal(stream.GetProperty("processed").GetInt32() - stream.GetProperty("not_restreamed").GetInt32(), sent.Count);
        Assert.True(sent.Count >= 60, $"{sent.Count} frames pushed");
        // What the cap is for: the same frames by quality alone, as recorded, take far more.
        Assert.True(MeanRate(recorded, from: 0) > 5 * Cap, $"the recording took {MeanRate(recorded, 0) / 1000:0} kbit/s");
        // In any 2 s at most 3 s' worth (the buffer's one second and the two): measured 710 kbit of 900.
        // Over the run after its first seconds (the buffer filled at the start), the cap itself: measured 302 kbit/s.
        Assert.True(MaxWindowBits(sent, 2) <= 3 * Cap * 1.05, $"{MaxWindowBits(sent, 2) / 1000:0} kbit in 2 s at a {Cap / 1000} kbit/s cap");
        Assert.True(MeanRate(sent, from: 3) <= Cap * 1.10, $"{MeanRate(sent, 3) / 1000:0} kbit/s after the first 3 s at a {Cap / 1000} kbit/s cap");
    }

    [Theory]
    [InlineData("--restream-bitrate 2M", "--restream-bitrate caps the push of --restream URL; give --restream too")]
    [InlineData("--restream udp://127.0.0.1:5000 --restream-bitrate fast", "--restream-bitrate takes a bit rate such as 800k, 2M or 2.5M (got 'fast')")]
    [InlineData("--restream udp://127.0.0.1:5000 --restream-bitrate 5k", "--restream-bitrate takes a bit rate such as 800k, 2M or 2.5M (got '5k')")]
    public void A_cap_without_a_restream_or_that_is_no_bit_rate_is_one_line(string options, string message)
    {
        var run = ProcessRunner.Cli(["monitor", "cam=rtsp://127.0.0.1:9/cam", .. options.Split(' ')], timeoutSeconds: 60); // options given as a user types them
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, Assert.Single(run.StandardError.Trim().Split('\n')));
    }

    [Fact]
    public async Task A_server_that_reads_nothing_holds_the_stop_for_the_close_limit_not_ffmpegs_timeout()
    {
        using var dir = TestPaths.NewTempFolder();
        // 640x480: some 120 KB a frame pushed. Accepts the push and never reads: ffmpeg's writes
        // stall once the buffers are full, the kernel's send buffer the largest (it grows up to
        // tcp_wmem's 4 MB). At 320x240 (30 KB a frame) a run that a loaded machine slowed to 90
        // frames fitted in it, and its push closed on time (seen once in a suite, and beside three busy loops).
        string clip = NoisyClip(dir, 640, 480);
        using var deaf = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        deaf.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        deaf.Listen();
        var accepted = deaf.AcceptAsync();
        int port = ((System.Net.IPEndPoint)deaf.LocalEndPoint!).Port;

        var run = ProcessRunner.Cli(["monitor", $"cam={clip}", "--loop", "--backend", "cpu", "--duration", "4s", "--restream", $"tcp://127.0.0.1:{port}"], timeoutSeconds: 90);
        Assert.True(run.ExitCode == 0, run.StandardError);
        using var connection = await accepted.WaitAsync(TimeSpan.FromSeconds(10));
        // Stopped 3 s after the close, before ffmpeg's own 10 s timeout ended the write ("Connection
        // timed out", which the stop waited for before 0.31, 15 s for this 4 s run).
        Assert.Contains($"cam: restream to tcp://127.0.0.1:{port} had not finished 3 s after its close; stopped", run.StandardError);
        Assert.DoesNotContain("timed out", run.StandardError);
        Assert.Empty(ProcessRunner.Run("pgrep", ["-f", $"tcp://127.0.0.1:{port}"], TimeSpan.FromSeconds(10)).StandardOutput);
    }

    /// <summary>Noise in every frame: x264 at CRF 20 takes some 5 Mbit/s for it at 320x240 and 30 fps (measured 4.9), four times that at 640x480.</summary>
    static string NoisyClip(TempFolder dir, int width = 320, int height = 240)
    {
        string clip = dir.File("noisy.mp4");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate=30,noise=alls=30:allf=t",
            "-t", "2", "-c:v", "libx264", "-crf", "10", "-pix_fmt", "yuv420p", clip);
        return clip;
    }

    /// <summary>Each video packet's time (s) and size (bytes), in time order, as ffprobe reads them.</summary>
    static List<(double Time, int Bytes)> Packets(string file) =>
        ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,size", "-of", "csv=p=0", file)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(','))
            .Where(f => f.Length >= 2 && f[0] is not ("" or "N/A"))
            .Select(f => (double.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture)))
            .OrderBy(p => p.Item1).ToList();

    /// <summary>Bits per second from <paramref name="from"/> seconds after the first packet to the last.</summary>
    static double MeanRate(List<(double Time, int Bytes)> packets, double from)
    {
        double start = packets[0].Time, end = packets[^1].Time;
        Assert.True(end - start > from + 3, $"only {end - start:0.0} s received");
        return packets.Where(p => p.Time - start >= from).Sum(p => 8.0 * p.Bytes) / (end - start - from);
    }

    /// <summary>The most bits in any <paramref name="seconds"/> (each window starting at a packet).</summary>
    static double MaxWindowBits(List<(double Time, int Bytes)> packets, double seconds) =>
        packets.Max(first => packets.Where(p => p.Time >= first.Time && p.Time < first.Time + seconds).Sum(p => 8.0 * p.Bytes));

    /// <summary>Waits until ffmpeg accepts connections on the port (a probe it takes as its one sender would end it, so only the port's state is read).</summary>
    internal static async Task WaitForListenerAsync(int port)
    {
        string hex = port.ToString("X4", CultureInfo.InvariantCulture);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        // /proc/net/tcp lists local address:port in hex and state 0A for LISTEN.
        while (!File.ReadLines("/proc/net/tcp").Any(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var local, _, "0A", ..] && local.EndsWith(":" + hex, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"ffmpeg did not listen on {port} within 30 s");
            await Task.Delay(100);
        }
    }
}
