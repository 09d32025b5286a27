using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace VideoAffect.Cluster;

/// <summary>
/// Every few seconds, reports this node's cameras to the registry and acts on the <see cref="CameraPlan"/>
/// its answer gives: starts the cameras that fall to this node (a dead node's among them: Orleans
/// reminders fire at most once a minute, too late for a camera), hands one over when this node holds
/// too many, stops those no longer registered. Two nodes that briefly disagree cannot both watch a
/// camera: it has one activation.
/// </summary>
/// <remarks>A round that fails is retried the next round; the first failure of a series, and the
/// round that works again, are logged (a node that cannot place its cameras says why).</remarks>
public sealed class CameraSupervisor(IGrainFactory grains, ILocalSiloDetails silo, NodeStreams node, ClusterMetrics metrics, TimeSpan period, Action<string>? log = null) : BackgroundService
{
    /// <summary>Rounds to wait after a hand-over, so the next one is decided on fresh reports.</summary>
    const int HandOverRest = 3;
    int _rest;
    int _failedRounds;

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(stop);
                if (_failedRounds > 0) log?.Invoke($"{node.Name}: camera rounds work again (after {_failedRounds} failed)");
                _failedRounds = 0;
            }
            catch (Exception e) when (!stop.IsCancellationRequested) // Redis or the registry's node briefly away: the next round retries
            {
                if (_failedRounds++ == 0) log?.Invoke($"{node.Name}: a camera round failed ({e.GetType().Name}: {e.Message.Split('\n')[0]}); retrying every {period.TotalSeconds:0.#} s");
            }
            try { await Task.Delay(period, stop); }
            catch (OperationCanceledException) { }
        }
    }

    async Task RoundAsync(CancellationToken stop)
    {
        var report = new NodeReport { Name = node.Name, Silo = Membership.Key(silo.SiloAddress), MaxStreams = node.MaxStreams, Cameras = [.. node.Cameras] };
        var view = await grains.GetGrain<ICameraRegistryGrain>(ClusterNode.Registry).Report(report).WaitAsync(TimeSpan.FromSeconds(10), stop);
        metrics.Update(view);
        var plan = CameraPlan.For(view, report.Silo);
        var calls = plan.Stop.Select(c => Call(() => grains.GetGrain<ICameraGrain>(c).Stop(), stop, c))
            .Concat(plan.Start.Select(c => Call(async () =>
            {
                PlannedNodePlacement.Choose(report.Silo); // scoped to this call's async flow
                await grains.GetGrain<ICameraGrain>(c).EnsureRunning(view.Sources[c]);
            }, stop, c)));
        await Task.WhenAll(calls);
        if (_rest > 0) _rest--;
        else if (plan.HandOver is { } camera)
        {
            _rest = HandOverRest;
            await Call(() => grains.GetGrain<ICameraGrain>(camera).Stop(), stop, camera);
        }
    }

    /// <summary>A full node, a node that just died: the next round retries (the first failure of a camera's series is logged).</summary>
    async Task Call(Func<Task> call, CancellationToken stop, string camera)
    {
        try
        {
            await call().WaitAsync(TimeSpan.FromSeconds(15), stop);
            _failedCalls.TryRemove(camera, out _);
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            if (_failedCalls.TryAdd(camera, 0))
                log?.Invoke($"{node.Name}: {camera}: {e.GetType().Name}: {e.Message.Split('\n')[0]}; the next round tries again");
        }
    }

    readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _failedCalls = new();
}
