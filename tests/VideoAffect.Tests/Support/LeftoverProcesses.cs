using System.Runtime.CompilerServices;

namespace VideoAffect.Tests.Support;

/// <summary>
/// What a killed test run leaves running is stopped by the next one. Every process the tests start
/// (the CLI, ffmpeg streams, RTSP servers, Redis, Mosquitto, nodes, Chromium, and the idle-time
/// jobs' builds at nice 19), and every process those start, inherits this process's identity from
/// its environment (<see cref="Variable"/>: its PID and start time). A run killed before it cleaned
/// up (CI's time limit, a second Ctrl-C, the OOM killer) left them running, and the next run shared
/// the two cores with them. So as a test process loads, it kills each process whose identity names
/// a test process that is gone: its PID no longer exists, or is another process now (another start
/// time). A suite running beside this one (another clone's) is alive, and its processes are kept.
/// </summary>
static class LeftoverProcesses
{
    public const string Variable = "VIDEOAFFECT_TEST_HOST";

    [ModuleInitializer]
    internal static void ReapAndMark()
    {
        if (!OperatingSystem.IsLinux()) return;
        foreach (var (pid, host) in Reap())
            Console.Error.WriteLine($"stopped process {pid}, left running by test process {host}, which is gone");
        if (Identity(Environment.ProcessId) is { } me) Environment.SetEnvironmentVariable(Variable, me);
    }

    /// <summary>Kills every process whose <see cref="Variable"/> names a test process that is gone; returns each one's PID and that identity.</summary>
    internal static List<(int Pid, string Host)> Reap()
    {
        var stopped = new List<(int, string)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            // Another user's processes, and those that ended meanwhile, cannot be read: not ours either way.
            string? host = ReadVariable(pid);
            if (host is null || IsAlive(host)) continue;
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
                stopped.Add((pid, host));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { }
        }
        return stopped;
    }

    /// <summary>A process's identity: its PID and its start time (clock ticks since boot), which a reused PID does not share.</summary>
    internal static string? Identity(int pid)
    {
        try
        {
            // Fields after the command name, which may hold spaces and parentheses: state is the 3rd
            // field of the line, the start time the 22nd.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return $"{pid}:{fields[22 - 3]}";
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    static bool IsAlive(string identity) =>
        int.TryParse(identity.Split(':')[0], out int pid) && Identity(pid) == identity;

    static string? ReadVariable(int pid)
    {
        try
        {
            // NUL-separated NAME=VALUE pairs, as the process was started.
            foreach (var entry in File.ReadAllText($"/proc/{pid}/environ").Split('\0'))
                if (entry.StartsWith(Variable + "=", StringComparison.Ordinal)) return entry[(Variable.Length + 1)..];
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
