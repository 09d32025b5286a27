using System.Reflection;
using VideoAffect.Tests.Live;
using VideoAffect.Tests.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace VideoAffect.Tests;

/// <summary>
/// The live phase (<see cref="LivePhase"/>) on this assembly's own live classes, each class's run
/// stood in for by one that notes what ran beside it: the classes that must be alone ran first
/// with nothing beside them, the others in two lanes, longest first, each class once and whole.
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

        var summary = await LivePhase.RunAsync(cases, Run, CancellationToken.None);

        Assert.Equal(cases.Count, summary.Total);
        Assert.Equal(LiveClasses().Select(t => t.FullName!).Order(), started.Select(s => s.Class).Order());
        Assert.Equal(LiveCollection.Alone, started.Take(LiveCollection.Alone.Length).Select(s => s.Class));
        Assert.All(started.Take(LiveCollection.Alone.Length), s => Assert.Equal(0, s.Beside));
        Assert.Equal(LivePhase.Lanes, most);
        Assert.Equal(LiveCollection.LongestFirst.Take(2), started.Skip(LiveCollection.Alone.Length).Take(2).Select(s => s.Class).Order(Comparer<string>.Create((a, b) =>
            Array.IndexOf(LiveCollection.LongestFirst, a).CompareTo(Array.IndexOf(LiveCollection.LongestFirst, b)))));
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
