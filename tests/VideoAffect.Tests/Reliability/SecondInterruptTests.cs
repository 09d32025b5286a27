using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Reliability;

/// <summary>
/// A second Ctrl-C while `analyze` winds down after the first: through the real CLI, as a terminal
/// sends it (SIGINT to the process group). Not timed finely: the wind-down it cuts short lasts 5 s.
/// </summary>
public class SecondInterruptTests
{
    /// <summary>Long enough that a stop two seconds in falls mid-run, even beside the suite's other tests.</summary>
    const int Frames = 900;

    /// <summary>
    /// Ctrl-C again while the first is winding the run down stops it at once: here the wind-down
    /// waits up to 5 s for a webhook that takes connections and never answers. The second Ctrl-C
    /// ends it within a second or two, exit code 130, its outputs still .partial; the first alone
    /// takes the 5 s (checked first, so the second Ctrl-C has something to cut short).
    /// </summary>
    [Fact]
    public async Task A_second_Ctrl_C_stops_a_slow_wind_down_at_once_keeping_outputs_partial()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start(); // accepts (the kernel's backlog) and never answers
        int port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        using var clipDir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(clipDir.File("long.mp4"), Frames, fps: 15, width: 480, height: 360, audio: false);
        foreach (bool twice in new[] { false, true })
        {
            using var dir = TestPaths.NewTempFolder();
            using var cli = new RunningCli(["analyze", input, "-o", dir.File("out.mp4"), "--backend", "cpu", "--publish", $"http://127.0.0.1:{port}/hook"], ownProcessGroup: true);
            await cli.WaitForAsync("backend cpu", TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromSeconds(2));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            ProcessRunner.Run("kill", ["-INT", "--", $"-{cli.Id}"], TimeSpan.FromSeconds(5));
            if (twice)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
                ProcessRunner.Run("kill", ["-INT", "--", $"-{cli.Id}"], TimeSpan.FromSeconds(5));
            }
            var (exitCode, _) = cli.WaitForExit(TimeSpan.FromSeconds(30), "Ctrl-C");
            Assert.True(exitCode == 130, $"exit {exitCode}: {cli.StandardError}");
            if (twice)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the second Ctrl-C took {clock.Elapsed.TotalSeconds:0.0} s to stop it");
                Assert.Contains("videoaffect: stopped at once (Ctrl-C again); what was being written stays under its .partial name", cli.StandardError);
                Assert.True(File.Exists(dir.File("out.partial.mp4")) && File.Exists(dir.File("out.partial.jsonl")), cli.StandardError);
            }
            else Assert.True(clock.Elapsed > TimeSpan.FromSeconds(4.5), $"the wind-down took only {clock.Elapsed.TotalSeconds:0.0} s: nothing for a second Ctrl-C to cut short");
            Assert.False(File.Exists(dir.File("out.mp4")), "an interrupted run must not look complete");
        }
    }
}
