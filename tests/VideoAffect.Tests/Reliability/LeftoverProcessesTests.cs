using System.Diagnostics;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Reliability;

/// <summary>
/// What a killed test run left running is stopped by the next (<see cref="LeftoverProcesses"/>):
/// real processes, told apart by the test process named in their environment.
/// </summary>
public class LeftoverProcessesTests
{
    [Fact]
    public void Processes_of_a_test_process_that_is_gone_are_stopped_and_those_of_a_live_one_are_kept()
    {
        string me = LeftoverProcesses.Identity(Environment.ProcessId)!;
        // Gone: a PID that is no process, and this very PID with another start time (a PID reused
        // since the test process that started them ended).
        const string NoSuchProcess = "999999999:1";
        string reusedPid = $"{Environment.ProcessId}:1";
        using var orphan = Sleep(NoSuchProcess);
        using var orphanOfReusedPid = Sleep(reusedPid);
        using var ours = Sleep(me);
        try
        {
            var stopped = LeftoverProcesses.Reap();

            Assert.True(orphan.WaitForExit(10_000), "the process of a test process that does not exist runs on");
            Assert.True(orphanOfReusedPid.WaitForExit(10_000), "the process of a test process whose PID another process has now runs on");
            Assert.Contains((orphan.Id, NoSuchProcess), stopped);
            Assert.Contains((orphanOfReusedPid.Id, reusedPid), stopped);
            Assert.False(ours.HasExited, "a live test process's own child was stopped");
            Assert.DoesNotContain(stopped, s => s.Pid == ours.Id);
        }
        finally
        {
            foreach (var p in new[] { orphan, orphanOfReusedPid, ours })
                if (!p.HasExited) p.Kill();
        }
    }

    [Fact]
    public void Every_process_the_tests_start_and_every_process_those_start_names_this_test_process()
    {
        string me = LeftoverProcesses.Identity(Environment.ProcessId)!;
        Assert.Matches(@"^\d+:\d+$", me);
        string child = ProcessRunner.Tool("sh", "-c", $"echo ${LeftoverProcesses.Variable}").Trim();
        string grandchild = ProcessRunner.Tool("sh", "-c", $"sh -c 'echo ${LeftoverProcesses.Variable}'").Trim();
        Assert.Equal(me, child);
        Assert.Equal(me, grandchild);
    }

    /// <summary>A real process that would run for a minute, started as a test process named <paramref name="host"/> would have started it.</summary>
    static Process Sleep(string host)
    {
        var start = new ProcessStartInfo("sleep", "60") { UseShellExecute = false };
        start.Environment[LeftoverProcesses.Variable] = host;
        return Process.Start(start)!;
    }
}
