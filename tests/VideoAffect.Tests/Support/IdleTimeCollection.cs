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
    /// The jobs started earlier, as the kernels' phase ends (<see cref="SuiteFramework"/>), to take the
    /// parallel phase's idle cores too: the idle-time classes' test process, whose hang guards allow
    /// for its low priority (<see cref="IdleTimeClasses"/>). The jobs above stay in the live phase,
    /// whose idle cores are many: the GPU kit's simulated GPU threads spin whenever descheduled, and
    /// the others' time limits are this process's.
    /// </summary>
    public static readonly Action[] BesideEveryTest = [IdleTimeClasses.RunThemInAChildTestProcess];
}
