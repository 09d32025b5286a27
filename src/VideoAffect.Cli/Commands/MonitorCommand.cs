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
        var records = new Option<string?>("--records") { Description = "write each stream's face records to DIR/NAME.jsonl" };
        var record = new Option<string?>("--record") { Description = "record each stream's annotated video to DIR/NAME-TIME.mp4 segments" };
        var segment = new Option<double>("--segment-seconds") { Description = "length of recorded segments", DefaultValueFactory = _ => 300 };
        var duration = new Option<string?>("--duration") { Description = "stop after this long (e.g. 90s, 10m, 2h); default: until Ctrl-C / SIGTERM" };
        var http = new Option<string?>("--http") { Description = "serve /metrics, /streams and live previews on ADDRESS:PORT (e.g. 127.0.0.1:8080)" };
        var transport = new Option<string>("--rtsp-transport") { Description = "RTSP transport: tcp or udp", DefaultValueFactory = _ => "tcp" };
        var stall = new Option<double>("--stall-timeout") { Description = "seconds without a frame before a source is restarted", DefaultValueFactory = _ => 5 };
        var reconnectMax = new Option<double>("--reconnect-max") { Description = "longest wait between reconnection attempts, seconds (starts at 0.5 and doubles)", DefaultValueFactory = _ => 30 };
        var loop = new Option<bool>("--loop") { Description = "play file sources in a loop (soak tests, demos)" };
        var queue = new Option<int>("--queue-capacity") { Description = "frames waiting per stream before detection; beyond it the oldest is dropped", DefaultValueFactory = _ => 4 };
        var timeout = new Option<int>("--batch-timeout-ms") { Description = "longest a face waits for a fuller batch", DefaultValueFactory = _ => 20 };
        var detectEvery = new Option<int>("--detect-every") { Description = "run the detector on every Nth frame of a stream", DefaultValueFactory = _ => 1 };
        var classifyEvery = new Option<int>("--classify-every") { Description = "classify a tracked face on every Kth frame", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "print the final summary as JSON" };
        var soak = new Option<string?>("--resources") { Description = "sample memory, handles and threads every 5 s into this CSV (soak runs); the summary shows first, last and peak" };
        var backend = SharedOptions.Backend();
        var model = SharedOptions.Model();
        var batch = SharedOptions.BatchSize();
        var margin = SharedOptions.CropMargin();
        var detector = SharedOptions.Detector();

        var command = new Command("monitor", "watch live streams (RTSP cameras, webcams, files) and write each face's emotion as it happens");
        command.Arguments.Add(sources);
        foreach (var o in new Option[] { webcam, records, record, segment, duration, soak, http, transport, stall, reconnectMax, loop, queue, timeout, detectEvery, classifyEvery, json, backend, model, batch, margin }.Concat(detector.All))
            command.Options.Add(o);
        command.SetAction((r, token) => CommandRunner.RunAsync(async ct =>
        {
            var given = (r.GetValue(sources) ?? []).Concat((r.GetValue(webcam) ?? []).Select(n => $"webcam{n}=/dev/video{n}")).ToList();
            if (given.Count == 0) throw new VideoAffectException("monitor needs at least one source (an rtsp:// URL, --webcam N, or a file)");
            var options = new MonitorOptions
            {
                Sources = given.Select(LiveSourceSpec.Parse).ToList(),
                RecordsDirectory = r.GetValue(records),
                RecordingDirectory = r.GetValue(record),
                SegmentLength = TimeSpan.FromSeconds(r.GetValue(segment)),
                Duration = r.GetValue(duration) is { } d ? ParseDuration(d) : null,
                ResourceInterval = r.GetValue(soak) is null ? null : TimeSpan.FromSeconds(5),
                ResourceReportPath = r.GetValue(soak),
                Source = new LiveSourceOptions
                {
                    RtspTransport = r.GetValue(transport)!,
                    StallTimeout = TimeSpan.FromSeconds(r.GetValue(stall)),
                    ReconnectMax = TimeSpan.FromSeconds(r.GetValue(reconnectMax)),
                    LoopFiles = r.GetValue(loop),
                },
                QueueCapacity = r.GetValue(queue),
                BatchTimeout = TimeSpan.FromMilliseconds(r.GetValue(timeout)),
                DetectEvery = r.GetValue(detectEvery),
                ClassifyEvery = r.GetValue(classifyEvery),
                Backend = r.GetValue(backend)!,
                ModelPath = r.GetValue(model),
                BatchSize = r.GetValue(batch),
                CropMargin = r.GetValue(margin),
                Detector = detector.Read(r),
                DetectorKind = detector.ReadKind(r),
            };
            using var monitor = new LiveMonitor(options, Log);
            await using var server = r.GetValue(http) is { } address ? await MonitorHttpServer.StartAsync(monitor, address) : null;
            if (server is not null) Log($"serving http://{server.Address}/ (metrics, streams, previews)");
            var summary = await monitor.RunAsync(ct);
            Console.WriteLine(r.GetValue(json) ? summary.ToJson() : summary.ToText());
            // Stopping by Ctrl-C or SIGTERM is how a monitor normally ends.
            return summary.Status == "failed" ? 1 : 0;
        }, token));
        return command;
    }

    static void Log(string message) => Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {message}");

    /// <summary>90, 90s, 10m, 2h, or a TimeSpan (00:10:00).</summary>
    public static TimeSpan ParseDuration(string text)
    {
        text = text.Trim();
        double Number(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0
            ? v : throw new VideoAffectException($"--duration '{text}' is not a duration (use e.g. 90s, 10m or 2h)");
        if (text.EndsWith("ms")) return TimeSpan.FromMilliseconds(Number(text[..^2]));
        if (text.EndsWith('s')) return TimeSpan.FromSeconds(Number(text[..^1]));
        if (text.EndsWith('m')) return TimeSpan.FromMinutes(Number(text[..^1]));
        if (text.EndsWith('h')) return TimeSpan.FromHours(Number(text[..^1]));
        if (text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero) return span;
        return TimeSpan.FromSeconds(Number(text));
    }
}
