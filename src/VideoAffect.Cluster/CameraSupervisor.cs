using Microsoft.Extensions.Hosting;

namespace VideoAffect.Cluster;

/// <summary>
/// Every few seconds, each node asks every registered camera, and every job not done, to be running. A camera already
/// running answers at once; one whose node died is activated again on a living node by that call
/// (Orleans reminders fire at most once a minute, too late for a camera). Calls from several
/// nodes are harmless: a camera has one activation.
/// </summary>
public sealed class CameraSupervisor(IGrainFactory grains, NodeStreams node, TimeSpan period) : BackgroundService
{
    DateTime _lastHandOver = DateTime.MinValue;

    /// <summary>
    /// When a node joins, the others hold more than their share: a node above ceil(cameras / nodes)
    /// lets one camera go every few seconds, and placement (fewest activations first) gives it to
    /// the lightest node.
    /// </summary>
    async Task SpreadAsync(int cameras, CancellationToken stop)
    {
        var hosts = await grains.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(10), stop);
        int share = (cameras + hosts.Count - 1) / Math.Max(1, hosts.Count);
        if (node.Count <= share || DateTime.UtcNow - _lastHandOver < TimeSpan.FromSeconds(5)) return;
        _lastHandOver = DateTime.UtcNow;
        await grains.GetGrain<ICameraGrain>(node.Cameras[^1]).Stop().WaitAsync(TimeSpan.FromSeconds(15), stop);
    }

    /// <summary>A full node, a node that just died: the next round retries.</summary>
    static async Task Call(Func<Task> call, CancellationToken stop)
    {
        try { await call().WaitAsync(TimeSpan.FromSeconds(15), stop); }
        catch (Exception) when (!stop.IsCancellationRequested) { }
    }

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var cameras = await grains.GetGrain<ICameraRegistryGrain>(ClusterNode.Registry).List().WaitAsync(TimeSpan.FromSeconds(10), stop);
                var jobs = await grains.GetGrain<IJobRegistryGrain>(ClusterNode.Jobs).List().WaitAsync(TimeSpan.FromSeconds(10), stop);
                var calls = cameras.Select(c => Call(() => grains.GetGrain<ICameraGrain>(c.Key).EnsureRunning(c.Value), stop))
                    .Concat(jobs.Where(j => j.Value.State is "pending" or "running")
                        .Select(j => Call(() => grains.GetGrain<IJobGrain>(j.Key).EnsureRunning(j.Value.Input, j.Value.OutputDirectory), stop)));
                await Task.WhenAll(calls);
                await SpreadAsync(cameras.Count, stop);
            }
            catch (Exception) when (!stop.IsCancellationRequested) { } // Redis or the cluster briefly away: retried
            try { await Task.Delay(period, stop); }
            catch (OperationCanceledException) { }
        }
    }
}
