using System.Net.Sockets;
using System.Text;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// `monitor` under systemd (Type=notify, WatchdogSec): the messages a service manager gets on its
/// $NOTIFY_SOCKET, read from a real datagram socket bound by the test as systemd binds one.
/// </summary>
[Collection(LiveCollection.Name)]
public class SystemdNotifyTests
{
    [Fact]
    public async Task Ready_status_watchdog_and_stopping_reach_the_service_manager()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("cam.mp4"), 20, fps: 10, width: 320, height: 240, audio: false);
        string path = dir.File("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        var messages = new List<(TimeSpan At, string Text)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var receiving = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            try
            {
                while (true)
                {
                    int n = await socket.ReceiveAsync(buffer, SocketFlags.None);
                    lock (messages) messages.Add((clock.Elapsed, Encoding.UTF8.GetString(buffer, 0, n)));
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        });

        // A watchdog of 2 s: fed every second while the clip plays.
        var run = ProcessRunner.Cli(["monitor", $"cam={clip}", "--loop", "--backend", "cpu", "--duration", "5s"],
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path, ["WATCHDOG_USEC"] = "2000000" }, timeoutSeconds: 90);
        Assert.True(run.ExitCode == 0, run.StandardError);
        await Task.Delay(200);
        socket.Close();
        await receiving;

        List<(TimeSpan At, string Text)> got;
        lock (messages) got = [.. messages];
        Assert.True(got.Count > 0, "no message");
        Assert.StartsWith("READY=1\nSTATUS=1 stream", got[0].Text);
        Assert.Contains("STOPPING=1", got[^1].Text);
        var pings = got.Where(m => m.Text.Split('\n').Contains("WATCHDOG=1")).Select(m => m.At).ToList();
        Assert.InRange(pings.Count, 3, 7); // every second over 5 s
        Assert.True(pings.Zip(pings.Skip(1)).All(p => p.Second - p.First < TimeSpan.FromSeconds(2)), "a gap as long as WatchdogSec between pings");
        Assert.Contains(got, m => m.Text.Contains("STATUS=1 stream: 1 live;") && m.Text.Contains("frames processed"));
        // No message before READY, and none after STOPPING.
        Assert.Single(got, m => m.Text.Contains("READY=1"));
        Assert.Single(got, m => m.Text.Contains("STOPPING=1"));
    }
}
