namespace VideoAffect.Tests.Support;

/// <summary>
/// Whole test classes of CPU work and no timing (transcoding, containers, photos, the SIMD cascade),
/// run in the suite's idle time by a second test process, when test.sh runs the whole suite.
/// <para>
/// The live collection runs apart from the rest for 3.5 to 5 minutes and its real-time streams leave
/// much of the two cores idle even with the idle-time jobs (<see cref="IdleTime"/>) beside them: some
/// 300 CPU-seconds, measured with vmstat (2026-12-07), until the jobs end and its second lane starts
/// (<see cref="LivePhase"/>); the parallel phase leaves 15-20% of them idle
/// too, as its tests wait on servers, timeouts and each other. Each job of <see cref="IdleTime"/> is
/// one test's work; a class is many tests, theories among them, each of which must be reported for
/// itself, so the classes run as they are, in a test process of their own at nice 19, started as
/// the kernels' phase ends (<see cref="SuiteFramework"/>), which writes its own results file.
/// test.sh leaves the classes out of the main run (by this trait) and reads both files: each
/// test's result, its retry alone if it failed, and the closing counts.
/// </para>
/// <para>
/// At nice 19 that process gets a core only when no other test wants it, so the hang guards of its
/// tests' processes (<see cref="ProcessRunner"/>) are three times as long there: they catch hangs,
/// they do not measure speed. Run any other way (a filter, an IDE, `dotnet test` without test.sh),
/// the classes run in the test process as every other class does.
/// </para>
/// </summary>
static class IdleTimeClasses
{
    /// <summary>The trait on each such class: <c>[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)]</c>.</summary>
    public const string Trait = "Phase";
    public const string Value = "IdleTime";

    /// <summary>
    /// Where test.sh wants the child test process's results, set for the main run only (not for its
    /// retries): null where the classes run in this process.
    /// </summary>
    public static string? ResultsFolder =>
        Environment.GetEnvironmentVariable("VIDEOAFFECT_IDLE_TIME_RESULTS") is { Length: > 0 } folder ? folder : null;

    /// <summary>This is the idle-time classes' test process, at nice 19.</summary>
    public static bool InChildProcess => Environment.GetEnvironmentVariable("VIDEOAFFECT_IDLE_TIME_CHILD") == "1";

    /// <summary>A hang guard for a process a test starts: three times as long in the idle-time classes' process.</summary>
    public static TimeSpan HangGuard(TimeSpan timeout) => InChildProcess ? timeout * 3 : timeout;

    /// <summary>
    /// The job: this assembly's classes of the trait through `dotnet test`, their results file and
    /// console output written into <see cref="ResultsFolder"/>. A failed test there is test.sh's to
    /// report; the job fails only when the child wrote no results (it did not run, crashed or hung).
    /// Nothing to do where the classes run in this process.
    /// </summary>
    internal static void RunThemInAChildTestProcess()
    {
        if (ResultsFolder is not { } folder) return;
        Directory.CreateDirectory(folder);
        string results = Path.Combine(folder, "results.trx");
        File.Delete(results);
        // Not the whole suite for the child: it must not start the idle-time jobs, nor a child of its own.
        var environment = new Dictionary<string, string>
        {
            ["VIDEOAFFECT_WHOLE_SUITE"] = "", ["VIDEOAFFECT_IDLE_TIME_RESULTS"] = "", ["VIDEOAFFECT_IDLE_TIME_CHILD"] = "1",
        };
        var run = ProcessRunner.Run("dotnet",
            ["test", typeof(IdleTimeClasses).Assembly.Location, "--filter", $"{Trait}={Value}",
             "--logger", "trx;LogFileName=results.trx", "--logger", "console;verbosity=normal", "--results-directory", folder],
            TimeSpan.FromMinutes(25), environment, workingDirectory: TestPaths.RepoRoot);
        File.WriteAllText(Path.Combine(folder, "console.log"), run.StandardOutput + run.StandardError);
        Assert.False(run.TimedOut, $"the idle-time classes' test process ran past 25 minutes: {Tail(run.StandardOutput)}");
        Assert.True(File.Exists(results), $"the idle-time classes' test process wrote no results (exit {run.ExitCode}): {Tail(run.StandardOutput + run.StandardError)}");
    }

    static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];
}
