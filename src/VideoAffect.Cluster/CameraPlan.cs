namespace VideoAffect.Cluster;

/// <summary>
/// What one node does with the cameras after a round's report, decided from the registry's view
/// alone, so that every node reaches the same answer without talking to the others:
/// <list type="bullet">
/// <item>cameras no living node watches (new ones, a dead node's) go one by one to the node with the
/// fewest cameras and room under its --max-streams (ties by name); this node starts those that fall
/// to it (a node yet to report is dealt its share too, and starts it when it reports);</item>
/// <item>a node holding two or more cameras more than the lightest node with room hands one over (its
/// latest), which the next round places on that lighter node: cameras spread out when a node joins
/// (decided only when every living node has reported, so that a node yet to report is not taken for empty);</item>
/// <item>cameras it watches that are no longer registered are stopped.</item>
/// </list>
/// </summary>
public sealed record CameraPlan(IReadOnlyList<string> Start, string? HandOver, IReadOnlyList<string> Stop)
{
    public static CameraPlan For(ClusterView view, string silo)
    {
        var me = view.Nodes.FirstOrDefault(n => n.Silo == silo);
        if (me is null) return new CameraPlan([], null, []); // not a member in the registry's eyes yet
        var load = view.Nodes.ToDictionary(n => n.Silo, n => n.Cameras.Count(view.Sources.ContainsKey));
        var placed = view.Nodes.SelectMany(n => n.Cameras).ToHashSet();

        var start = new List<string>();
        foreach (var camera in view.Sources.Keys.Where(c => !placed.Contains(c)).Order(StringComparer.Ordinal))
        {
            var target = Lightest(view.Nodes, load, except: null);
            if (target is null) break; // every node is full: the camera waits
            load[target.Silo]++;
            if (target.Silo == silo) start.Add(camera);
        }

        string? handOver = null;
        var lighter = Lightest(view.Nodes, load, except: silo);
        var mine = me.Cameras.Where(view.Sources.ContainsKey).ToList();
        // Only on a complete view: after the registry has moved, nodes that have not reported yet look empty.
        bool complete = view.Nodes.All(n => n.MaxStreams > 0);
        if (complete && start.Count == 0 && lighter is not null && load[silo] - load[lighter.Silo] >= 2 && mine.Count > 0) handOver = mine[^1];

        return new CameraPlan(start, handOver, me.Cameras.Where(c => !view.Sources.ContainsKey(c)).ToList());
    }

    /// <summary>
    /// A node that has not reported yet (the registry just moved, or the node just joined) counts as
    /// empty and unbounded: it is dealt its share, which it starts once it reports, rather than
    /// the first node to report taking every camera.
    /// </summary>
    static NodeReport? Lightest(IEnumerable<NodeReport> nodes, Dictionary<string, int> load, string? except) =>
        nodes.Where(n => n.Silo != except && load[n.Silo] < (n.MaxStreams > 0 ? n.MaxStreams : int.MaxValue))
            .OrderBy(n => load[n.Silo]).ThenBy(n => n.Name, StringComparer.Ordinal).ThenBy(n => n.Silo, StringComparer.Ordinal)
            .FirstOrDefault();
}
