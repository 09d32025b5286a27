using System.Reflection;

namespace VideoAffect.Tests.Architecture;

/// <summary>
/// The library's areas (its folders and namespaces) form layers: the engine side (network, model,
/// backends, detectors) takes pixels and tensors and knows nothing of frames travelling down a
/// pipeline, and no two areas use each other. Read from the compiled assemblies, so a new
/// dependency fails here whether it came by a using line, a qualified name or a lambda.
/// </summary>
public sealed class NamespaceCycleTests
{
    [Theory]
    [InlineData("VideoAffect.Core", "VideoAffect")]
    [InlineData("VideoAffect.Kernels", "VideoAffect.Kernels")]
    [InlineData("videoaffect", "VideoAffect.Cli")]
    [InlineData("VideoAffect.Brokers", "VideoAffect.Brokers")]
    [InlineData("VideoAffect.Cluster", "VideoAffect.Cluster")]
    public void No_two_areas_of_an_assembly_use_each_other(string assembly, string root)
    {
        var cycles = NamespaceGraph.Of(Assembly.Load(assembly), root).Cycles();
        Assert.True(cycles.Count == 0, $"areas that use each other in {assembly}: {string.Join(" | ", cycles)}");
    }

    /// <summary>The frame path's areas: what travels from a source to the sinks, and the runs that drive it.</summary>
    static readonly string[] FramePath = ["Media", "Pipeline", "Live", "Records", "Sinks", "Reports", "Outputs", "Tracking"];

    [Theory]
    [InlineData("Engine")]
    [InlineData("Model")]
    [InlineData("Training")]
    [InlineData("Inference")]
    [InlineData("Preprocessing")]
    [InlineData("Detection")]
    [InlineData("Classification")]
    public void The_engine_side_knows_nothing_of_the_frame_path(string area)
    {
        var graph = NamespaceGraph.Of(typeof(FaceBox).Assembly, "VideoAffect");
        Assert.True(graph.Edges.ContainsKey(area), $"{area} uses no other area: the graph did not read it");
        var reached = Reachable(graph, area);
        var offending = FramePath.Where(reached.ContainsKey).Select(a => $"{a} via {reached[a]}").ToList();
        Assert.True(offending.Count == 0, $"{area} reaches the frame path: {string.Join("; ", offending)}");
    }

    /// <summary>Every area reachable from <paramref name="start"/>, each with the first use that reaches it.</summary>
    static Dictionary<string, string> Reachable(NamespaceGraph graph, string start)
    {
        var found = new Dictionary<string, string>();
        var queue = new Queue<string>([start]);
        while (queue.Count > 0)
        {
            var from = queue.Dequeue();
            if (!graph.Edges.TryGetValue(from, out var targets)) continue;
            foreach (var (to, why) in targets)
                if (to != start && found.TryAdd(to, why)) queue.Enqueue(to);
        }
        return found;
    }

    // The reader itself, on a fixture with one cycle that only method bodies make.

    [Fact]
    public void A_cycle_made_only_inside_method_bodies_is_found()
    {
        var graph = NamespaceGraph.Of(typeof(NamespaceCycleTests).Assembly, "VideoAffect.Tests.Architecture.Fixture");
        var cycle = Assert.Single(graph.Cycles());
        Assert.Contains("Alpha -> Beta", cycle);
        Assert.Contains("Beta -> Alpha", cycle);
        Assert.DoesNotContain("Gamma", cycle);
        // Gamma uses Alpha only from a lambda (a nested compiler-made type) and is not in the cycle.
        Assert.Contains("Alpha", graph.Edges["Gamma"].Keys);
        Assert.Equal("Alpha", graph.AreaOf(typeof(Fixture.Alpha.Caller)));
        Assert.Null(graph.AreaOf(typeof(string)));
    }
}
