using System.Reflection;
using System.Text.RegularExpressions;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// The classes left to the suite's idle time (<see cref="IdleTimeClasses"/>) ran there, in a test
/// process of their own, and left test.sh their results. Their tests' own results are in that file,
/// read and reported by test.sh; this test waits for the process, so that the main run does not end
/// before it.
/// </summary>
[Collection(IdleTimeCollection.Name)]
public class IdleTimeClassesTests
{
    [SkippableFact]
    public async Task The_idle_time_classes_ran_in_a_test_process_of_their_own_and_left_their_results()
    {
        Skip.If(IdleTimeClasses.ResultsFolder is null, "the idle-time classes run in this process (test.sh runs them in a test process of their own, in the suite's idle time)");
        await IdleTime.Run(IdleTimeClasses.RunThemInAChildTestProcess);
        // A filter that matched nothing runs nothing and says so only in the counters.
        string counters = Regex.Match(File.ReadAllText(Path.Combine(IdleTimeClasses.ResultsFolder!, "results.trx")), "<Counters [^>]*>").Value;
        Assert.Matches(" executed=\"[1-9][0-9]*\"", counters);
    }

    /// <summary>Every class given the trait, by reflection.</summary>
    static List<Type> IdleTimeClassTypes() =>
        typeof(IdleTimeClassesTests).Assembly.GetTypes()
            .Where(t => t.CustomAttributes.Any(a => a.AttributeType == typeof(TraitAttribute) &&
                a.ConstructorArguments.Select(c => c.Value).SequenceEqual([IdleTimeClasses.Trait, IdleTimeClasses.Value])))
            .ToList();

    /// <summary>
    /// The rules that keep a class fit for a nice-19 process beside the others: none of the helpers
    /// that wait on wall time for their verdict (a running CLI signalled after a wait, Chromium's 4-second
    /// page budget, a stopwatch), no collection of the suite's own (those must run in the main process,
    /// in their phase), and test.sh leaves the same trait out of the main run.
    /// </summary>
    [Fact]
    public void The_idle_time_classes_wait_on_no_clock_and_test_sh_leaves_them_out_of_the_main_run()
    {
        var classes = IdleTimeClassTypes();
        Assert.True(classes.Count >= 10, $"{classes.Count} classes with the trait");
        string[] sources = Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "tests", "VideoAffect.Tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")).ToArray();
        foreach (var type in classes)
        {
            Assert.Null(type.GetCustomAttribute<CollectionAttribute>());
            string file = Assert.Single(sources, f => Regex.IsMatch(File.ReadAllText(f), $@"\bclass {type.Name}\b"));
            string text = File.ReadAllText(file);
            foreach (string clock in new[] { "RunningCli", "HeadlessChromium", "Stopwatch", "Task.Delay", "Thread.Sleep" })
                Assert.False(text.Contains(clock), $"{type.Name} ({Path.GetFileName(file)}) uses {clock}: it waits on wall time, so it belongs in the main run");
        }
        string testScript = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "test.sh"));
        Assert.Contains($"--filter \"{IdleTimeClasses.Trait}!={IdleTimeClasses.Value}\"", testScript);
        Assert.Contains("VIDEOAFFECT_IDLE_TIME_RESULTS=", testScript);
    }
}
