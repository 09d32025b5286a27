using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: Xunit.TestFramework("VideoAffect.Tests.Support.SuiteFramework", "VideoAffect.Tests")]

namespace VideoAffect.Tests.Support;

/// <summary>
/// xunit's own framework, but its phases in this order: the kernels on the CPU accelerator
/// (<see cref="KernelSimulationCollection"/>), alone; then, as they end, the jobs that may run beside
/// every other test (<see cref="IdleTimeCollection.BesideEveryTest"/>) start, and the parallel phase
/// runs (xunit's, two classes at a time, <see cref="SuiteOrder"/>); then the live collection
/// (<see cref="LivePhase"/>); last the idle-time jobs' collection, whose tests wait for the jobs the
/// live collection started. Left to xunit, the collections that allow no parallelism run after the
/// parallel ones: the kernels then ran between the parallel phase and the live one, and no
/// background work could start before the live phase without slowing them (a nice-19 busy loop on
/// each core doubled their time here: their simulated threads spin at barriers whenever one is
/// descheduled). Run first, they leave the background work the whole rest of the suite, the
/// parallel phase's idle cores included.
/// </summary>
public sealed class SuiteFramework(IMessageSink diagnosticMessageSink) : XunitTestFramework(diagnosticMessageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformationProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformationProvider, diagnosticMessageSink)
    {
        protected override async void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        {
            using var runner = new AssemblyRunner(TestAssembly, testCases, DiagnosticMessageSink, executionMessageSink, executionOptions);
            await runner.RunAsync();
        }
    }

    sealed class AssemblyRunner(ITestAssembly testAssembly, IEnumerable<IXunitTestCase> testCases, IMessageSink diagnosticMessageSink,
        IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        : XunitTestAssemblyRunner(testAssembly, testCases, diagnosticMessageSink, executionMessageSink, executionOptions)
    {
        protected override async Task<RunSummary> RunTestCollectionsAsync(IMessageBus messageBus, CancellationTokenSource cancellationTokenSource)
        {
            var summary = new RunSummary();
            var kernels = InCollection(KernelSimulationCollection.Name);
            var live = InCollection(Live.LiveCollection.Name);
            var idleTimeJobs = InCollection(IdleTimeCollection.Name);
            TestCases = TestCases.Except(kernels).Except(live).Except(idleTimeJobs).ToList();
            if (kernels.Count > 0)
                summary.Aggregate(await RunTestCollectionAsync(messageBus, kernels[0].TestMethod.TestClass.TestCollection, kernels, cancellationTokenSource));
            if (IdleTime.WholeSuite)
                foreach (var job in IdleTimeCollection.BesideEveryTest) _ = IdleTime.Run(job, background: true);
            if (!cancellationTokenSource.IsCancellationRequested && TestCases.Any())
                summary.Aggregate(await base.RunTestCollectionsAsync(messageBus, cancellationTokenSource));
            if (live.Count > 0)
                summary.Aggregate(await new LivePhase.CollectionRunner(live[0].TestMethod.TestClass.TestCollection, live, DiagnosticMessageSink, messageBus,
                    TestCaseOrderer, new ExceptionAggregator(Aggregator), cancellationTokenSource).RunAsync());
            if (idleTimeJobs.Count > 0 && !cancellationTokenSource.IsCancellationRequested)
                summary.Aggregate(await RunTestCollectionAsync(messageBus, idleTimeJobs[0].TestMethod.TestClass.TestCollection, idleTimeJobs, cancellationTokenSource));
            return summary;
        }

        List<IXunitTestCase> InCollection(string name) =>
            TestCases.Where(c => c.TestMethod.TestClass.TestCollection.DisplayName == name).ToList();
    }
}
