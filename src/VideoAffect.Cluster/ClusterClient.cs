using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;

namespace VideoAffect.Cluster;

/// <summary>What `cluster status` shows: the living nodes, and each camera with the node watching it.</summary>
public sealed record ClusterStatus(IReadOnlyList<string> Nodes, IReadOnlyList<(string Camera, string Source, string? Node)> Cameras, IReadOnlyDictionary<string, JobInfo> Jobs);

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
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = cluster.Redis());
            client.Configure<ClusterOptions>(o => { o.ClusterId = ClusterNode.ClusterId; o.ServiceId = ClusterNode.ClusterId; });
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

    public async Task AddAsync(string name, string source)
    {
        await Registry.Add(name, source);
        // Started at once rather than at a supervisor's next round.
        try { await _client.GetGrain<ICameraGrain>(name).EnsureRunning(source).WaitAsync(TimeSpan.FromSeconds(15)); }
        catch (Exception) { } // a full node: the supervisors place it
    }

    public async Task<bool> RemoveAsync(string name)
    {
        bool known = await Registry.Remove(name);
        await _client.GetGrain<ICameraGrain>(name).Stop();
        return known;
    }

    public Task<string> SubmitAsync(string input, string outputDirectory) => _client.GetGrain<IJobRegistryGrain>(ClusterNode.Jobs).Submit(input, outputDirectory);

    public Task<Dictionary<string, JobInfo>> JobsAsync() => _client.GetGrain<IJobRegistryGrain>(ClusterNode.Jobs).List();

    public async Task<ClusterStatus> StatusAsync()
    {
        var hosts = await _client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true);
        var cameras = await Registry.List();
        var placed = new List<(string, string, string?)>();
        foreach (var (name, source) in cameras.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            string? node = null;
            try { node = await _client.GetGrain<ICameraGrain>(name).Node().WaitAsync(TimeSpan.FromSeconds(5)); }
            catch (Exception) { }
            placed.Add((name, source, node));
        }
        var jobs = await _client.GetGrain<IJobRegistryGrain>(ClusterNode.Jobs).List();
        return new ClusterStatus(hosts.Select(h => h.SiloName).Order(StringComparer.Ordinal).ToList(), placed, jobs);
    }

    public async ValueTask DisposeAsync()
    {
        try { await _host.StopAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
        _host.Dispose();
    }
}
