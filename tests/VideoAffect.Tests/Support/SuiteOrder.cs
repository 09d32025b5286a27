using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCollectionOrderer("VideoAffect.Tests.Support.SuiteOrder", "VideoAffect.Tests")]

namespace VideoAffect.Tests.Support;

/// <summary>
/// xunit's own order of the test collections, but the live collection, then the idle-time jobs'
/// collection: xunit runs the collections that allow no parallelism one after the other, after the
/// rest, in this order, and the jobs run while the live tests do (<see cref="IdleTime"/>). The
/// kernels on the CPU accelerator run before all of them (<see cref="SuiteFramework"/>).
/// </summary>
public sealed class SuiteOrder : ITestCollectionOrderer
{
    readonly DefaultTestCollectionOrderer _default = new();

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> collections) =>
        _default.OrderTestCollections(collections).OrderBy(c => c.DisplayName switch
        {
            IdleTimeCollection.Name => 2,
            Live.LiveCollection.Name => 1,
            _ => 0,
        });
}
