using System.CommandLine;
using System.Globalization;
using VideoAffect.Cli.Http;
using VideoAffect.Live;

namespace VideoAffect.Cli.Commands;

/// <summary>`videoaffect monitor SRC [SRC...]`: live sources at once, with reconnects, records, recordings and an HTTP endpoint.</summary>
static class MonitorCommand
{
    public static Command Create()
    {
        var sources = new Argument<string[]>("sources")
        {
            Description = "rtsp:// URLs, /dev/videoN webcams, other ffmpeg URLs or video files; NAME=SOURCE names a stream",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var webcam = new Option<int[]>("--webcam") { Description = "add the V4L2 webcam /dev/videoN (repeatable)", AllowMultipleArgumentsPerToken = true };
        var records = new Option<string?>("--records") { Description = "write each stream's face records to DIR/NAME.jsonl (or .csv)" };
        var recordsFormat = new Option<string>("--records-format") { Description = "records files as jsonl or csv (the columns of analyze --events NAME.csv)", DefaultValueFactory = _ => "jsonl" };
        var record = new Option<string?>("--record") { Description = "record each stream's annotated video to DIR/NAME-TIME.mp4 segments" };
        var segment = Durations.Option("--segment-seconds", "length of recorded segments", TimeSpan.FromMinutes(5));
        var duration = Durations.Option("--duration", "stop after this long; default: until Ctrl-C / SIGTERM", TimeSpan.Zero);
        var http = new Option<string?>("--http") { Description = "serve /metrics, /streams and live previews on ADDRESS:PORT (e.g. 127.0.0.1:8080)" };
        var transport = new Option<string>("--rtsp-transport") { Description = "RTSP transport: tcp or udp", DefaultValueFactory = _ => "tcp" };
        var stall = Durations.Option("--stall-timeout", "time without a frame before a source is restarted", TimeSpan.FromSeconds(5));
        var reconnectMax = Durations.Option("--reconnect-max", "longest wait between reconnection attempts (starts at 0.5 s and doubles)", TimeSpan.FromSeconds(30));
        var loop = new Option<bool>("--loop") { Description = "play file sources in a loop (soak tests, demos)" };
        var queue = new Option<int>("--queue-capacity") { Description = "frames waiting per stream before detection (1: only the newest waits, for the lowest latency); beyond it the oldest is dropped", DefaultValueFactory = _ => 1 };
        var timeout = Durations.Option("--batch-timeout-ms", "longest a face waits for a fuller batch", TimeSpan.FromMilliseconds(20), bareMilliseconds: true);
        var json = new Option<bool>("--json") { Description = "print the final summary as JSON" };
        var soak = new Option<string?>("--resources") { Description = "sample memory, handles and threads every 5 s into this CSV (soak runs); the summary shows first, last and peak" };
        var backend = SharedOptions.Backend();
        var model = SharedOptions.Model();
        var modelImport = SharedOptions.ModelImport();
        var batch = SharedOptions.BatchSize();
        var margin = SharedOptions.CropMargin();
        var align = SharedOptions.Align();
        var detector = SharedOptions.Detector();
        var publish = SharedOptions.Publish();
        var tracking = SharedOptions.Tracking();

        var command = new Command("monitor", "watch live streams (RTSP cameras, webcams, files) and write each face's emotion as it happens");
        command.Arguments.Add(sources);
        foreach (var o in new Option[] { webcam, records, recordsFormat, record, segment, duration, soak, http, transport, stall, reconnectMax, loop, queue, timeout, json, backend, model, batch, margin, align, publish }.Concat(modelImport.All).Concat(tracking.All).Concat(detector.All))
            command.Options.Add(o);
        command.SetAction((r, token) => CommandRunner.RunAsync(async ct =>
        {
            SystemPackages.Require(ffmpeg: true, detector.Read(r).CascadePath);
            var given = (r.GetValue(sources) ?? []).Concat((r.GetValue(webcam) ?? []).Select(n => $"webcam{n}=/dev/video{n}")).ToList();
            if (given.Count == 0) throw new VideoAffectException("monitor needs at least one source (an rtsp:// URL, --webcam N, or a file)");
            var options = new MonitorOptions
            {
                Sources = LiveSourceSpec.ParseAll(given),
                RecordsDirectory = r.GetValue(records),
                RecordsFormat = r.GetValue(recordsFormat)!.ToLowerInvariant(),
                RecordingDirectory = r.GetValue(record),
                SegmentLength = r.GetValue(segment),
                Duration = r.GetValue(duration) is { Ticks: > 0 } d ? d : null,
                ResourceInterval = r.GetValue(soak) is null ? null : TimeSpan.FromSeconds(5),
                ResourceReportPath = r.GetValue(soak),
                Source = new LiveSourceOptions
                {
                    RtspTransport = r.GetValue(transport)!,
                    StallTimeout = r.GetValue(stall),
                    ReconnectMax = r.GetValue(reconnectMax),
                    LoopFiles = r.GetValue(loop),
                },
                QueueCapacity = r.GetValue(queue),
                BatchTimeout = r.GetValue(timeout),
                DetectEvery = r.GetValue(tracking.DetectEvery),
                ClassifyEvery = r.GetValue(tracking.ClassifyEvery),
                KeepTentative = r.GetValue(tracking.KeepTentative),
                Tracking = !r.GetValue(tracking.NoTracking),
                SmoothingAlpha = r.GetValue(tracking.Smoothing),
                Backend = r.GetValue(backend)!,
                ModelPath = r.GetValue(model),
                ModelImport = modelImport.Read(r),
                BatchSize = r.GetValue(batch),
                CropMargin = r.GetValue(margin),
                Align = r.GetValue(align),
                Detector = detector.Read(r),
                DetectorKind = detector.ReadKind(r),
            };
            if (options.Sources.GroupBy(x => x.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw new VideoAffectException($"two streams are named '{twice.Key}'; give each its own name (NAME=SOURCE)");
            options.Validate(); // before any output is claimed
            // Live outputs are written as they happen, but the same rules hold: never a source file, a
            // device or another output, and never two monitors on the same files.
            using var outputs = new Outputs.OutputSet(options.Sources.Where(x => x.Kind == LiveSourceKind.File).Select(x => x.Location));
            if (options.ResourceReportPath is { } resources) outputs.Add(resources, "resource report");
            if (options.RecordsDirectory is { } recordsDir)
            {
                Directory.CreateDirectory(recordsDir);
                foreach (var source in options.Sources) outputs.Add(options.RecordsPath(source.Name)!, $"records of {source.Name}");
            }
            outputs.Claim();
            await using var sinks = Brokers.EventSinkFactory.Create(r.GetValue(publish) ?? []);
            using var monitor = new LiveMonitor(options, Log, sinks);
            await using var server = r.GetValue(http) is { } address ? await MonitorHttpServer.StartAsync(monitor, address) : null;
            if (server is not null) Log($"serving http://{server.Address}/ (metrics, streams, previews)");
            if (server is { ReachableFromNetwork: true })
                Console.Error.WriteLine($"videoaffect: warning: http://{server.Address}/ is reachable from the network, without authentication: anyone who can connect sees the cameras' previews (use 127.0.0.1 to keep it local)");
            var summary = await monitor.RunAsync(ct);
            Console.WriteLine(r.GetValue(json) ? summary.ToJson() : summary.ToText());
            // Stopping by Ctrl-C or SIGTERM is how a monitor normally ends; a stream that failed, or
            // never delivered a frame, makes it a failure all the same (the other streams went on).
            var broken = summary.Streams.Where(s => s.State == "failed" || s.Frames == 0).Select(s => s.Name).ToList();
            if (broken.Count > 0) Console.Error.WriteLine($"videoaffect: error: {string.Join(", ", broken)}: failed or never delivered a frame");
            return summary.Status == "failed" || broken.Count > 0 ? 1 : 0;
        }, token));
        return command;
    }

    static void Log(string message) => Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {message}");
}
