using System.CommandLine;
using VideoAffect.Brokers.Files;
using VideoAffect.Pipeline;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// `videoaffect analyze VIDEO...`: annotated video + per-face JSON lines + run summary, for each
/// input in turn (<see cref="AnalyzeOutputs"/> says where each writes). With several inputs a
/// failed one is reported and the next goes on; the exit code then says whether all completed.
/// </summary>
static class AnalyzeCommand
{
    public static Command Create()
    {
        var input = new Argument<string[]>("inputs") { Description = "video files (or http(s)/ftp URLs, or folders: the video files in each) to analyse, one after the other", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--output", "-o") { Description = "annotated video to write: .mp4, .mov or .mkv (Matroska) with H.264, .webm with VP9; or a folder for each input's NAME.annotated.mp4 (default: INPUT.annotated.mp4 beside the input; see --video-format)" };
        var videoFormat = new Option<string?>("--video-format") { Description = "container of the annotated videos named NAME.annotated.EXT, in -o's folder or beside each input: mp4, mov, mkv (H.264) or webm (VP9) (default: mp4)" };
        var events = new Option<string?>("--events") { Description = "per-face records to write: JSON lines (.jsonl, .ndjson, .json), or CSV for a .csv path (another extension is refused), or a folder; - (or /dev/stdout) writes JSON lines to standard output as frames are done, and the summary to stderr; an existing named pipe or terminal (a FIFO, bash's >(...), /dev/stderr) gets JSON lines written into it (default: OUTPUT with .jsonl)" };
        var summary = new Option<string?>("--summary") { Description = "run summary JSON to write, or a folder (default: OUTPUT with .summary.json)" };
        var report = new Option<string?>("--report") { Description = "per-run report: emotions over time per track and label shares (.html, .svg or .png), or a folder for each input's NAME.annotated.html" };
        var captions = new Option<string?>("--captions") { Description = "each track's emotion as WebVTT captions (.vtt) for a player to show over the annotated video or the source itself, or a folder for each input's NAME.annotated.vtt" };
        var json = new Option<bool>("--json") { Description = "print the run summary as JSON (with several inputs, one line per input)" };
        var queue = new Option<int>("--queue-capacity") { Description = "frames each inter-stage queue holds", DefaultValueFactory = _ => 8 };
        var frameRate = new Option<double?>("--frame-rate") { Description = "frames per second of an image sequence given as a pattern (frames/img%05d.png; default 25)" };
        var videoStream = new Option<int?>("--video-stream") { Description = "the video stream to analyse, by ffprobe's stream index (default: the stream marked default, else the first)" };
        var noAudio = new Option<bool>("--no-audio") { Description = "do not copy the input's audio tracks" };
        var preset = new Option<string>("--encoder-preset") { Description = "x264 preset of the annotated video (libvpx speed for .webm): ultrafast ... veryslow (faster presets: bigger files)", DefaultValueFactory = _ => Media.AnnotatedVideoEncoder.DefaultPreset };
        var crf = new Option<int?>("--crf") { Description = "the annotated video's constant rate factor, lower is better and larger: x264's 0 (lossless) to 51, default 20; for .webm libvpx's 0 to 63, default 31" };
        var detectWorkers = new Option<int>("--detect-workers") { Description = "frames detected at once, one single-threaded cascade each (default: one per core)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var start = Durations.Option("--start", "analyse from this far into each video, as a player counts (records keep the source's times; the annotated video starts at 0)", TimeSpan.Zero, defaultText: "0");
        var end = Durations.Option("--end", "analyse up to this far into each video", TimeSpan.Zero, defaultText: "the end");
        var recordedAt = new Option<string?>("--recorded-at") { Description = "when the recording started, so that each record gets its wall-clock time (utc): 'file' (each video's creation_time) or a date and time, e.g. 2026-12-04T08:00:00+01:00 (without an offset: local time)" };
        var recognition = SharedOptions.Recognition();
        var publish = SharedOptions.Publish();
        var faces = new Option<string?>("--faces") { Description = "write each track's face (its most confident) to FOLDER/NAME.faces/HHMMSS.mmm_TRACK_LABEL.jpg, named by the track's start in the video, with the track's description beside it (.json); FOLDER is a folder that exists; each video's faces folder is put in place (replacing an earlier run's) only when its run completes" };

        var command = new Command("analyze", "annotate videos with each face's emotion and write per-face records");
        command.Arguments.Add(input);
        foreach (var o in new Option[] { preset, crf, output, videoFormat, events, summary, report, captions, json, videoStream, frameRate, start, end, recordedAt, queue, noAudio, detectWorkers, publish, faces }.Concat(recognition.All))
            command.Options.Add(o);
        command.SetAction((r, token) => CommandRunner.RunAsync(async ct =>
        {
            SystemPackages.Require(ffmpeg: true, recognition.Detector.Read(r).CascadePath);
            var given = r.GetValue(input)!;
            // A piped video is kept in a file (it is opened more than once), read only once the
            // options and outputs are checked: a mistyped option does not swallow the stream.
            using var kept = StandardInput.IsAmong(given, StandardInput.Video) ? new StandardInput.Kept() : null;
            var inputs = AnalyzeOutputs.Expand(given.Select(p => StandardInput.Names(p) ? kept!.Path : p));
            var plan = AnalyzeOutputs.Plan(inputs, r.GetValue(output), r.GetValue(events), r.GetValue(summary), r.GetValue(report), r.GetValue(faces), kept?.Path, r.GetValue(captions), r.GetValue(videoFormat));
            var runs = plan.Select(p => new AnalyzeOptions
            {
                InputPath = p.Input,
                InputName = p.Input == kept?.Path ? "-" : null,
                OutputPath = p.Video,
                EventsPath = p.Events,
                SummaryPath = p.Summary,
                ReportPath = p.Report,
                CaptionsPath = p.Captions,
                Recognition = recognition.Read(r),
                VideoStream = r.GetValue(videoStream),
                SequenceFrameRate = r.GetValue(frameRate),
                // Given or not, not "0" or "the end": --end 0 is refused as an end before the start.
                Start = r.GetResult(start) is { Implicit: false } ? r.GetValue(start) : null,
                End = r.GetResult(end) is { Implicit: false } ? r.GetValue(end) : null,
                RecordedAt = r.GetValue(recordedAt),
                QueueCapacity = r.GetValue(queue),
                KeepAudio = !r.GetValue(noAudio),
                EncoderPreset = r.GetValue(preset)!,
                Crf = r.GetValue(crf),
                DetectWorkers = r.GetValue(detectWorkers),
            }).ToList();
            var facesPaths = plan.Select(p => p.Faces).ToList();
            if (runs[0].Recognition.Zones.FirstOrDefault(z => z.Stream is not null) is { } named)
                throw new VideoAffectException($"{Detection.FaceZone.OptionName(named.Kind)}: analyze takes zones without a stream name (got '{named.Stream}=...'); names are for monitor's streams");
            runs[0].Validate(); // a bad setting is the same for every input: say so once, before any run
            if (runs.Count > 1 && runs[0].RecordedAt is { } at && RecordingStart.Parse(at) is not null)
                throw new VideoAffectException($"--recorded-at {at} is one video's start, and {runs.Count} videos are given; analyze them one at a time, or give --recorded-at file to read each one's own creation_time");
            // Sinks are made for one run (a run ends by draining and closing them): one set per input.
            var publishTo = r.GetValue(publish) ?? [];
            Sinks.EventSinks NewSinks() => Brokers.EventSinkFactory.Create(publishTo);
            await using (NewSinks()) { } // a bad URL is refused once, before any run (nothing connects until a run starts)
            if (kept is not null)
            {
                foreach (var run in runs) run.CheckOutputNames(); // a report or records name we cannot write, before the stream is read
                // Analysed once it is whole: a long download piped in says how far it has come.
                static string Size(long bytes) => bytes >= 1_000_000 ? $"{bytes / 1e6:0.0} MB" : $"{bytes / 1e3:0.0} kB";
                await kept.ReadAsync(StandardInput.Video, ct, bytes => AnalyzeProgress.Log($"reading standard input: {Size(bytes)} so far"));
                AnalyzeProgress.Log($"read {Size(new FileInfo(kept.Path).Length)} from standard input");
            }
            return runs.Count == 1
                ? await AnalyzeOneAsync(runs[0], facesPaths[0], NewSinks, r.GetValue(json), ct)
                : await AnalyzeEachAsync(runs, facesPaths, NewSinks, r.GetValue(json), ct);
        }, token));
        return command;
    }

    static async Task<int> AnalyzeOneAsync(AnalyzeOptions options, string? facesPath, Func<Sinks.EventSinks> newSinks, bool json, CancellationToken ct)
    {
        AnalysisSummary result;
        string? faces;
        try
        {
            (result, faces) = await RunAsync(options, facesPath, newSinks, ct);
        }
        catch (VideoAffectException e) when (options.InputName is { } name && e.Message.Contains(options.InputPath, StringComparison.Ordinal) && !Outputs.StandardOutput.Closed(e))
        {
            // A piped video's messages call it '-', not the file it was kept in.
            throw new VideoAffectException(e.Message.Replace(options.InputPath, name), e);
        }
        // With the records on standard output (--events -), the summary keeps out of their way.
        var summaryWriter = options.EventsPath == "-" || Outputs.PipeOutput.IsStandardOutput(options.EventsPath) ? Console.Error : Console.Out;
        summaryWriter.WriteLine(json ? result.ToJson() : result.ToText());
        if (faces is not null) AnalyzeProgress.Log($"faces: {faces}");
        return result.Complete ? 0 : CommandRunner.Cancelled;
    }

    /// <summary>One input's run with its sinks, and its faces folder when --faces asks for one (<see cref="VideoFacesFolder"/>).</summary>
    static Task<(AnalysisSummary Result, string? Faces)> RunAsync(AnalyzeOptions options, string? facesPath, Func<Sinks.EventSinks> newSinks, CancellationToken ct) =>
        VideoFacesFolder.AnalyzeAsync(options, facesPath, newSinks, analyzer => AnalyzeProgress.WatchAsync(analyzer, analyzer.RunAsync(ct)), AnalyzeProgress.Log);

    /// <summary>
    /// Several inputs, one after the other, each a run of its own (its outputs claimed, written and
    /// committed as one input's are). A failed input gets its error line and the next goes on;
    /// Ctrl-C stops the current run (its outputs kept under their .partial names) and starts no other.
    /// </summary>
    static async Task<int> AnalyzeEachAsync(IReadOnlyList<AnalyzeOptions> runs, IReadOnlyList<string?> facesPaths, Func<Sinks.EventSinks> newSinks, bool json, CancellationToken ct)
    {
        var failed = new List<string>();
        int done = 0;
        for (int i = 0; i < runs.Count; i++)
        {
            var options = runs[i];
            string shown = options.InputName ?? options.InputPath;
            AnalyzeProgress.Log($"[{done + failed.Count + 1}/{runs.Count}] {shown}");
            AnalysisSummary result;
            string? faces;
            try
            {
                (result, faces) = await RunAsync(options, facesPaths[i], newSinks, ct);
            }
            catch (VideoAffectException e) when (!ct.IsCancellationRequested && !Outputs.StandardOutput.Closed(e)) // nobody reads the next input's records either
            {
                string line = e.Message.Split('\n')[0];
                // Most messages name the input already; the others get it in front.
                line = line.Contains(options.InputPath, StringComparison.Ordinal) ? line.Replace(options.InputPath, shown) : $"{shown}: {line}";
                Console.Error.WriteLine($"videoaffect: error: {line}");
                failed.Add(shown);
                if (json) Console.WriteLine(e is AnalysisFailedException f ? OneLine(f.Summary.ToJson()) : FailedJson(shown, e.Message.Replace(options.InputPath, shown)));
                continue;
            }
            Console.WriteLine(json ? OneLine(result.ToJson()) : result.ToText());
            if (faces is not null) AnalyzeProgress.Log($"faces: {faces}");
            if (!result.Complete)
            {
                int notStarted = runs.Count - done - failed.Count - 1;
                Console.Error.WriteLine($"videoaffect: cancelled during '{shown}'{(notStarted > 0 ? $"; {notStarted} input(s) not started" : "")}");
                return CommandRunner.Cancelled;
            }
            done++;
        }
        Console.Error.WriteLine(failed.Count == 0
            ? $"videoaffect: all {runs.Count} inputs analysed"
            : $"videoaffect: {done} of {runs.Count} inputs analysed; failed: {string.Join(", ", failed)}");
        return failed.Count == 0 ? 0 : CommandRunner.BadInput;
    }

    /// <summary>A summary as one JSON line, so that several inputs' summaries can be read line by line.</summary>
    static string OneLine(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return System.Text.Json.JsonSerializer.Serialize(document.RootElement, Readable);
    }

    static string FailedJson(string input, string error) =>
        System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["input"] = input, ["status"] = "failed", ["error"] = error.Split('\n')[0] }, Readable);

    /// <summary>Quotes and non-ASCII letters as they are, so that a path with an apostrophe stays readable.</summary>
    static readonly System.Text.Json.JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
