using System.CommandLine;
using System.Net;
using VideoAffect.Cli.Http;
using VideoAffect.Cluster;
using VideoAffect.Live;

namespace VideoAffect.Cli.Commands;

/// <summary>`videoaffect node --cluster redis://HOST:PORT`: one node of a cluster, watching the cameras placed on it.</summary>
static class NodeCommand
{
    public static Command Create()
    {
        var cluster = new Option<string>("--cluster") { Description = "the cluster's Redis (membership, the camera registry): redis://[:PASSWORD@]HOST[:PORT], or rediss://...[?ca=FILE] over TLS", Required = true };
        var name = new Option<string?>("--name") { Description = "this node's name in `cluster status` (default: node-SILOPORT)" };
        var address = new Option<string>("--address") { Description = "the address other nodes reach this one on", DefaultValueFactory = _ => "127.0.0.1" };
        var siloPort = new Option<int>("--silo-port") { Description = "port for the other nodes (0: a free one)", DefaultValueFactory = _ => 0 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "port for `cluster` clients (0: a free one)", DefaultValueFactory = _ => 0 };
        var maxStreams = new Option<int>("--max-streams") { Description = "most cameras this node watches at once", DefaultValueFactory = _ => 16 };
        var maxJobs = new Option<int>("--max-jobs") { Description = "most submitted videos this node analyses at once", DefaultValueFactory = _ => 1 };
        var httpOptions = HttpOptionSet.Create("/metrics, /streams and previews of this node's cameras");
        var http = httpOptions.Address;
        var live = LiveOptionSet.Create("camera");
        var recognition = SharedOptions.Recognition();
        var publish = SharedOptions.Publish();

        var command = new Command("node", "run one node of a cluster: cameras (`cluster add`) and recorded videos (`cluster submit`) are spread over the nodes and move when one dies");
        foreach (var o in new Option[] { ConfigFile.Option(), cluster, name, address, siloPort, gatewayPort, maxStreams, maxJobs, publish }.Concat(httpOptions.All).Concat(live.All).Concat(recognition.All)) command.Options.Add(o);
        command.SetAction((r, token) => CommandRunner.RunAsync(async ct =>
        {
            // One recognition for the node's cameras and for the videos it analyses as jobs; checked
            // here so that a bad value is refused before the node joins the cluster.
            var settings = recognition.Read(r);
            settings.Validate();
            var access = httpOptions.Access(r);
            SystemPackages.Require(ffmpeg: true, settings.Detector.CascadePath);
            var where = ClusterAddress.Parse(r.GetValue(cluster)!);
            if (!IPAddress.TryParse(r.GetValue(address), out var ip)) throw new VideoAffectException($"--address '{r.GetValue(address)}' is not an IP address");
            if (r.GetValue(maxStreams) < 1) throw new VideoAffectException("--max-streams must be at least 1");
            if (r.GetValue(maxJobs) < 0) throw new VideoAffectException("--max-jobs must be 0 or more");
            foreach (var port in new[] { siloPort, gatewayPort })
                if (r.GetValue(port) is < 0 or > 65535) throw new VideoAffectException($"{port.Name} must be a port number, 1 to 65535 (or 0: a free one)");
            int silo = r.GetValue(siloPort) is > 0 and var s ? s : ClusterNode.FreePort();
            int gateway = r.GetValue(gatewayPort) is > 0 and var g ? g : ClusterNode.FreePort();
            var node = new NodeOptions(where, r.GetValue(name) ?? $"node-{silo}", ip, silo, gateway, r.GetValue(maxStreams), r.GetValue(maxJobs), settings);
            var options = new MonitorOptions
            {
                Sources = [],
                KeepRunning = true,
                RecordsDirectory = r.GetValue(live.Records),
                RecordsFormat = r.GetValue(live.RecordsFormat)!.ToLowerInvariant(),
                RecordingDirectory = r.GetValue(live.Record),
                SegmentLength = r.GetValue(live.Segment),
                RecordingKeep = live.ReadKeep(r),
                RecordingMaxBytes = r.GetValue(live.RecordMaxSize),
                RestreamUrl = r.GetValue(live.Restream),
                RestreamBitrate = r.GetValue(live.RestreamBitrate),
                Crf = r.GetValue(live.Crf),
                KeepAudio = !r.GetValue(live.NoAudio),
                QueueCapacity = r.GetValue(live.Queue),
                Source = live.ReadSource(r),
                Recognition = settings,
            };
            options.Validate(); // a bad --records-format or --rtsp-transport before the node joins the cluster
            // A wrong address is one line at once, before the monitor starts and says anything.
            try { await where.CheckAnswersAsync(ct); }
            catch (VideoAffectException e) { throw new VideoAffectException($"cannot join the cluster at {where}: {e.Message}"); }
            await using var sinks = Service.SystemdSink.AddTo(Brokers.EventSinkFactory.Create(r.GetValue(publish) ?? [], live.ReadFaces(r, options.Recognition), live.ReadFacesKeep(r)));
            using var monitor = new LiveMonitor(options, Log, sinks);
            await using var server = r.GetValue(http) is { } at ? await MonitorHttpServer.StartAsync(monitor, at, access) : null;
            server?.Announce(Log);
            // The monitor outlives the silo: cameras leaving on the way out still close their records.
            using var monitorStop = new CancellationTokenSource();
            var watching = monitor.RunAsync(monitorStop.Token);
            try
            {
                await ClusterNode.RunAsync(node, monitor, Log, ct);
            }
            finally
            {
                monitorStop.Cancel();
                var summary = await watching;
                Log($"node {node.Name} stopped: {summary.Status}");
            }
            return 0;
        }, token));
        return command;
    }

    static void Log(string message) => Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {message}");
}
