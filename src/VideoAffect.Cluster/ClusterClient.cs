using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace VideoAffect.Cluster;

/// <summary>What `cluster status` shows: the living nodes, each camera with the node watching it (as the nodes last reported), and the jobs.</summary>
public sealed record ClusterStatus(IReadOnlyList<NodeLoad> Nodes, IReadOnlyList<(string Camera, string Source, string? Node)> Cameras, IReadOnlyDictionary<string, JobInfo> Jobs);

/// <summary>A living node and its load: cameras watched (of its --max-streams; 0 until it reports) and jobs running.</summary>
public sealed record NodeLoad(string Name, int Cameras, int MaxStreams, int JobsRunning);

/// <summary>`videoaffect cluster ...`: a client of the cluster through the same Redis.</summary>
public sealed class ClusterClient : IAsyncDisposable
{
    readonly IHost _host;
    readonly IClusterClient _client;

    ClusterClient(IHost host)
    {
        _host = host;
        _client = host.Services.GetRequiredService<IClusterClient>();
    }

    public static async Task<ClusterClient> ConnectAsync(ClusterAddress cluster, CancellationToken token)
    {
        try { await cluster.CheckAnswersAsync(token); }
        catch (VideoAffectException e) { throw new VideoAffectException($"cannot reach the cluster at {cluster}: {e.Message}"); }
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = cluster.Redis());
            client.Configure<ClusterOptions>(o => { o.ClusterId = ClusterNode.ClusterId; o.ServiceId = ClusterNode.ClusterId; });
            // A call caught by a node's death is retried (below) after 10 s rather than Orleans' 30.
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        });
        var host = builder.Build();
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
            limit.CancelAfter(TimeSpan.FromSeconds(20)); // a gateway of a node that just died can hold a client up for several seconds
            await host.StartAsync(limit.Token);
        }
        catch (Exception e)
        {
            host.Dispose();
            throw new VideoAffectException($"cannot reach the cluster at {cluster}: {(e is OperationCanceledException ? "no node answered" : ClusterNode.Reason(e))}");
        }
        return new ClusterClient(host);
    }

    ICameraRegistryGrain Registry => _client.GetGrain<ICameraRegistryGrain>(ClusterNode.Registry);

    /// <summary>Registers a camera; the nodes' next round (within about 2 s) places it on the lightest node.</summary>
    public Task AddAsync(string name, string source) => Retried(async () => { await Registry.Add(name, source); return true; });

    public async Task<bool> RemoveAsync(string name)
    {
        bool known = await Retried(() => Registry.Remove(name));
        await Retried(async () => { await _client.GetGrain<ICameraGrain>(name).Stop(); return true; });
        return known;
    }

    public Task<string> SubmitAsync(string input, string outputDirectory, JobOptions? options = null)
    {
        string token = Guid.NewGuid().ToString("N"); // the same for every retry of this submission
        return Retried(() => _client.GetGrain<IJobRegistryGrain>(ClusterNode.Jobs).Submit(token, input, outputDirectory, options));
    }

    public Task<Dictionary<string, JobInfo>> JobsAsync() => Retried(() => _client.GetGrain<IJobRegistryGrain>(ClusterNode.Jobs).List());

    /// <summary>
    /// A call that meets the gateway of a node that has just died, or a grain on it, is retried for
    /// up to 60 s while the cluster settles (every call here may be repeated: submissions carry a
    /// token); then it is one clear line.
    /// </summary>
    static async Task<T> Retried<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try { return await call(); }
            catch (Exception e) when (e is OrleansMessageRejectionException or SiloUnavailableException or TimeoutException or ConnectionFailedException)
            {
                if (DateTime.UtcNow > deadline) throw new VideoAffectException($"the cluster stopped answering: {e.Message.Split('\n')[0]}");
                await Task.Delay(1000);
            }
        }
    }

    public Task<ClusterStatus> StatusAsync() => Retried(ReadStatusAsync);

    async Task<ClusterStatus> ReadStatusAsync()
    {
        var view = await Registry.View();
        var placed = view.Sources.OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => (c.Key, c.Value, view.Nodes.FirstOrDefault(n => n.Cameras.Contains(c.Key))?.Name)).ToList();
        var jobs = await _client.GetGrain<IJobRegistryGrain>(ClusterNode.Jobs).List();
        var nodes = view.Nodes.Select(n => new NodeLoad(n.Name, n.Cameras.Count(view.Sources.ContainsKey), n.MaxStreams,
            jobs.Values.Count(j => j.State == "running" && j.Silo == n.Silo))).ToList();
        return new ClusterStatus(nodes, placed, jobs);
    }

    public async ValueTask DisposeAsync()
    {
        try { await _host.StopAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
        _host.Dispose();
    }
}
