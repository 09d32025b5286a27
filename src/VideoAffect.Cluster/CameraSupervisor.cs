using Microsoft.Extensions.Hosting;

namespace VideoAffect.Cluster;

/// <summary>
/// Every few seconds, each node asks every registered camera, and every job not done, to be running. A camera already
/// running answers at once; one whose node died is activated again on a living node by that call
/// (Orleans reminders fire at most once a minute, too late for a camera). Calls from several
/// nodes are harmless: a camera has one activation.
/// </summary>
public sealed class CameraSupervisor(IGrainFactory grains, TimeSpan period) : BackgroundService
{
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
            }
            catch (Exception) when (!stop.IsCancellationRequested) { } // Redis or the cluster briefly away: retried
            try { await Task.Delay(period, stop); }
            catch (OperationCanceledException) { }
        }
    }
}
