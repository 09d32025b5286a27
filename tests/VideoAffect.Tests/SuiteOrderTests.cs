using System.Reflection;
using VideoAffect.Tests.Support;
using Xunit.Sdk;

namespace VideoAffect.Tests;

/// <summary>
/// The suite's order of its collections (<see cref="SuiteOrder"/>): the longest classes of the
/// parallel phase start first, longest first, then the rest in xunit's order; and the list names
/// classes that are there and run in that phase.
/// </summary>
public class SuiteOrderTests
{
    [Fact]
    public void The_longest_classes_start_first_and_the_rest_after_them()
    {
        var assembly = new TestAssembly(Reflector.Wrap(typeof(SuiteOrderTests).Assembly));
        TestCollection Of(string name) => new(assembly, null, name);
        // Given in the reverse order, with others between: xunit's own order (by the collections' ids) cannot give the list's by chance.
        var others = new[] { "VideoAffect.Tests.SpellingTests", "VideoAffect.Tests.TrackingTests", "VideoAffect.Tests.LayerTests" };
        var given = SuiteOrder.LongestFirst.Reverse().Zip(others.Concat(Enumerable.Repeat("", SuiteOrder.LongestFirst.Length)), (l, o) => new[] { l, o })
            .SelectMany(pair => pair).Where(n => n.Length > 0).Select(n => Of("Test collection for " + n)).ToList();
        var ordered = new SuiteOrder().OrderTestCollections(given).Select(SuiteOrder.ClassOf).ToList();
        Assert.Equal(SuiteOrder.LongestFirst, ordered.Take(SuiteOrder.LongestFirst.Length));
        Assert.Equal(others.Order(), ordered.Skip(SuiteOrder.LongestFirst.Length).Order());
    }

    [Fact]
    public void Each_listed_class_is_a_test_class_of_the_parallel_phase()
    {
        var types = typeof(SuiteOrderTests).Assembly.GetTypes().ToDictionary(t => t.FullName ?? t.Name);
        Assert.Equal(SuiteOrder.LongestFirst.Length, SuiteOrder.LongestFirst.Distinct().Count());
        foreach (string name in SuiteOrder.LongestFirst)
        {
            Assert.True(types.TryGetValue(name, out var type), $"{name} is not a class of the test assembly");
            Assert.True(type!.GetMethods().Any(m => m.GetCustomAttribute<FactAttribute>() is not null), $"{name} has no tests");
            // In a named collection it would not run in the parallel phase; with the idle-time trait, not in this process.
            Assert.Null(type.GetCustomAttribute<CollectionAttribute>());
            Assert.DoesNotContain(type.GetCustomAttributesData(), a => a.AttributeType == typeof(TraitAttribute)
                && a.ConstructorArguments.Count == 2 && (string?)a.ConstructorArguments[0].Value == IdleTimeClasses.Trait);
        }
    }
}
