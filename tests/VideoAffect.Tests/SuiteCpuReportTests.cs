using System.Text;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// tests/cpu/suite_cpu.py, the map of a suite run's CPU, read on accounting records written here
/// as Linux writes them (struct acct_v3), with times that need comp_t's exponent.
/// </summary>
public class SuiteCpuReportTests
{
    [Fact]
    public void Each_test_class_gets_its_processes_and_their_children_but_not_a_logged_descendants()
    {
        using var dir = TestPaths.NewTempFolder();
        using (var acct = new BinaryWriter(File.Create(dir.File("pacct"))))
        {
            Record(acct, pid: 100, ppid: 1, begin: 1000, elapsed: 50, ticks: 1234, ".NET TP Worker"); // the test process
            Record(acct, pid: 200, ppid: 100, begin: 1010, elapsed: 5, ticks: 10000, ".NET SigHandler"); // a CLI run: 100 s, comp_t exponent 1
            Record(acct, pid: 201, ppid: 200, begin: 1011, elapsed: 4, ticks: 250, "ffmpeg");            // its decoder
            Record(acct, pid: 300, ppid: 200, begin: 1012, elapsed: 1, ticks: 100, "dotnet");            // started by it, logged for another class
            Record(acct, pid: 400, ppid: 1, begin: 1013, elapsed: 1, ticks: 300, "ffmpeg");              // re-parented: nobody's
        }
        File.WriteAllText(dir.File("processes.tsv"), string.Join("\n",
            "200\tVideoAffect.Tests.AnalyzeTests\tdotnet videoaffect.dll analyze a.mp4",
            "300\tVideoAffect.Tests.Other\tdotnet videoaffect.dll devices",
            "999\tVideoAffect.Tests.Gone\tffprobe still running") + "\n");

        string report = ProcessRunner.Tool("python3", Path.Combine(TestPaths.RepoRoot, "tests", "cpu", "suite_cpu.py"), dir.File("pacct"), dir.File("processes.tsv"));

        Assert.Contains("119 CPU-s in 5 processes over 50 s", report);
        Assert.Matches(@"\n +113\.3 +3  dotnet\n", report);  // .NET's thread names are one program
        Assert.Matches(@"\n +5\.5 +2  ffmpeg\n", report);
        Assert.Matches(@"\n +102\.5 +1  AnalyzeTests\n", report); // 100 + its ffmpeg, not the logged descendant
        Assert.Matches(@"\n +1\.0 +1  Other\n", report);
        Assert.DoesNotContain("Gone", report);
    }

    /// <summary>The log names the test class that started a process, from a test's async code and its lambdas too.</summary>
    [Fact]
    public async Task The_process_log_names_the_test_class_on_the_stack()
    {
        string expected = typeof(SuiteCpuReportTests).FullName!;
        Assert.Equal(expected, ProcessLog.TestClass());
        await Task.Yield();
        Assert.Equal(expected, ProcessLog.TestClass());                             // in the state machine, on a pool thread
        Assert.Equal(expected, await Task.Run(() => ProcessLog.TestClass()));       // in a lambda (a nested display class)
    }

    /// <summary>One struct acct_v3 (linux/acct.h), 64 bytes, little-endian; CPU time all user time.</summary>
    static void Record(BinaryWriter w, int pid, int ppid, int begin, float elapsed, int ticks, string command)
    {
        w.Write((byte)0); w.Write((byte)3); w.Write((ushort)0);     // ac_flag, ac_version, ac_tty
        w.Write(0); w.Write(0); w.Write(0);                          // ac_exitcode, ac_uid, ac_gid
        w.Write(pid); w.Write(ppid); w.Write(begin); w.Write(elapsed * 100); // ac_pid, ac_ppid, ac_btime, ac_etime (ticks)
        w.Write(CompT(ticks)); w.Write((ushort)0);                   // ac_utime, ac_stime
        for (int i = 0; i < 6; i++) w.Write((ushort)0);              // ac_mem, ac_io, ac_rw, ac_minflt, ac_majflt, ac_swaps
        var name = new byte[16];
        Encoding.ASCII.GetBytes(command, name);
        w.Write(name);
    }

    /// <summary>comp_t: a 13-bit mantissa and a base-8 exponent in the top 3 bits.</summary>
    static ushort CompT(int value)
    {
        int exponent = 0;
        while (value > 0x1FFF) { value >>= 3; exponent++; }
        return (ushort)(exponent << 13 | value);
    }
}
