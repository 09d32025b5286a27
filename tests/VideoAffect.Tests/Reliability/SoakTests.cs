using System.Globalization;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Reliability;

/// <summary>
/// A soak of `monitor` over four local streams (one generated clip played in a loop, in real time,
/// four times): after a 15-second warm-up, resident memory may not grow by 10% or more from the first half to
/// the second, and handles and threads may not keep climbing through the second half. 40 s in the suite (trait
/// Category=Soak); VIDEOAFFECT_SOAK_SECONDS sets a longer one. The 10-minute figures are in the README.
/// It runs beside the other tests, not in the live collection (which runs alone, after them, so its
/// 40 s would add to the suite's wall time): what it measures, growth and whether every stream went
/// on, does not depend on the cores being free, and its bar for "went on" (2 records a second of 15
/// frames) holds under load.
/// </summary>
[Trait("Category", "Soak")]
public class SoakTests
{
    static readonly int Seconds =
        int.TryParse(Environment.GetEnvironmentVariable("VIDEOAFFECT_SOAK_SECONDS"), out int seconds) && seconds >= 30 ? seconds : 40;

    [Fact]
    public void Four_streams_do_not_grow()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("loop.mp4"), 60, fps: 15, width: 320, height: 240, audio: false);
        string report = dir.File("resources.csv");
        var r = ProcessRunner.Cli(["monitor", $"a={clip}", $"b={clip}", $"c={clip}", $"d={clip}", "--loop", "--duration", $"{Seconds}s",
            "--backend", "cpu", "--resources", report, "--records", dir.Path], timeoutSeconds: Seconds + 90);
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.StandardError}");

        // A sample every 5 s.
        var samples = File.ReadAllLines(report).Skip(1).Select(l => l.Split(','))
            .Select(f => (Seconds: double.Parse(f[0], CultureInfo.InvariantCulture), Resident: long.Parse(f[1]), Handles: int.Parse(f[3]), Threads: int.Parse(f[4])))
            .ToList();
        Assert.True(samples.Count >= Seconds / 5 - 1, $"{samples.Count} samples in {Seconds} s");
        string table = string.Join("; ", samples.Select(s => $"{s.Seconds:0}s {s.Resident / 1048576} MiB {s.Handles}h {s.Threads}t"));
        // After the warm-up, the second half against the first: a leak keeps growing through both, where
        // the heap's last step up may come after 15 s on a loaded machine (210 to 243 MiB at 20 s, then
        // flat to the end, in a suite run beside other work, 2026-12-07). The thread pool, likewise, may
        // add threads for a while (blocking OpenCV calls); a leak keeps adding them.
        var after = samples.Where(s => s.Seconds >= 15).ToList();
        var (early, late) = (after.Take(after.Count / 2).ToList(), after.Skip(after.Count / 2).ToList());
        Assert.True(late.Max(s => s.Resident) < early.Max(s => s.Resident) * 1.10, $"memory grew after warm-up: {table}");
        Assert.True(late.Max(s => s.Handles) <= early.Max(s => s.Handles) + 10, $"handles kept growing: {table}");
        Assert.True(late.Max(s => s.Threads) <= early.Max(s => s.Threads) + 5, $"threads kept growing: {table}");
        foreach (var stream in new[] { "a", "b", "c", "d" })
        {
            Assert.Contains($"  {stream}: stopped,", r.StandardOutput);
            Assert.True(File.ReadAllLines(dir.File($"{stream}.jsonl")).Length > 2 * Seconds, $"stream {stream} kept processing: {r.StandardOutput}");
        }
        Assert.DoesNotContain("reconnect", r.StandardError); // a looping file never needs one
    }
}
