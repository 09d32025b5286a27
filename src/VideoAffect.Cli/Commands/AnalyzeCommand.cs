using System.CommandLine;
using VideoAffect.Pipeline;

namespace VideoAffect.Cli.Commands;

/// <summary>`videoaffect analyze VIDEO`: annotated video + per-face JSON lines + run summary.</summary>
static class AnalyzeCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "video file to analyse" };
        var output = new Option<string?>("--output", "-o") { Description = "annotated MP4 to write (default: INPUT.annotated.mp4 beside the input)" };
        var events = new Option<string?>("--events") { Description = "per-face records to write: JSON lines, or CSV for a .csv path; - writes JSON lines to standard output as frames are done, and the summary to stderr (default: OUTPUT with .jsonl)" };
        var summary = new Option<string?>("--summary") { Description = "run summary JSON to write (default: OUTPUT with .summary.json)" };
        var report = new Option<string?>("--report") { Description = "per-run report: emotions over time per track and label shares (.html, or .png)" };
        var json = new Option<bool>("--json") { Description = "print the run summary as JSON" };
        var queue = new Option<int>("--queue-capacity") { Description = "frames each inter-stage queue holds", DefaultValueFactory = _ => 8 };
        var videoStream = new Option<int?>("--video-stream") { Description = "the video stream to analyse, by ffprobe's stream index (default: the stream marked default, else the first)" };
        var noAudio = new Option<bool>("--no-audio") { Description = "do not copy the input's audio track" };
        var preset = new Option<string>("--encoder-preset") { Description = "x264 preset of the annotated video: ultrafast ... veryslow (faster presets: bigger files)", DefaultValueFactory = _ => Media.AnnotatedVideoEncoder.DefaultPreset };
        var detectWorkers = new Option<int>("--detect-workers") { Description = "frames detected at once, one single-threaded cascade each (default: one per core)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var recognition = SharedOptions.Recognition();
        var publish = SharedOptions.Publish();

        var command = new Command("analyze", "annotate a video file with each face's emotion and write per-face records");
        command.Arguments.Add(input);
        foreach (var o in new Option[] { preset, output, events, summary, report, json, videoStream, queue, noAudio, detectWorkers, publish }.Concat(recognition.All))
            command.Options.Add(o);
        command.SetAction((r, token) => CommandRunner.RunAsync(async ct =>
        {
            SystemPackages.Require(ffmpeg: true, recognition.Detector.Read(r).CascadePath);
            string source = r.GetValue(input)!;
            string besideInput = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(source))!, Path.GetFileNameWithoutExtension(source) + ".annotated.mp4");
            string video = r.GetValue(output) ?? besideInput;
            // Records and summary default to the video's name; with no video (-o /dev/null), to the input's.
            string named = Outputs.FileFacts.Of(video) == Outputs.FileFacts.Of("/dev/null") ? besideInput : video;
            string stem = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(named))!, Path.GetFileNameWithoutExtension(named));
            var options = new AnalyzeOptions
            {
                InputPath = source,
                OutputPath = video,
                EventsPath = r.GetValue(events) ?? stem + ".jsonl",
                SummaryPath = r.GetValue(summary) ?? stem + ".summary.json",
                ReportPath = r.GetValue(report),
                Recognition = recognition.Read(r),
                VideoStream = r.GetValue(videoStream),
                QueueCapacity = r.GetValue(queue),
                KeepAudio = !r.GetValue(noAudio),
                EncoderPreset = r.GetValue(preset)!,
                DetectWorkers = r.GetValue(detectWorkers),
            };
            await using var sinks = Brokers.EventSinkFactory.Create(r.GetValue(publish) ?? []);
            var analyzer = new VideoAnalyzer(options, AnalyzeProgress.Log, sinks);
            var result = await AnalyzeProgress.WatchAsync(analyzer, analyzer.RunAsync(ct));
            // With the records on standard output (--events -), the summary keeps out of their way.
            var summaryWriter = options.EventsPath == "-" ? Console.Error : Console.Out;
            summaryWriter.WriteLine(r.GetValue(json) ? result.ToJson() : result.ToText());
            return result.Complete ? 0 : CommandRunner.Cancelled;
        }, token));
        return command;
    }
}
