namespace VideoAffect.Tests.Support;

/// <summary>
/// Tests whose work is a job run in the live tests' idle time (<see cref="IdleTime"/>). Alone, after
/// the live collection (<see cref="SuiteOrder"/>): beside the other tests the GPU kit's dry run,
/// whose simulated GPU threads take both cores, ran past its time limit (7 minutes instead of under 2).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IdleTimeCollection
{
    public const string Name = "idle-time jobs";

    /// <summary>Every job of this collection's tests, started by the live collection.</summary>
    public static readonly Action[] Jobs =
    [
        GpuKit.GpuKitDryRunTests.PackAndRunTheKit,
        Packaging.LibraryPackageTests.PackTheLibraryAndBuildAndRunTheSamples,
        Packaging.ToolPackageTests.PackInstallAndRunTheTool,
        Reliability.EightKVideoTests.AnalyzeAnEightKVideo,
        IdleTimeClasses.RunThemInAChildTestProcess,
    ];
}
