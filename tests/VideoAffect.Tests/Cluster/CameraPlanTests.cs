using VideoAffect.Cluster;

namespace VideoAffect.Tests.Cluster;

/// <summary>
/// The placement rule every node applies to the registry's view: checked here by running every
/// node's plan over the same view and applying them all, as the cluster does round after round.
/// </summary>
public class CameraPlanTests
{
    static NodeReport Node(string name, int max, params string[] cameras) => new() { Name = name, Silo = "silo-" + name, MaxStreams = max, Cameras = [.. cameras] };

    static ClusterView View(IEnumerable<string> cameras, params NodeReport[] nodes) =>
        new() { Sources = cameras.ToDictionary(c => c, c => $"rtsp://cameras/{c}"), Nodes = [.. nodes] };

    /// <summary>One round: every node plans on the same view, then all plans take effect.</summary>
    static void Round(ClusterView view)
    {
        var plans = view.Nodes.ToDictionary(n => n.Silo, n => CameraPlan.For(view, n.Silo));
        foreach (var node in view.Nodes)
        {
            var plan = plans[node.Silo];
            node.Cameras.RemoveAll(c => plan.Stop.Contains(c) || c == plan.HandOver);
            node.Cameras.AddRange(plan.Start);
        }
    }

    static Dictionary<string, int> Loads(ClusterView view) => view.Nodes.ToDictionary(n => n.Name, n => n.Cameras.Count);

    [Fact]
    public void New_cameras_are_dealt_to_the_lightest_nodes_and_each_is_started_by_one_node_only()
    {
        var view = View(Enumerable.Range(1, 7).Select(i => $"cam{i}"), Node("a", 16, "old"), Node("b", 16), Node("c", 16));
        view.Sources["old"] = "rtsp://cameras/old";
        var starts = view.Nodes.SelectMany(n => CameraPlan.For(view, n.Silo).Start).ToList();
        Assert.Equal(7, starts.Count);
        Assert.Equal(7, starts.Distinct().Count());
        Round(view);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 3, ["b"] = 3, ["c"] = 2 }, Loads(view));
    }

    [Fact]
    public void A_dead_nodes_cameras_go_to_the_survivors_within_their_max_streams_and_the_rest_wait()
    {
        // Node c died: membership dropped it from the view; its six cameras are unplaced.
        var view = View(Enumerable.Range(1, 10).Select(i => $"cam{i}"), Node("a", 4, "cam1", "cam2"), Node("b", 5, "cam3", "cam4"));
        Round(view);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 4, ["b"] = 5 }, Loads(view));
        Assert.Single(view.Sources.Keys, c => !view.Nodes.Any(n => n.Cameras.Contains(c)));
        Assert.All(view.Nodes, n => Assert.Empty(CameraPlan.For(view, n.Silo).Start));
    }

    [Fact]
    public void A_joining_node_receives_cameras_until_the_loads_differ_by_at_most_one()
    {
        var view = View(Enumerable.Range(1, 9).Select(i => $"cam{i}"),
            Node("a", 16, "cam1", "cam2", "cam3", "cam4", "cam5"), Node("b", 16, "cam6", "cam7", "cam8", "cam9"), Node("c", 16));
        for (int round = 0; round < 10; round++) Round(view);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 3, ["b"] = 3, ["c"] = 3 }, Loads(view));
        // Balanced: nobody hands over any more.
        Assert.All(view.Nodes, n => Assert.Null(CameraPlan.For(view, n.Silo).HandOver));
        Assert.Equal(9, view.Nodes.SelectMany(n => n.Cameras).Distinct().Count());
    }

    [Fact]
    public void A_node_yet_to_report_is_dealt_its_share_causes_no_hand_over_and_a_removed_camera_is_stopped()
    {
        // The registry has just moved: only a has reported since; b and c count as empty.
        var view = View(["cam1", "cam2", "cam3", "cam4", "cam5"], Node("a", 16, "cam1", "cam3", "gone"), Node("b", 0), Node("c", 0));
        var a = CameraPlan.For(view, "silo-a");
        Assert.Equal(["gone"], a.Stop);
        Assert.Empty(a.Start); // cam2, cam4 and cam5 are dealt to b and c, the lighter
        Assert.Null(a.HandOver);
        Assert.Empty(CameraPlan.For(view, "silo-unknown").Start);
        view.Nodes[1].MaxStreams = 16; // b reports (c not yet): b starts what was dealt to it
        Assert.Equal(["cam2", "cam5"], CameraPlan.For(view, "silo-b").Start);
        view.Nodes[2].MaxStreams = 16;
        view.Nodes[0].Cameras.AddRange(["cam2", "cam4", "cam5"]); // a took them all after all: with every node reported, it hands one over
        Assert.Equal("cam5", CameraPlan.For(view, "silo-a").HandOver);
    }
}
