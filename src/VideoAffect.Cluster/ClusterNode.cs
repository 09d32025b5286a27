using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.GrainDirectory;
using VideoAffect.Live;

namespace VideoAffect.Cluster;

/// <summary>What `videoaffect node` is told besides its monitor's settings.</summary>
public sealed record NodeOptions(ClusterAddress Cluster, string Name, IPAddress Address, int SiloPort, int GatewayPort, int MaxStreams, int MaxJobs, RecognitionOptions Recognition);

/// <summary>
/// One node: an Orleans silo in the cluster whose membership lives in Redis, hosting camera grains
/// that run their cameras on this node's monitor. Failure detection is tuned for cameras: a node
/// that stops answering probes for about two seconds is declared dead by one vote, and its cameras
/// start again elsewhere within the supervisor's next rounds (about 10 s measured here).
/// </summary>
public static class ClusterNode
{
    public const string ClusterId = "videoaffect", Storage = "cluster", Registry = "cameras", Jobs = "jobs";
    /// <summary>Where camera grains register (Redis): a node's death moves its own cameras and no others.</summary>
    public const string CameraDirectory = "camera-directory";

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs the silo until <paramref name="stop"/>; its cameras are handed back to the cluster on the way out.</summary>
    public static async Task RunAsync(NodeOptions options, LiveMonitor monitor, Action<string> log, CancellationToken stop)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        using var metrics = new ClusterMetrics();
        var streams = new NodeStreams(monitor, options.Name, options.MaxStreams, log);
        builder.Services.AddSingleton(streams);
        var round = TimeSpan.FromSeconds(2);
        builder.Services.AddHostedService(services => new CameraSupervisor(services.GetRequiredService<IGrainFactory>(), services.GetRequiredService<ILocalSiloDetails>(), streams, metrics, round, log));
        var jobs = new JobSettings(options.Name, options.MaxJobs, options.Recognition);
        builder.Services.AddHostedService(services => new JobRunner(services.GetRequiredService<IGrainFactory>(), services.GetRequiredService<ILocalSiloDetails>(), jobs, log, round));
        builder.Services.AddHostedService(_ => new RedisWatch(options.Cluster, log, TimeSpan.FromSeconds(1)));
        builder.UseOrleans(silo =>
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = options.Cluster.Redis());
            silo.AddRedisGrainStorage(Storage, o => o.ConfigurationOptions = options.Cluster.Redis());
            silo.AddRedisGrainDirectory(CameraDirectory, o => o.ConfigurationOptions = options.Cluster.Redis());
            silo.Services.AddSingleton<IGrainDirectoryCache, UncachedDirectory>(); // the Redis directory's cache only (see there)
            silo.AddPlacementDirector<PlannedNodePlacement, PlannedNodeDirector>();
            silo.Configure<ClusterOptions>(o => { o.ClusterId = ClusterId; o.ServiceId = ClusterId; });
            silo.Configure<SiloOptions>(o => o.SiloName = options.Name);
            silo.ConfigureEndpoints(options.Address, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
                // A node learns of a join from the joiner's gossip; one that misses it (seen once in
                // the cluster test, right after Redis came back) waited for the next read of the
                // membership table, 60 s by default, and only then handed the newcomer its cameras.
                // Reading it every 5 s costs one Redis read per node.
                o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            });
        });
        using var host = builder.Build();
        try
        {
            await host.StartAsync(stop);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new VideoAffectException($"cannot join the cluster at {options.Cluster}: {Reason(e)}");
        }
        log($"node {options.Name} joined the cluster at {options.Cluster} (silo {options.Address}:{options.SiloPort}, gateway {options.GatewayPort})");
        try { await Task.Delay(Timeout.Infinite, stop); }
        catch (OperationCanceledException) { }
        // Graceful: the cameras deactivate here (their streams end, records closed) and start elsewhere.
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await host.StopAsync(limit.Token);
    }

    internal static string Reason(Exception e)
    {
        var root = e;
        while (root.InnerException is not null && root is AggregateException or System.Reflection.TargetInvocationException) root = root.InnerException;
        if (root is StackExchange.Redis.RedisConnectionException || root.GetType().Name.Contains("Redis")) return "Redis did not answer (is redis-server running there?)";
        return root.Message.Split('\n')[0];
    }
}
