using VideoAffect.Tests.Live;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace VideoAffect.Tests.Support;

/// <summary>
/// Runs the live collection's tests (<see cref="LiveCollection"/>) after the parallel phase, as one
/// collection (its fixture made once, its start and end reported once: the test adapter refuses
/// one collection started twice at once), but its classes first those that must be alone, one after
/// another, then the rest in <see cref="Lanes"/> lanes, each lane taking the next class, longest
/// first, as its last one ends. A class is run whole in one lane: its tests share its fixtures
/// (servers, streams) and may rely on running one at a time.
/// <para>The lanes after the first start only once the idle-time jobs have all ended (in the whole
/// suite; at once when a filter chose the tests): until then those jobs take the cores a live test
/// leaves, and a second lane would only move their work past the live phase's end. With two lanes
/// from the start (2171dae, 2026-12-07, a slow hour) the live classes took 187 s instead of 293 and the
/// GPU kit's dry run ended 139 s after them: the clone took longer. In a fast hour the jobs end
/// mid-phase (2026-12-08, c37: 145 s into a 280-s live phase), and one lane then left the two cores
/// a quarter busy for the last 100 s.</para>
/// </summary>
static class LivePhase
{
    /// <summary>Two: the live classes each took at most 0.6 of the two cores alone for most of their time.</summary>
    public const int Lanes = 2;

    /// <summary>The classes in the order the lanes take them: longest first, then the rest by name.</summary>
    public static List<List<IXunitTestCase>> Paired(IEnumerable<IXunitTestCase> cases) =>
        ByClass(cases).Where(c => !LiveCollection.Alone.Contains(ClassOf(c[0])))
            .OrderBy(c => Array.IndexOf(LiveCollection.LongestFirst, ClassOf(c[0])) is >= 0 and var place ? place : LiveCollection.LongestFirst.Length)
            .ThenBy(c => ClassOf(c[0]), StringComparer.Ordinal).ToList();

    /// <summary>The classes run by themselves, in <see cref="LiveCollection.Alone"/>'s order.</summary>
    public static List<List<IXunitTestCase>> Alone(IEnumerable<IXunitTestCase> cases) =>
        ByClass(cases).Where(c => LiveCollection.Alone.Contains(ClassOf(c[0])))
            .OrderBy(c => Array.IndexOf(LiveCollection.Alone, ClassOf(c[0]))).ToList();

    /// <summary>
    /// Runs the classes: <paramref name="runClass"/> runs one class's tests and returns their summary;
    /// the lanes after the first start when <paramref name="moreLanes"/> completes (or the first has no class left).
    /// </summary>
    public static async Task<RunSummary> RunAsync(IReadOnlyCollection<IXunitTestCase> cases, Func<List<IXunitTestCase>, Task<RunSummary>> runClass,
        Task moreLanes, CancellationToken stop)
    {
        var summary = new RunSummary();
        foreach (var alone in Alone(cases))
            if (!stop.IsCancellationRequested) summary.Aggregate(await runClass(alone));
        var next = new Queue<List<IXunitTestCase>>(Paired(cases));
        var summaries = new List<RunSummary>();
        var firstLaneDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task Lane(int lane)
        {
            if (lane > 0) await Task.WhenAny(moreLanes, firstLaneDone.Task);
            try { await TakeClasses(); }
            finally { if (lane == 0) firstLaneDone.TrySetResult(); }
        }
        async Task TakeClasses()
        {
            while (!stop.IsCancellationRequested)
            {
                List<IXunitTestCase> tests;
                lock (next) { if (!next.TryDequeue(out tests!)) return; }
                var ran = await runClass(tests);
                lock (summaries) summaries.Add(ran);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Lanes).Select(lane => Task.Run(() => Lane(lane))));
        foreach (var ran in summaries) summary.Aggregate(ran);
        return summary;
    }

    /// <summary>xunit's runner of a collection, but with its classes run as above.</summary>
    public sealed class CollectionRunner(ITestCollection collection, IEnumerable<IXunitTestCase> cases, IMessageSink diagnosticMessageSink,
        IMessageBus messageBus, ITestCaseOrderer orderer, ExceptionAggregator aggregator, CancellationTokenSource stop)
        : XunitTestCollectionRunner(collection, cases, diagnosticMessageSink, messageBus, orderer, aggregator, stop)
    {
        protected override Task<RunSummary> RunTestClassesAsync() =>
            LivePhase.RunAsync(TestCases.ToList(), tests => RunTestClassAsync(tests[0].TestMethod.TestClass, (IReflectionTypeInfo)tests[0].TestMethod.TestClass.Class, tests),
                // The collection's fixture, made before this runs, has started the live phase's jobs.
                IdleTime.WholeSuite ? IdleTime.AllEnded() : Task.CompletedTask, CancellationTokenSource.Token);
    }

    static IEnumerable<List<IXunitTestCase>> ByClass(IEnumerable<IXunitTestCase> cases) =>
        cases.GroupBy(ClassOf).Select(g => g.ToList());

    static string ClassOf(IXunitTestCase test) => test.TestMethod.TestClass.Class.Name;
}
