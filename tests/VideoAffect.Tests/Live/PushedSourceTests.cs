using System.IO.Pipes;
using System.Text.Json;
using VideoAffect.Live;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// Streams a sender pushes to the monitor: a TCP port or an RTMP server it listens on, or standard input. Their
/// bytes can be read once only, so the probe and the decoder share them (PushedBytes); before
/// 0.25 the probe took a one-shot sender's connection and closed it, and the sender died with a
/// broken pipe before one frame was seen.
/// </summary>
public class PushedSourceTests
{
    [Fact]
    public async Task Bytes_looked_ahead_at_are_replayed_to_the_decoder_and_a_finished_replay_takes_no_more()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var bytes = new PushedBytes(client, "test read");
        byte[] sent = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();
        server.Write(sent, 0, 100_000);
        server.Flush();
        Assert.True(await bytes.WaitForFirstAsync(CancellationToken.None));
        byte[] head = await bytes.LookAheadAsync(100_000, TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Equal(sent[..100_000], head);

        // The decoder gets the held bytes again, then the rest as it comes.
        using var attempt = new CancellationTokenSource();
        var decoder = new MemoryStream();
        var replay = bytes.Replay(attempt.Token).WriteAsync(decoder, CancellationToken.None);
        server.Write(sent, 100_000, 100_000);
        server.Flush();
        await WaitUntil(() => decoder.Length == 200_000);
        // The attempt ends (its ffmpeg killed): the replay stops and takes nothing of what comes next.
        attempt.Cancel();
        await replay.WaitAsync(TimeSpan.FromSeconds(10));
        server.Write(sent, 200_000, 100_000);
        server.Close();
        Assert.Equal(sent[..200_000], decoder.ToArray());
        Assert.True(await bytes.WaitForBytesAsync(CancellationToken.None));
        Assert.Equal(sent[200_000..], await bytes.LookAheadAsync(1 << 20, TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.True(bytes.Ended);
        Assert.Equal(300_000, bytes.Total);
    }

    static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition());
    }

