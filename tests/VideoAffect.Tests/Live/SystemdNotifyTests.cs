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
        // A watchdog of 2 s: fed every second while the clip plays. 7 s, not 5: the STATUS line comes
        // every 5 s after READY, and a 5 s run under load ended before its first one.
        var got = await NotifiedAsync(dir, ["monitor", $"cam={clip}", "--loop", "--backend", "cpu", "--duration", "7s"]);
        Assert.True(got.Count > 0, "no message");
        Assert.StartsWith("READY=1\nSTATUS=1 stream", got[0].Text);
        Assert.Contains("STOPPING=1", got[^1].Text);
        var pings = Pings(got);
        Assert.InRange(pings.Count, 4, 9); // every second over 7 s
        Assert.True(pings.Zip(pings.Skip(1)).All(p => p.Second - p.First < TimeSpan.FromSeconds(2)), "a gap as long as WatchdogSec between pings");
        Assert.Contains(got, m => m.Text.Contains("STATUS=1 stream: 1 live;") && m.Text.Contains("frames processed"));
        // No message before READY, and none after STOPPING.
        Assert.Single(got, m => m.Text.Contains("READY=1"));
        Assert.Single(got, m => m.Text.Contains("STOPPING=1"));
    }

    /// <summary>
    /// A pipeline held up behind a live camera (here each face waits 5 s for a fuller batch, so no
    /// frame gets through for 5 s at a time while frames keep arriving): the watchdog is not fed
    /// while nothing gets through, so systemd would restart the service; it is fed again once frames
    /// pass. The status lines go on meanwhile.
    /// </summary>
    [Fact]
    public async Task A_pipeline_held_up_behind_a_live_camera_starves_the_watchdog()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("cam.mp4"), 20, fps: 10, width: 320, height: 240, audio: false);
        var got = await NotifiedAsync(dir, ["monitor", $"cam={clip}", "--loop", "--backend", "cpu", "--duration", "9s", "--batch-timeout-ms", "5000", "--batch-size", "4096"]);
        var pings = Pings(got);
        var ready = got.First(m => m.Text.Contains("READY=1")).At;
        // From READY on, where systemd's watchdog runs: on a loaded machine the first batch can pass
        // so late that the run ends a second after it, leaving one hold-up, before the first ping.
        var fed = pings.Prepend(ready).ToList();
        var gaps = fed.Zip(fed.Skip(1), (a, b) => b - a).ToList();
        Assert.True(gaps.Count > 0 && gaps.Max() > TimeSpan.FromSeconds(2.5), $"the watchdog was fed while nothing got through: ready at {ready.TotalSeconds:0.0} s, pings at {string.Join(", ", pings.Select(p => p.TotalSeconds.ToString("0.0")))} s");
        Assert.Contains(pings, p => p > ready + TimeSpan.FromSeconds(5.5)); // fed again once the first batch went through
        Assert.True(got.Count(m => m.Text.Contains("STATUS=")) >= 2, "status lines go on");
    }

    static List<TimeSpan> Pings(List<(TimeSpan At, string Text)> got) =>
        got.Where(m => m.Text.Split('\n').Contains("WATCHDOG=1")).Select(m => m.At).ToList();

    /// <summary>Runs the CLI as a notify service with a 2 s watchdog and returns what it told the service manager, and when.</summary>
    static async Task<List<(TimeSpan At, string Text)>> NotifiedAsync(TempFolder dir, string[] arguments)
    {
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
        var run = ProcessRunner.Cli(arguments, new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path, ["WATCHDOG_USEC"] = "2000000" }, timeoutSeconds: 90);
        Assert.True(run.ExitCode == 0, run.StandardError);
        await Task.Delay(200);
        socket.Close();
        await receiving;
        lock (messages) return [.. messages];
    }
}
