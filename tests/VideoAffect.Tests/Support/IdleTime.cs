using System.Runtime.InteropServices;

namespace VideoAffect.Tests.Support;

/// <summary>
/// Work of the suite's that needs CPU but no timing (packing and building, the GPU kit's dry run),
/// done while the cores are idle. The live collection runs after the other tests, one class at a
/// time until these jobs have ended (<see cref="LivePhase"/>), and its real-time streams leave
/// about two thirds of the two cores idle meanwhile; run after
/// it, or beside the other tests, this work added minutes to the suite. So when the whole suite
/// runs (test.sh sets VIDEOAFFECT_WHOLE_SUITE), the live collection starts every job of
/// <see cref="IdleTimeCollection"/> as it starts, each on a thread of its own at nice 19: Linux's
/// nice value is a thread's, and the programs the thread starts inherit it, so a live test's thread
/// that wakes takes the core at once and its timing is kept. The jobs' tests, in that collection,
/// which runs after the live one, wait for their job and fail with its failure. A test run alone
/// (a filter) runs its job itself, at normal priority.
/// </summary>
static class IdleTime
{
    static readonly object Gate = new();
    static readonly Dictionary<System.Reflection.MethodInfo, Task> Started = [];

    public static bool WholeSuite => Environment.GetEnvironmentVariable("VIDEOAFFECT_WHOLE_SUITE") == "1";

    /// <summary>The job's one run in this test process: started now (lowered if <paramref name="background"/>), or the one started before.</summary>
    public static Task Run(Action job, bool background = false)
    {
        lock (Gate)
        {
            if (Started.TryGetValue(job.Method, out var started)) return started;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // A thread of its own, never a pool thread: the lowered priority must not pass to other tests.
            var thread = new Thread(() =>
            {
                if (background && OperatingSystem.IsLinux()) setpriority(PrioProcess, 0, 19); // who 0: this thread
                try { job(); done.SetResult(); }
                catch (Exception e) { done.SetException(e); }
            }) { IsBackground = true, Name = $"idle-time {job.Method.Name}" };
            thread.Start();
            return Started[job.Method] = done.Task;
        }
    }

    /// <summary>Completes when every job started so far has ended, failed or not (their tests report how).</summary>
    public static Task AllEnded()
    {
        lock (Gate) return Task.WhenAll(Started.Values).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>
    /// For a job's `dotnet build`, `pack`, `publish` and `tool install`: no MSBuild node or compiler
    /// server left running after it, which would keep the job's low priority and serve later builds
    /// with it; and temporary files in <paramref name="folder"/> (the test's own, deleted after it):
    /// each such command of the .NET 10 SDK leaves two empty folders in the temporary folder
    /// (/tmp/XXXXXX, seen with strace), some 20 a suite run.
    /// </summary>
    public static Dictionary<string, string> SdkEnvironment(string folder) => new()
    {
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["UseSharedCompilation"] = "false", // MSBuild reads the environment as properties
        ["TMPDIR"] = Directory.CreateDirectory(Path.Combine(folder, "tmp")).FullName,
    };

    const int PrioProcess = 0;

    [DllImport("libc", SetLastError = true)]
    static extern int setpriority(int which, int who, int priority);
}