    [Fact]
    public async Task A_newer_sender_takes_over_from_one_left_half_open_and_a_port_check_does_not()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 45, fps: 15, audio: false);
        int expected = Clips.CountFrames(clip);
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-c", "copy", "-f", "mpegts", dir.File("clip.ts"));
        byte[] ts = File.ReadAllBytes(dir.File("clip.ts"));
        int tcp = RtspTestServer.FreePort();
        // A stall timeout far longer than the test: the old sender is never let go for its silence.
        using var cli = new RunningCli(["monitor", $"door=tcp://127.0.0.1:{tcp}?listen=1", "--backend", "cpu", "--json", "--stall-timeout", "60s"]);
        await cli.WaitForAsync("door: waiting for a sender", TimeSpan.FromSeconds(60));

        // The old connection: the first half of the stream, then silence, never closed.
        using var old = new System.Net.Sockets.TcpClient();
        await old.ConnectAsync("127.0.0.1", tcp);
        await old.GetStream().WriteAsync(ts.AsMemory(0, ts.Length / 2));
        await cli.WaitForAsync("door: connected", TimeSpan.FromSeconds(30));

        // The camera again, on a new connection: read at once, every frame of it.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sender = Task.Run(() => ProcessRunner.Run("ffmpeg", ["-nostdin", "-v", "error", "-re", "-i", clip, "-c", "copy", "-f", "mpegts", $"tcp://127.0.0.1:{tcp}"], TimeSpan.FromSeconds(60)));
        await cli.WaitForAsync("door: a new sender connected; the previous one is let go", TimeSpan.FromSeconds(20));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"taken over after {clock.Elapsed.TotalSeconds:0.0} s");
        // The old connection is closed by the monitor.
        int read = await old.GetStream().ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, read);
        // A port check while the new sender is read takes nothing over.
        await ConnectAndCloseAsync(tcp);
        var sent = await sender;
        Assert.True(sent.ExitCode == 0, sent.StandardError);
        await WaitUntilCount(cli, "door: the sender stopped", 1);
        Assert.Equal(1, Count(cli.StandardError, "a new sender connected"));

        var (code, output) = cli.Terminate(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, cli.StandardError);
        var stream = JsonDocument.Parse(output).RootElement.GetProperty("streams")[0];
        // The new sender's every frame, after what the old one's half gave before it was let go.
        long frames = stream.GetProperty("frames").GetInt64();
        Assert.True(frames > expected && frames <= expected + expected / 2 + 1, $"{frames} frames: {output}\n{cli.StandardError}");
    }

    internal static ProcessRunner.Result SendUntilNotRefused(string[] arguments)
    {
        for (int i = 0; ; i++)
        {
            var sent = ProcessRunner.Run("ffmpeg", arguments, TimeSpan.FromSeconds(60));
            if (sent.ExitCode == 0 || !sent.StandardError.Contains("Connection refused") || i == 50) return sent;
            Thread.Sleep(100);
        }
    }

    /// <summary>Connects once the port listens again (ffmpeg takes a moment to start), and closes at once.</summary>
    internal static async Task ConnectAndCloseAsync(int port)
    {
        for (int i = 0; ; i++)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                await Task.Delay(200);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (i < 100) { await Task.Delay(100); }
        }
    }

    internal static async Task WaitUntilCount(RunningCli cli, string text, int count)
    {
        for (int i = 0; i < 600 && Count(cli.StandardError, text) < count; i++) await Task.Delay(100);
        Assert.True(Count(cli.StandardError, text) >= count, $"'{text}' not seen {count} time(s): {cli.StandardError}");
    }

    internal static int Count(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;

    [Fact]
    public void A_stream_piped_into_standard_input_is_one_stream_that_ends_with_it()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 45, fps: 15, audio: false);
        int expected = Clips.CountFrames(clip);
        // A camera tool's raw H.264 on its standard output, in real time (libcamera-vid -o -).
        string cli = $"dotnet '{TestPaths.CliAssembly}' monitor";
        var r = ProcessRunner.Run("bash", ["-c", $"ffmpeg -nostdin -v error -re -i '{clip}' -c copy -f h264 pipe:1 | {cli} pi=- --backend cpu --records - --json"], TimeSpan.FromSeconds(90));
        Assert.True(r.ExitCode == 0, r.StandardError);
        string summary = Assert.Single(r.StandardError.Split('\n'), l => l.StartsWith("{\"status\""));
        var stream = JsonDocument.Parse(summary).RootElement.GetProperty("streams")[0];
        Assert.Equal("pi", stream.GetProperty("name").GetString());
        Assert.Equal("ended", stream.GetProperty("state").GetString());
        Assert.Equal(expected, stream.GetProperty("frames").GetInt64());
        var records = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.NotEmpty(records);
        Assert.All(records, x => Assert.Equal("pi", x.GetProperty("stream").GetString()));

        // Nothing, no video, '-' twice, a terminal, and '-' added over HTTP or to a cluster: one line each.
        foreach (var (script, code, message) in new[]
        {
            ($"true | {cli} pi=- --backend cpu", 1, "pi: standard input ended before any video came"),
            ($"echo not a video | {cli} pi=- --backend cpu", 1, "pi: cannot open standard input: Invalid data found when processing input"),
            ($"true | {cli} a=- b=/dev/stdin --backend cpu", 2, "videoaffect: error: standard input ('-') can feed one stream; give it once"),
            ($"script -qec \"{cli} pi=- --backend cpu\" /dev/null", 2, "videoaffect: error: '-' is a stream on standard input, which is a terminal"),
            ($"dotnet '{TestPaths.CliAssembly}' cluster add pi=- --cluster redis://127.0.0.1:1", 2, "camera 'pi' is standard input ('-'), which no cluster node has"),
        })
        {
            var bad = ProcessRunner.Run("bash", ["-c", script], TimeSpan.FromSeconds(60));
            string said = bad.StandardError + bad.StandardOutput; // script(1) puts the terminal's output on its standard output
            Assert.True(bad.ExitCode == code, $"{script}: {bad.ExitCode} {said}");
            Assert.Contains(message, said);
            Assert.DoesNotContain("   at ", said);
        }
    }
}
