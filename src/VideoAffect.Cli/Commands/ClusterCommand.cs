using System.CommandLine;
using System.Text.Json;
using VideoAffect.Cluster;
using VideoAffect.Live;
using VideoAffect.Pipeline;

namespace VideoAffect.Cli.Commands;

/// <summary>`videoaffect cluster add|remove|submit|status --cluster redis://HOST:PORT`: the cluster's cameras, from any machine that reaches its Redis.</summary>
static class ClusterCommand
{
    public static Command Create()
    {
        var command = new Command("cluster", "register cameras with a cluster of nodes and see where each runs");
        var add = new Command("add", "register cameras (NAME=SOURCE); each runs on one node, and on another when that node dies");
        var sources = new Argument<string[]>("cameras") { Description = "NAME=SOURCE: rtsp:// URLs, other ffmpeg URLs or video files the nodes can reach", Arity = ArgumentArity.OneOrMore };
        add.Arguments.Add(sources);
        var remove = new Command("remove", "stop watching a camera and forget it");
        var name = new Argument<string>("name");
        remove.Arguments.Add(name);
        var submit = new Command("submit", "analyse recorded videos on the cluster's nodes: OUTPUT/NAME.annotated.mp4 (or --video-format's) with its .jsonl (or .csv) records and .summary.json (and .html report, .faces folder) each, written once a run completes");
        var files = new Argument<string[]>("videos") { Description = "video files (or folders: the video files in each) every node can read at the same path", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "folder for the outputs, shared by the nodes", Required = true };
        var wait = new Option<bool>("--wait") { Description = "wait until every submitted video is done or failed (exit code 1 if one failed)" };
        // Per job, as analyze takes them; how faces are found and classified is each node's.
        var start = Durations.Option("--start", "analyse from this far into each video, as a player counts", TimeSpan.Zero, defaultText: "0");
        var end = Durations.Option("--end", "analyse up to this far into each video", TimeSpan.Zero, defaultText: "the end");
        var recordedAt = new Option<string?>("--recorded-at") { Description = "when the recording started, so that each record gets its wall-clock time (utc): 'file' (each video's creation_time) or a date and time (one video only)" };
        var recordsFormat = new Option<string>("--records-format") { Description = "records as jsonl (NAME.annotated.jsonl) or csv (NAME.annotated.csv)", DefaultValueFactory = _ => "jsonl" };
        var report = new Option<bool>("--report") { Description = "an HTML report for each video (NAME.annotated.html)" };
        var noVideo = new Option<bool>("--no-video") { Description = "write no annotated video: records and summary (and report) only" };
        var videoFormat = new Option<string?>("--video-format") { Description = "container of the annotated videos (OUTPUT/NAME.annotated.EXT): mp4, mov, mkv (H.264) or webm (VP9) (default: mp4)" };
        var faces = new Option<bool>("--faces") { Description = "each track's face (its most confident) with its description in OUTPUT/NAME.annotated.faces/HHMMSS.mmm_TRACK_LABEL.jpg and .json, named by the track's start in the video; put in place only when its run completes" };
        submit.Arguments.Add(files);
        var crf = new Option<int?>("--crf") { Description = "the annotated videos' constant rate factor, lower is better and larger: x264's 0 to 51 (20 by default), libvpx's 0 to 63 for webm (31)" };
        foreach (var o in new Option[] { output, wait, start, end, recordedAt, recordsFormat, report, noVideo, videoFormat, crf, faces }) submit.Options.Add(o);
        var status = new Command("status", "the living nodes, which node watches each camera, and each job's state");
        var json = new Option<bool>("--json") { Description = "print the status as JSON" };
        status.Options.Add(json);
        foreach (var sub in new[] { add, remove, submit, status })
        {
            sub.Options.Add(Address());
            command.Subcommands.Add(sub);
        }

        add.SetAction((r, token) => WithClient(r, add, token, async client =>
        {
            foreach (var spec in Specs(r.GetValue(sources) ?? []))
            {
                await client.AddAsync(spec.Name, spec.Location);
                Console.WriteLine($"{spec.Name}: registered");
            }
            return 0;
        }, check: () => Specs(r.GetValue(sources) ?? [])));
        remove.SetAction((r, token) => WithClient(r, remove, token, async client =>
        {
            if (await client.RemoveAsync(r.GetValue(name)!)) { Console.WriteLine($"{r.GetValue(name)}: removed"); return 0; }
            Console.Error.WriteLine($"videoaffect: error: no camera named '{r.GetValue(name)}' is registered");
            return CommandRunner.BadInput;
        }));
        submit.SetAction((r, token) => CommandRunner.RunAsync(async ct =>
        {
            // Everything is checked before the cluster hears of any of it, as `analyze` checks a batch.
            string format = r.GetValue(recordsFormat)!.ToLowerInvariant();
            if (format is not ("jsonl" or "csv")) throw new VideoAffectException($"--records-format '{r.GetValue(recordsFormat)}': give jsonl or csv");
            // The name the nodes write the video under, as analyze names it; "mp4" is the default's own name.
            string? container = r.GetValue(videoFormat) is { } given ? Media.VideoContainer.ExtensionOf(given)[1..] : null;
            if (container is not null && r.GetValue(noVideo)) throw new VideoAffectException("--video-format names the annotated video's container, and --no-video asks for none; give one of them");
            if (r.GetValue(crf) is not null && r.GetValue(noVideo)) throw new VideoAffectException("--crf sets the annotated video's quality, and --no-video asks for none; give one of them");
            Media.VideoContainer.For("video." + (container ?? "mp4")).CheckCrf(r.GetValue(crf), $"NAME.annotated.{container ?? "mp4"}");
            var options = new JobOptions
            {
                // Given or not, not "0" or "the end": --end 0 is refused as an end before the start.
                Start = r.GetResult(start) is { Implicit: false } ? r.GetValue(start).Value.TotalSeconds : null,
                End = r.GetResult(end) is { Implicit: false } ? r.GetValue(end).Value.TotalSeconds : null,
                RecordedAt = r.GetValue(recordedAt),
                Csv = format == "csv",
                Report = r.GetValue(report),
                NoVideo = r.GetValue(noVideo),
                Faces = r.GetValue(faces),
                VideoFormat = container is null or "mp4" ? null : container,
                Crf = r.GetValue(crf),
            };
            var (folder, plan) = PlanJobs(r.GetValue(files) ?? [], r.GetValue(output)!, options);
            await using var client = await ConnectAsync(r, submit, ct);
            Directory.CreateDirectory(folder);
            var ids = new List<string>();
            foreach (var job in plan)
            {
                ids.Add(await client.SubmitAsync(job.Input, folder, options));
                Console.WriteLine($"{ids[^1]}: {job.Input}");
            }
            if (!r.GetValue(wait)) return 0;
            while (true)
            {
                var jobs = await client.JobsAsync();
                var mine = ids.Select(id => (Id: id, Job: jobs[id])).ToList();
                if (mine.All(j => j.Job.State is "done" or "failed"))
                {
                    foreach (var (id, job) in mine)
                        Console.WriteLine($"{id}: {job.State}{(job.Error is null ? "" : ": " + job.Error)} ({job.Frames} frames, {job.Attempts} run(s), last on {job.Node})");
                    return mine.All(j => j.Job.State == "done") ? 0 : 1;
                }
                await Task.Delay(500, ct);
            }
        }, token));
        status.SetAction((r, token) => WithClient(r, status, token, async client =>
        {
            var s = await client.StatusAsync();
            if (r.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    nodes = s.Nodes.Select(n => n.Name),
                    node_load = s.Nodes.Select(n => new { name = n.Name, cameras = n.Cameras, max_streams = n.MaxStreams, jobs_running = n.JobsRunning }),
                    cameras = s.Cameras.Select(c => new { name = c.Camera, source = Live.SourceSecrets.Redact(c.Source), node = c.Node }),
                    jobs = s.Jobs.OrderBy(j => j.Key, StringComparer.Ordinal).Select(j => new
                    {
                        id = j.Key, input = j.Value.Input, state = j.Value.State, node = j.Value.Node, attempts = j.Value.Attempts, frames = j.Value.Frames, error = j.Value.Error,
                        outputs = JobOutputs(j.Value),
                        options = j.Value.Options is { } o ? new { start = o.Start, end = o.End, recorded_at = o.RecordedAt, csv = o.Csv, report = o.Report, no_video = o.NoVideo, faces = o.Faces, video_format = o.NoVideo ? null : o.VideoFormat ?? "mp4", crf = o.Crf } : null,
                    }),
                }));
            else
            {
                Console.WriteLine($"nodes: {string.Join(", ", s.Nodes.Select(n => $"{n.Name} ({n.Cameras}{(n.MaxStreams > 0 ? $" of {n.MaxStreams}" : "")} cameras, {n.JobsRunning} job(s))"))}");
                foreach (var c in s.Cameras) Console.WriteLine($"{c.Camera}: {c.Node ?? "not running"} ({Live.SourceSecrets.Redact(c.Source)})");
                foreach (var (id, job) in s.Jobs.OrderBy(j => j.Key, StringComparer.Ordinal))
                {
                    string options = JobAnalysis.Describe(job.Options);
                    Console.WriteLine($"{id}: {job.State}{(job.Node is null ? "" : " on " + job.Node)}, {job.Attempts} run(s){(job.Error is null ? "" : ": " + job.Error)}; "
                        + $"{job.Input} -> {job.OutputDirectory}{(options == "" ? "" : $" ({options})")}");
                }
            }
            return 0;
        }));
        return command;
    }

    static Option<string> Address() => new("--cluster") { Description = "the cluster's Redis: redis://[:PASSWORD@]HOST[:PORT], or rediss://...[?ca=FILE] over TLS", Required = true };

    /// <summary>Where a job writes, as the node names its outputs (null for what it does not write).</summary>
    static object JobOutputs(JobInfo job)
    {
        var o = JobAnalysis.Outputs(job.OutputDirectory, job.Input, job.Options);
        return new { video = o.Video == "/dev/null" ? null : o.Video, events = o.Events, summary = o.Summary, report = o.Report, faces = o.Faces };
    }

    /// <summary>The cameras to add, every one checked (name, URL, names given twice) before the cluster hears of any.</summary>
    static IReadOnlyList<LiveSourceSpec> Specs(IReadOnlyList<string> given)
    {
        var specs = given.Select(LiveSourceSpec.Parse).ToList();
        // A node's standard input is not the submitter's: pipe into `monitor` on the machine itself.
        if (specs.FirstOrDefault(s => s.Kind == LiveSourceKind.StandardInput) is { } piped)
            throw new VideoAffectException($"camera '{piped.Name}' is standard input ('-'), which no cluster node has; run monitor where the stream is piped");
        if (specs.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new VideoAffectException($"two cameras are named '{twice.Key}'; give each its own name (NAME=SOURCE)");
        return specs;
    }

    static Task<int> WithClient(ParseResult r, Command command, CancellationToken token, Func<ClusterClient, Task<int>> body, Action? check = null) =>
        CommandRunner.RunAsync(async ct =>
        {
            check?.Invoke(); // bad input is said as such, whether or not the cluster can be reached
            await using var client = await ConnectAsync(r, command, ct);
            return await body(client);
        }, token);

    static Task<ClusterClient> ConnectAsync(ParseResult r, Command command, CancellationToken token)
    {
        var option = command.Options.OfType<Option<string>>().First(o => o.Name == "--cluster");
        return ClusterClient.ConnectAsync(ClusterAddress.Parse(r.GetValue(option)!), token);
    }

    /// <summary>
    /// The videos (a folder stands for the video files in it, see <see cref="FolderInputs"/>) and
    /// where each job writes: OUTPUT/NAME.annotated.mp4 and its records and summary, as
    /// `analyze VIDEOS -o OUTPUT/` names them. Refused whole when a video is missing, is given
    /// twice, or would be written over by a job (its own or another's), or two jobs would write
    /// the same file.
    /// </summary>
    static (string Folder, IReadOnlyList<AnalyzeOutputs.Planned> Jobs) PlanJobs(IEnumerable<string> videos, string output, JobOptions options)
    {
        string folder = Path.GetFullPath(output);
        if (File.Exists(folder)) throw new VideoAffectException($"--output '{output}' is a file; give the folder the nodes write to");
        if (videos.Any(StandardInput.Names))
            throw new VideoAffectException("standard input ('-') is this command's, which no node can read; save the video where the nodes read files, and submit that file");
        var inputs = AnalyzeOutputs.Expand(videos).Select(Path.GetFullPath).ToList();
        foreach (var input in inputs.Where(i => !File.Exists(i))) throw new VideoAffectException($"video '{input}' does not exist");
        // The options as the node will run them: a bad part or time is refused here, once.
        JobAnalysis.Options(new JobClaim("", inputs[0], folder, 0, options), new RecognitionOptions()).Validate();
        if (inputs.Count > 1 && options.RecordedAt is { } at && RecordingStart.Parse(at) is not null)
            throw new VideoAffectException($"--recorded-at {at} is one video's start, and {inputs.Count} videos are given; submit them one at a time, or give --recorded-at file to read each one's own creation_time");
        var plan = inputs.Select(input =>
        {
            var o = JobAnalysis.Outputs(folder, input, options);
            return new AnalyzeOutputs.Planned(input, o.Video, o.Events, o.Summary, o.Report, o.Faces);
        }).ToList();
        AnalyzeOutputs.CheckApart(plan);
        return (folder, plan);
    }
}
