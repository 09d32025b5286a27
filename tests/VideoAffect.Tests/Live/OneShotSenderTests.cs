using System.Text.Json;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Live.PushedSourceTests;

namespace VideoAffect.Tests.Live;

/// <summary>
/// One-shot senders to a TCP port and to an RTMP server monitor listens on, every frame received
/// and most processed. Run with the live-stream tests, alone: how many frames are processed in real
/// time depends on the cores being the stream's (beside the rest of the suite, a run fell 2.5 s
/// behind and its live queue rightly dropped a third of them).
/// </summary>
[Collection(LiveCollection.Name)]
public class OneShotSenderTests
{
    [Fact]
    public async Task One_shot_senders_to_listening_ports_are_received_whole_and_the_ports_listen_again()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 45, fps: 15, audio: false);
        int expected = Clips.CountFrames(clip);
        int tcp = RtspTestServer.FreePort(), rtmp = RtspTestServer.FreePort(), http = RtspTestServer.FreePort();
        // A TCP port, and an RTMP server for one sender (what OBS pushes to).
        using var cli = new RunningCli(["monitor", $"door=tcp://127.0.0.1:{tcp}?listen=1", $"hall=rtmp://127.0.0.1:{rtmp}/live/hall?listen=1", "--backend", "cpu", "--json", "--http", $"127.0.0.1:{http}", "--stall-timeout", "2s"]);
        await cli.WaitForAsync("door: waiting for a sender", TimeSpan.FromSeconds(60));
        await cli.WaitForAsync("hall: waiting for a sender", TimeSpan.FromSeconds(60));
        // Said as such to an operator, not as "connecting" for as long as nobody sends.
        using (var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
        {
            await cli.WaitForAsync("serving http://", TimeSpan.FromSeconds(30));
            var streams = JsonDocument.Parse(await client.GetStringAsync($"http://127.0.0.1:{http}/streams")).RootElement;
            Assert.Equal(["waiting", "waiting"], streams.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("state").GetString()));
        }
        // A port check (connect, close, nothing sent) is no sender: the port listens again at once, quietly.
        for (int check = 0; check < 3; check++) await ConnectAndCloseAsync(tcp);
        // One left open with nothing sent is closed after the stall timeout, so it cannot keep the port from a sender.
        using (var silent = new System.Net.Sockets.TcpClient())
        {
            await silent.ConnectAsync("127.0.0.1", tcp);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            int read = await silent.GetStream().ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(0, read);
            Assert.InRange(clock.Elapsed.TotalSeconds, 1.5, 20);
        }
        // Two senders to each, one after the other, each connecting once, as `ffmpeg -re -i clip -f mpegts tcp://...` does.
        for (int round = 1; round <= 2; round++)
        {
            var senders = new[]
            {
                Task.Run(() => ProcessRunner.Run("ffmpeg", ["-nostdin", "-v", "error", "-re", "-i", clip, "-c", "copy", "-f", "mpegts", $"tcp://127.0.0.1:{tcp}"], TimeSpan.FromSeconds(60))),
                // The RTMP server is an ffmpeg that listens for one sender: a new one starts after
                // each, and a sender that comes before it listens is refused and tries again, as OBS does.
                Task.Run(() => SendUntilNotRefused(["-nostdin", "-v", "error", "-re", "-i", clip, "-c", "copy", "-f", "flv", $"rtmp://127.0.0.1:{rtmp}/live/hall"])),
            };
            foreach (var sent in await Task.WhenAll(senders))
                Assert.True(sent.ExitCode == 0, $"a sender of round {round} was cut off: {sent.StandardError}\n{cli.StandardError}");
            foreach (string name in new[] { "door", "hall" })
            {
                await WaitUntilCount(cli, $"{name}: the sender stopped", round);
                await WaitUntilCount(cli, $"{name}: waiting for a sender", round + 1);
            }
        }
        var (code, output) = cli.Terminate(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, cli.StandardError);
        Assert.DoesNotContain("cannot receive", cli.StandardError);
        foreach (var stream in JsonDocument.Parse(output).RootElement.GetProperty("streams").EnumerateArray())
        {
            // Nothing is lost on the way: every frame of both sends is decoded (ffprobe's count of the clip, twice).
            Assert.True(2 * expected == stream.GetProperty("frames").GetInt64(), output);
            // Most are processed too: the live queue drops what comes together, the 0.4 s the probe
            // looked at (decoded at once when a sender starts) and the frames ffmpeg flushes at its end.
            Assert.True(stream.GetProperty("processed").GetInt64() >= 2 * expected - 16, output);
            Assert.Equal(2, stream.GetProperty("reconnects").GetInt64());
        }
    }

    /// <summary>
    /// A camera that reconnects while its old connection is left half-open (it restarted, or its
    /// network broke: the old connection is silent but never closed) is read at once, not after
    /// the stall timeout behind the old one; a port check meanwhile takes nothing over.
    /// </summary>
}
