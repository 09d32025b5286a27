using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace VideoAffect.Cluster;

/// <summary>
/// Says, once, when the cluster's Redis stops answering and when it answers again. Meanwhile the
/// node's cameras and jobs go on (they need Redis only to change membership or state); Orleans
/// and the supervisor retry by themselves, so nothing else has to happen when it returns.
/// </summary>
public sealed class RedisWatch(ClusterAddress cluster, Action<string> log, TimeSpan period) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.Redis());
        bool reachable = true;
        while (!stop.IsCancellationRequested)
        {
            string? problem = null;
            try { await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), stop); }
            catch (Exception e) when (!stop.IsCancellationRequested) { problem = e is TimeoutException ? "no answer" : e.Message.Split('\n')[0]; }
            if (problem is not null && reachable) log($"videoaffect: warning: lost the cluster's Redis at {cluster} ({problem}); cameras and jobs go on here, the cluster waits for it");
            if (problem is null && !reachable) log($"the cluster's Redis at {cluster} answers again");
            reachable = problem is null;
            try { await Task.Delay(period, stop); }
            catch (OperationCanceledException) { }
        }
    }
}
