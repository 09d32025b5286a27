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
            Description = "rtsp:// URLs, /dev/videoN webcams, other ffmpeg URLs (udp://, tcp://...?listen=1, srt://...?mode=listener and rtmp:// or http:// with ?listen=1 take what a sender pushes), video files, or - for a stream piped into standard input; NAME=SOURCE names a stream",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var webcam = new Option<int[]>("--webcam") { Description = "add the V4L2 webcam /dev/videoN (repeatable)", AllowMultipleArgumentsPerToken = true };
        webcam.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
                if (int.TryParse(token.Value, out int n) && n < 0) result.AddError($"--webcam takes a device number, 0 or more (got '{token.Value}')");
        });
        var duration = Durations.Option("--duration", "stop after this long", TimeSpan.Zero, defaultText: "until Ctrl-C or SIGTERM");
        var httpOptions = HttpOptionSet.Create("/metrics, /streams, live previews and the live page");
        var http = httpOptions.Address;
        var control = new Option<bool>("--control") { Description = "take streams added and removed while running (POST /streams with NAME=SOURCE, DELETE /streams/NAME; needs --http) and run until stopped even when every source has ended" };
        var json = new Option<bool>("--json") { Description = "print the final summary as JSON" };
        var soak = new Option<string?>("--resources") { Description = "sample memory, handles and threads every 5 s into this CSV (soak runs); the summary shows first, last and peak" };
        var live = LiveOptionSet.Create("stream", recordsStream: true);
        var recognition = SharedOptions.Recognition();
        var publish = SharedOptions.Publish();

        var command = new Command("monitor", "watch live streams (RTSP cameras, webcams, files) and write each face's emotion as it happens");
        command.Arguments.Add(sources);
        foreach (var o in new Option[] { ConfigFile.Option(), webcam, duration, soak, control, json, publish }.Concat(httpOptions.All).Concat(live.All).Concat(recognition.All))
            command.Options.Add(o);
        command.SetAction((r, token) => CommandRunner.RunAsync(async ct =>
        {
            SystemPackages.Require(ffmpeg: true, recognition.Detector.Read(r).CascadePath);
            var given = (r.GetValue(sources) ?? []).Concat((r.GetValue(webcam) ?? []).Select(n => $"webcam{n}=/dev/video{n}")).ToList();
            bool controlled = r.GetValue(control);
            if (controlled && r.GetValue(http) is null) throw new VideoAffectException("--control needs --http ADDRESS:PORT (streams are added and removed over HTTP)");
            var access = httpOptions.Access(r); // a bad credentials file or certificate before any camera starts
            if (given.Count == 0 && !controlled) throw new VideoAffectException("monitor needs at least one source (an rtsp:// URL, --webcam N, or a file), or --control to add them while it runs");
            // --records names a folder, or a stream every stream's records go to (standard output, a pipe).
            string? records = r.GetValue(live.Records);
            bool recordsStreamed = records is not null && Outputs.PipeOutput.IsStream(records);
            var options = new MonitorOptions
            {
                Sources = LiveSourceSpec.ParseAll(given),
                KeepRunning = controlled,
                RecordsDirectory = recordsStreamed ? null : records,
                RecordsStream = recordsStreamed ? records : null,
                RecordsFormat = r.GetValue(live.RecordsFormat)!.ToLowerInvariant(),
                RecordingDirectory = r.GetValue(live.Record),
                SegmentLength = r.GetValue(live.Segment),
                RecordingKeep = live.ReadKeep(r),
                RecordingMaxBytes = r.GetValue(live.RecordMaxSize),
                RestreamUrl = r.GetValue(live.Restream),
                RestreamBitrate = r.GetValue(live.RestreamBitrate),
                Crf = r.GetValue(live.Crf),
                KeepAudio = !r.GetValue(live.NoAudio),
                Duration = r.GetValue(duration).Value is { Ticks: > 0 } d ? d : null,
                ResourceInterval = r.GetValue(soak) is null ? null : TimeSpan.FromSeconds(5),
                ResourceReportPath = r.GetValue(soak),
                Source = live.ReadSource(r),
                QueueCapacity = r.GetValue(live.Queue),
                Recognition = recognition.Read(r),
            };
            // Standard input ('-'): one stream another program pipes in (a camera tool, an ffmpeg receiving what monitor cannot).
            if (options.Sources.Count(x => x.Kind == LiveSourceKind.StandardInput) > 1)
                throw new VideoAffectException("standard input ('-') can feed one stream; give it once");
            if (options.Sources.Any(x => x.Kind == LiveSourceKind.StandardInput) && !Console.IsInputRedirected)
                throw new VideoAffectException("'-' is a stream on standard input, which is a terminal; pipe one in (libcamera-vid -t 0 -o - | videoaffect monitor pi=-)");
            if (options.Sources.Any(x => x.Kind == LiveSourceKind.StandardInput) && StandardInput.CannotEnd())
                throw new VideoAffectException("'-' is a stream on standard input, which is closed; pipe one in (libcamera-vid -t 0 -o - | videoaffect monitor pi=-)");
            if (options.Sources.GroupBy(x => x.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw new VideoAffectException($"two streams are named '{twice.Key}'; give each its own name (NAME=SOURCE)");
            // A zone for a stream that is not there is a typo, unless streams may still be added (--control).
            if (!r.GetValue(control) && options.Recognition.Zones.FirstOrDefault(z => z.Stream is { } n && options.Sources.All(x => x.Name != n)) is { } stray)
                throw new VideoAffectException($"{Detection.FaceZone.OptionName(stray.Kind)} names stream '{stray.Stream}', which is not one of {string.Join(", ", options.Sources.Select(x => x.Name))}");
            options.Validate(); // before any output is claimed
            // Live outputs are written as they happen, but the same rules hold: never a source file, a
            // device or another output, and never two monitors on the same files. Each stream's records
            // are claimed on their own, so a stream removed while running (--control) releases them.
            var fileSources = options.Sources.Where(x => x.Kind == LiveSourceKind.File).Select(x => x.Location).ToList();
            using var outputs = new Outputs.OutputSet(fileSources);
            if (options.ResourceReportPath is { } resources) outputs.Add(resources, "resource report");
            Outputs.OutputFolder.Prepare(options.RecordsDirectory, "records folder");
            Outputs.OutputFolder.Prepare(options.RecordingDirectory, "recordings folder");
            outputs.Claim();
            var claims = new System.Collections.Concurrent.ConcurrentDictionary<string, Outputs.OutputSet>();
            Outputs.OutputSet ClaimStream(LiveSourceSpec spec)
            {
                var claim = new Outputs.OutputSet(spec.Kind == LiveSourceKind.File ? fileSources.Append(spec.Location) : fileSources);
                try
                {
                    if (options.RecordsPath(spec.Name) is { } path)
                    {
                        if (options.ResourceReportPath is { } report && Path.GetFullPath(report) == Path.GetFullPath(path))
                            throw new VideoAffectException($"records of {spec.Name} '{path}' is also the resource report; give each output its own path");
                        claim.Add(path, $"records of {spec.Name}");
                    }
                    claim.Claim();
                    return claims[spec.Name] = claim;
                }
                catch { claim.Dispose(); throw; }
            }
            try
            {
                foreach (var source in options.Sources) ClaimStream(source);
            }
            catch
            {
                foreach (var claim in claims.Values) claim.Dispose();
                throw;
            }
            await using var sinks = Service.SystemdSink.AddTo(Brokers.EventSinkFactory.Create(r.GetValue(publish) ?? [], live.ReadFaces(r, options.Recognition), live.ReadFacesKeep(r)));
            using var monitor = new LiveMonitor(options, Log, sinks);
            // A stream added while running gets the same checks as one given at the start.
            var streamControl = !controlled ? null : new StreamControl(
                Add: spec =>
                {
                    if (spec.Kind == LiveSourceKind.StandardInput)
                        throw new VideoAffectException("standard input ('-') can be a stream only on monitor's command line");
                    spec.CheckExists();
                    var claim = ClaimStream(spec);
                    try { monitor.AddStream(spec); }
                    catch { claims.TryRemove(spec.Name, out _); claim.Dispose(); throw; }
                },
                Remove: async name =>
                {
                    bool removed = await monitor.RemoveStreamAsync(name);
                    if (claims.TryRemove(name, out var claim)) claim.Dispose();
                    return removed;
                });
            await using var server = r.GetValue(http) is { } address ? await MonitorHttpServer.StartAsync(monitor, address, access, streamControl) : null;
            server?.Announce(Log);
            var summary = await monitor.RunAsync(ct);
            foreach (var claim in claims.Values) claim.Dispose();
            // With the records on standard output, the summary keeps out of their way, as analyze's does.
            var summaryWriter = options.RecordsStream is { } stream && (stream == "-" || Outputs.PipeOutput.IsStandardOutput(stream)) ? Console.Error : Console.Out;
            summaryWriter.WriteLine(r.GetValue(json) ? summary.ToJson() : summary.ToText());
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
