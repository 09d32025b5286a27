namespace VideoAffect.Tests.Support;

/// <summary>
/// Tests whose work is a job run in idle time (<see cref="IdleTime"/>). Alone, after
/// the live collection (<see cref="SuiteOrder"/>): beside the other tests the GPU kit's dry run,
/// whose simulated GPU threads take both cores, ran past its time limit (7 minutes instead of under 2).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IdleTimeCollection
{
    public const string Name = "idle-time jobs";

    /// <summary>The jobs of this collection's tests started by the live collection, in its idle time.</summary>
    public static readonly Action[] Jobs =
    [
        GpuKit.GpuKitDryRunTests.PackAndRunTheKit,
        Packaging.LibraryPackageTests.PackTheLibraryAndBuildAndRunTheSamples,
        Packaging.ToolPackageTests.PackInstallAndRunTheTool,
        Reliability.EightKVideoTests.AnalyzeAnEightKVideo,
    ];

    /// <summary>
    /// Of <see cref="Jobs"/>, those lowered less (nice 10, the others 19), so that they take the idle
    /// cores before the other idle-time work: the GPU kit's dry run, whose 1,024-thread simulated
    /// groups spin at barriers whenever one thread is descheduled (47.5 CPU-s alone, 66-87 at nice 19
    /// beside the idle-time classes and the packaging jobs, 2026-12-07), and which ended last, after
    /// the live tests, once more classes ran in the idle-time process. The live tests, at nice 0,
    /// weigh nine times as much to the scheduler (1,024 against 110).
    /// </summary>
    public static readonly Action[] AboveTheOtherJobs = [GpuKit.GpuKitDryRunTests.PackAndRunTheKit];

    /// <summary>
    /// The jobs started earlier, as the kernels' phase ends (<see cref="SuiteFramework"/>), to take the
    /// parallel phase's idle cores too: the idle-time classes' test process, whose hang guards allow
    /// for its low priority (<see cref="IdleTimeClasses"/>). The jobs above stay in the live phase,
    /// whose idle cores are many: the GPU kit's simulated GPU threads spin whenever descheduled, and
    /// the others' time limits are this process's.
    /// </summary>
    public static readonly Action[] BesideEveryTest = [IdleTimeClasses.RunThemInAChildTestProcess];
}
