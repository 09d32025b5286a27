using Orleans.GrainDirectory;
using Orleans.Runtime;

namespace VideoAffect.Cluster;

[GenerateSerializer]
public sealed class CameraList
{
    [Id(0)] public Dictionary<string, string> Sources { get; set; } = new();
}

/// <summary>
/// The registry of cameras, persisted in the cluster's Redis so it outlives every node, and the
/// nodes' latest reports, kept in memory: when the registry moves to another node, the reports of
/// the next round rebuild them.
/// </summary>
public sealed class CameraRegistryGrain(
    [PersistentState("cameras", ClusterNode.Storage)] IPersistentState<CameraList> cameras,
    IClusterMembershipService membership) : Grain, ICameraRegistryGrain
{
    readonly Dictionary<string, NodeReport> _reports = new();

    public async Task Add(string name, string source)
    {
        cameras.State.Sources[name] = source;
        await cameras.WriteStateAsync();
    }

    public async Task<bool> Remove(string name)
    {
        if (!cameras.State.Sources.Remove(name)) return false;
        await cameras.WriteStateAsync();
        return true;
    }

    public Task<ClusterView> Report(NodeReport node)
    {
        _reports[node.Silo] = node;
        return View();
    }

    public Task<ClusterView> View()
    {
        var living = Membership.Living(membership);
        foreach (var gone in _reports.Keys.Where(k => !living.ContainsKey(k)).ToList()) _reports.Remove(gone);
        var nodes = living
            .Select(m => _reports.TryGetValue(m.Key, out var r) ? r : new NodeReport { Name = m.Value, Silo = m.Key })
            .OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
        return Task.FromResult(new ClusterView { Sources = new(cameras.State.Sources), Nodes = nodes });
    }
}

/// <summary>
/// A camera, active on the node the supervisors' <see cref="CameraPlan"/> chose (which that node's
/// own call names) and kept active until it is stopped, whatever the time between calls. It registers in Redis (not in the nodes' in-memory directory), so a dead
/// node's share of the directory takes no living camera with it. A node at its --max-streams
/// refuses it, and the grain lets itself go.
/// </summary>
[PlannedNodePlacement]
[KeepAlive]
[GrainDirectory(GrainDirectoryName = ClusterNode.CameraDirectory)]
public sealed class CameraGrain(NodeStreams node, ILocalSiloDetails silo) : Grain, ICameraGrain
{
    string? _source;

    string Name => this.GetPrimaryKeyString();

    public async Task<string> EnsureRunning(string source)
    {
        if (_source == source && node.Watches(Name)) return node.Name;
        // A call meant to start the camera on another node that reached a fresh activation here (a
        // directory entry or a forwarded message from its hand-over) must not take it back: refused,
        // so that the planned node's next call places it there.
        if (_source is null && RequestContext.Get(PlannedNodePlacement.NodeKey) is string chosen && chosen != Membership.Key(silo.SiloAddress))
        {
            DeactivateOnIdle();
            throw new InvalidOperationException($"{Name} was planned for another node than {node.Name}");
        }
        if (_source is not null) await node.StopAsync(Name);
        _source = null;
        try { node.Start(Name, source); }
        catch (Exception e) when (e is InvalidOperationException or VideoAffectException)
        {
            DeactivateOnIdle();
            throw new InvalidOperationException(e.Message);
        }
        _source = source;
        return node.Name;
    }

    public async Task Stop()
    {
        if (_source is not null) await node.StopAsync(Name);
        _source = null;
        if (StoppedLinger > TimeSpan.Zero) this.RegisterGrainTimer(() => { DeactivateOnIdle(); return Task.CompletedTask; }, StoppedLinger, Timeout.InfiniteTimeSpan);
        else DeactivateOnIdle();
    }

    /// <summary>
    /// For the cluster test only: how long a stopped camera's activation stays registered in the
    /// directory, as it may on a loaded node, so that the test meets a hand-over's race every time
    /// (<see cref="UncachedDirectory"/>). Zero, letting go at once, unless the variable says otherwise.
    /// </summary>
    static readonly TimeSpan StoppedLinger = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("VIDEOAFFECT_TEST_STOPPED_CAMERA_LINGER_S"), out int s) ? s : 0);

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken token)
    {
        if (_source is null) return;
        node.Log($"{Name}: leaves node {node.Name} ({reason.ReasonCode}: {reason.Description})");
        await node.StopAsync(Name);
    }
}
