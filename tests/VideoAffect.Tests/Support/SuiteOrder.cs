using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCollectionOrderer("VideoAffect.Tests.Support.SuiteOrder", "VideoAffect.Tests")]

namespace VideoAffect.Tests.Support;

/// <summary>
/// xunit's own order of the parallel phase's test collections, but the longest classes first. The
/// collections that allow no parallelism (the kernels, the live tests, the idle-time jobs) are run
/// by <see cref="SuiteFramework"/>, before and after this phase.
/// </summary>
public sealed class SuiteOrder : ITestCollectionOrderer
{
    readonly DefaultTestCollectionOrderer _default = new();

    /// <summary>
    /// The parallel phase's longest classes (seconds on 2026-12-07's clean clones), started first,
    /// longest first: xunit starts two collections at a time in the order given, and its own order
    /// follows the test assembly's path, so a clone elsewhere could start the cluster tests (105 s)
    /// last, running on beside one other class at a time after the rest had ended: the live phase
    /// began at 460 s on one clone and at 510 s on another, the classes' own times the same.
    /// </summary>
    public static readonly string[] LongestFirst =
    [
        "VideoAffect.Tests.Cluster.ClusterTests", // 105
        "VideoAffect.Tests.CliTests", // 32-48
        "VideoAffect.Tests.Reliability.SoakTests", // 41
        "VideoAffect.Tests.Live.MonitorRecordsLogTests", // 33
        "VideoAffect.Tests.Brokers.BrokerTlsTests", // 22-30
        "VideoAffect.Tests.Safety.OutputSafetyTests", // 23-28
        "VideoAffect.Tests.AnonymizationTests", // 25
        "VideoAffect.Tests.Onnx.OnnxCliTests", // 24
        "VideoAffect.Tests.Media.UrlInputTests", // 16-24
        "VideoAffect.Tests.Reliability.EarlyStopTests", // 20
        "VideoAffect.Tests.AnalyzeFacesTests", // 12-20
        "VideoAffect.Tests.BadInputTests", // 18
        "VideoAffect.Tests.FaceZoneTests", // 17
        "VideoAffect.Tests.Reliability.LoaderFuzzTests", // 16
        "VideoAffect.Tests.Live.FaceFolderTests", // 15
    ];

    /// <summary>The class a collection of one class stands for ("Test collection for NAME"), or its own name.</summary>
    public static string ClassOf(ITestCollection collection) =>
        collection.DisplayName.StartsWith(ClassCollectionPrefix, StringComparison.Ordinal) ? collection.DisplayName[ClassCollectionPrefix.Length..] : collection.DisplayName;

    const string ClassCollectionPrefix = "Test collection for ";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> collections) =>
        _default.OrderTestCollections(collections)
            .OrderBy(c => Array.IndexOf(LongestFirst, ClassOf(c)) is >= 0 and var place ? place : LongestFirst.Length);
}
