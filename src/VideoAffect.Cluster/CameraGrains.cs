using Orleans.Placement;
using Orleans.Runtime;

namespace VideoAffect.Cluster;

[GenerateSerializer]
public sealed class CameraList
{
    [Id(0)] public Dictionary<string, string> Sources { get; set; } = new();
}

/// <summary>The registry of cameras, persisted in the cluster's Redis so it outlives every node.</summary>
public sealed class CameraRegistryGrain([PersistentState("cameras", ClusterNode.Storage)] IPersistentState<CameraList> cameras) : Grain, ICameraRegistryGrain
{
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

    public Task<Dictionary<string, string>> List() => Task.FromResult(new Dictionary<string, string>(cameras.State.Sources));
}

/// <summary>
/// A camera, active on one node at a time (Orleans' single activation), placed where the fewest
/// grains are active: new cameras and those of a dead node spread over the living ones. A node at
/// its --max-streams refuses the camera, and the grain lets itself go so the next call places it again.
/// </summary>
[ActivationCountBasedPlacement]
public sealed class CameraGrain(NodeStreams node) : Grain, ICameraGrain
{
    string? _source;

    string Name => this.GetPrimaryKeyString();

    public async Task<string> EnsureRunning(string source)
    {
        if (_source == source && node.Watches(Name)) return node.Name;
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
        DeactivateOnIdle();
    }

    public Task<string?> Node() => Task.FromResult(_source is null ? null : node.Name);

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken token)
    {
        if (_source is not null) await node.StopAsync(Name);
    }
}
