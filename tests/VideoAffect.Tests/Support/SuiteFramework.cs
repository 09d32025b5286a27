using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: Xunit.TestFramework("VideoAffect.Tests.Support.SuiteFramework", "VideoAffect.Tests")]

namespace VideoAffect.Tests.Support;

/// <summary>
/// xunit's own framework, but the kernels on the CPU accelerator (<see cref="KernelSimulationCollection"/>)
/// run first, alone, before the parallel phase, and the jobs that may run beside every other test
/// (<see cref="IdleTimeCollection.BesideEveryTest"/>) start as they end. xunit runs the collections
/// that allow no parallelism after the parallel ones; the kernels then ran between the parallel phase
/// and the live one, and no background work could start before the live phase without slowing them
/// (a nice-19 busy loop on each core doubled their time here: their simulated threads spin at
/// barriers whenever one is descheduled). Run first, they leave the background work the whole rest
/// of the suite, the parallel phase's idle cores included.
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
            var kernels = TestCases.Where(c => c.TestMethod.TestClass.TestCollection.DisplayName == KernelSimulationCollection.Name).ToList();
            if (kernels.Count > 0)
            {
                summary.Aggregate(await RunTestCollectionAsync(messageBus, kernels[0].TestMethod.TestClass.TestCollection, kernels, cancellationTokenSource));
                TestCases = TestCases.Except(kernels).ToList();
            }
            if (IdleTime.WholeSuite)
                foreach (var job in IdleTimeCollection.BesideEveryTest) _ = IdleTime.Run(job, background: true);
            if (!cancellationTokenSource.IsCancellationRequested)
                summary.Aggregate(await base.RunTestCollectionsAsync(messageBus, cancellationTokenSource));
            return summary;
        }
    }
}
