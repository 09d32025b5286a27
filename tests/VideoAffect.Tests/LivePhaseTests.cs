using System.Reflection;
using VideoAffect.Tests.Live;
using VideoAffect.Tests.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace VideoAffect.Tests;

/// <summary>
/// The live phase (<see cref="LivePhase"/>) on this assembly's own live classes, each class's run
/// stood in for by one that notes what ran beside it: the classes that must be alone ran first
/// with nothing beside them, the others in two lanes, longest first, each class once and whole,
/// the second lane only once its gate (the idle-time jobs' end) has opened.
/// </summary>
public class LivePhaseTests
{
    [Fact]
    public async Task The_alone_classes_run_by_themselves_and_the_rest_two_at_a_time_longest_first()
    {
        var cases = LiveClasses().SelectMany(TestCasesOf).ToList();
        int running = 0, most = 0;
        var started = new List<(string Class, int Beside)>();
        var twoIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<RunSummary> Run(List<IXunitTestCase> tests)
        {
            string name = tests[0].TestMethod.TestClass.Class.Name;
            Assert.All(tests, t => Assert.Equal(name, t.TestMethod.TestClass.Class.Name));
            int now = Interlocked.Increment(ref running);
            lock (started) { started.Add((name, now - 1)); most = Math.Max(most, now); }
            if (now == 2) twoIn.TrySetResult();
            // Each paired class holds its lane until both lanes are busy (once): a single lane would wait here in vain.
            if (!LiveCollection.Alone.Contains(name)) await Task.WhenAny(twoIn.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            await Task.Yield();
            Interlocked.Decrement(ref running);
            return new RunSummary { Total = tests.Count };
        }

        var summary = await LivePhase.RunAsync(cases, Run, Task.CompletedTask, CancellationToken.None);

        Assert.Equal(cases.Count, summary.Total);
        Assert.Equal(LiveClasses().Select(t => t.FullName!).Order(), started.Select(s => s.Class).Order());
        Assert.Equal(LiveCollection.Alone, started.Take(LiveCollection.Alone.Length).Select(s => s.Class));
        Assert.All(started.Take(LiveCollection.Alone.Length), s => Assert.Equal(0, s.Beside));
        Assert.Equal(LivePhase.Lanes, most);
        Assert.Equal(LiveCollection.LongestFirst.Take(2), started.Skip(LiveCollection.Alone.Length).Take(2).Select(s => s.Class).Order(Comparer<string>.Create((a, b) =>
            Array.IndexOf(LiveCollection.LongestFirst, a).CompareTo(Array.IndexOf(LiveCollection.LongestFirst, b)))));
    }

    [Fact]
    public async Task The_second_lane_starts_when_its_gate_opens_and_not_before()
    {
        var cases = LiveClasses().SelectMany(TestCasesOf).ToList();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var twoIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int running = 0, paired = 0, mostAfterGate = 0;
        var besideBeforeGate = new List<int>();
        async Task<RunSummary> Run(List<IXunitTestCase> tests)
        {
            int now = Interlocked.Increment(ref running);
            if (!LiveCollection.Alone.Contains(tests[0].TestMethod.TestClass.Class.Name))
            {
                int k = Interlocked.Increment(ref paired);
                lock (besideBeforeGate)
                {
                    if (!gate.Task.IsCompleted) besideBeforeGate.Add(now - 1);
                    else mostAfterGate = Math.Max(mostAfterGate, now);
                }
                if (now == 2) twoIn.TrySetResult();
                // The first three paired classes take a while, so that a lane started too early would run beside them; the third opens the gate.
                if (k <= 3) await Task.Delay(50);
                if (k == 3) gate.TrySetResult();
                else if (k > 3) await Task.WhenAny(twoIn.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            }
            await Task.Yield();
            Interlocked.Decrement(ref running);
            return new RunSummary { Total = tests.Count };
        }

        var summary = await LivePhase.RunAsync(cases, Run, gate.Task, CancellationToken.None);

        Assert.Equal(cases.Count, summary.Total);
        Assert.Equal([0, 0, 0], besideBeforeGate);
        Assert.Equal(LivePhase.Lanes, mostAfterGate);
    }

    [Fact]
    public async Task A_gate_that_never_opens_leaves_the_classes_to_the_first_lane()
    {
        var cases = LiveClasses().SelectMany(TestCasesOf).ToList();
        int running = 0, most = 0;
        async Task<RunSummary> Run(List<IXunitTestCase> tests)
        {
            int now = Interlocked.Increment(ref running);
            lock (cases) most = Math.Max(most, now);
            await Task.Delay(5);
            Interlocked.Decrement(ref running);
            return new RunSummary { Total = tests.Count };
        }

        var summary = await LivePhase.RunAsync(cases, Run, new TaskCompletionSource().Task, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(cases.Count, summary.Total);
        Assert.Equal(1, most);
    }

    [Fact]
    public void Each_listed_class_is_a_live_class_listed_once()
    {
        var live = LiveClasses().Select(t => t.FullName!).ToHashSet();
        var listed = LiveCollection.Alone.Concat(LiveCollection.LongestFirst).ToList();
        Assert.Equal(listed.Count, listed.Distinct().Count());
        Assert.All(listed, name => Assert.True(live.Contains(name), $"{name} is not a class of the live collection"));
    }

    /// <summary>The classes of this assembly in the live collection, with tests.</summary>
    static List<Type> LiveClasses() =>
        typeof(LivePhaseTests).Assembly.GetTypes()
            .Where(t => t.GetCustomAttributesData().Any(a => a.AttributeType == typeof(CollectionAttribute) && (string?)a.ConstructorArguments[0].Value == LiveCollection.Name))
            .Where(t => TestMethods(t).Any()).ToList();

    static IEnumerable<MethodInfo> TestMethods(Type type) =>
        type.GetMethods().Where(m => m.GetCustomAttribute<FactAttribute>() is not null);

    static IEnumerable<IXunitTestCase> TestCasesOf(Type type)
    {
        var assembly = new TestAssembly(Reflector.Wrap(type.Assembly));
        var testClass = new TestClass(new TestCollection(assembly, null, LiveCollection.Name), Reflector.Wrap(type));
        return TestMethods(type).Select(m => (IXunitTestCase)new XunitTestCase(new NullMessageSink(), TestMethodDisplay.ClassAndMethod,
            TestMethodDisplayOptions.None, new TestMethod(testClass, Reflector.Wrap(m))));
    }
}
