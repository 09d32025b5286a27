using System.Diagnostics;

namespace VideoAffect.Tests.Support;

/// <summary>
/// Who started which process, for tests/cpu/suite-cpu.sh: when VIDEOAFFECT_PROCESS_LOG names a file,
/// each process started through <see cref="ProcessRunner"/> or <see cref="RunningCli"/> adds a line
/// "PID, test class, command line" (tab-separated) to it. Linux's process accounting gives every
/// process's CPU time and parent when it ends; joined by PID, the two say which test classes spend
/// the suite's CPU, their children's (ffmpeg's) included. Off by default: one environment lookup.
/// </summary>
static class ProcessLog
{
    static readonly string? LogFile = Environment.GetEnvironmentVariable("VIDEOAFFECT_PROCESS_LOG") is { Length: > 0 } file ? file : null;
    static readonly object Gate = new();

    public static void Started(Process process, ProcessStartInfo start)
    {
        if (LogFile is null) return;
        string line = $"{process.Id}\t{TestClass()}\t{start.FileName} {string.Join(' ', start.ArgumentList)}".Replace('\n', ' ');
        // The idle-time classes' test process appends to the same file: one short write each.
        lock (Gate) File.AppendAllText(LogFile, line + "\n");
    }

    /// <summary>The first test class on the stack (an async test's state machine counts as its class); "?" if none.</summary>
    internal static string TestClass()
    {
        foreach (var frame in new StackTrace().GetFrames())
        {
            var type = frame.GetMethod()?.DeclaringType;
            while (type?.DeclaringType is not null && type.Name.Contains('<')) type = type.DeclaringType; // <Test>d__3, <>c__DisplayClass
            if (type?.Namespace is { } ns && ns.StartsWith("VideoAffect.Tests", StringComparison.Ordinal) && ns != typeof(ProcessLog).Namespace)
                return type.FullName!;
        }
        return "?";
    }
}
