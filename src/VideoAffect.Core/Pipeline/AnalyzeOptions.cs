namespace VideoAffect.Pipeline;

/// <summary>Everything `analyze` can be told, with the defaults a user gets from the CLI.</summary>
public sealed record AnalyzeOptions
{
    /// <summary>The video file to analyse.</summary>
    public required string InputPath { get; init; }
    /// <summary>What the summary and the report call the input; null: <see cref="InputPath"/> (a URL without its secrets). The CLI's "-" for a piped video kept in a file.</summary>
    public string? InputName { get; init; }
    /// <summary>The annotated video: H.264 in MP4 (.mp4, .m4v), MOV (.mov) or Matroska (.mkv), or VP9 in WebM (.webm); written as NAME.partial.EXT until the run completes.</summary>
    public required string OutputPath { get; init; }
    /// <summary>Per-face JSON lines (CSV for a .csv path); written as NAME.partial.jsonl until the run completes; "-" writes JSON lines to standard output as the run goes.</summary>
    public required string EventsPath { get; init; }
    /// <summary>Per-run report: .html, .svg or .png; null to skip.</summary>
    public string? ReportPath { get; init; }
    /// <summary>Run summary JSON; null to skip.</summary>
    public string? SummaryPath { get; init; }
    /// <summary>The faces' emotions as WebVTT captions (.vtt), for a player to show over the annotated video or the source; null to skip.</summary>
    public string? CaptionsPath { get; init; }
    /// <summary>How faces are found, followed and classified.</summary>
    public RecognitionOptions Recognition { get; init; } = new();
    /// <summary>Which video stream to analyse (ffprobe's stream index); null: the default one.</summary>
    public int? VideoStream { get; init; }
    /// <summary>Analyse from this far into the video (as a player counts, from its start); null: from the beginning. Records keep the frames' source times; the annotated video starts at 0.</summary>
    public TimeSpan? Start { get; init; }
    /// <summary>Analyse up to (not including) this far into the video; null: to its end.</summary>
    public TimeSpan? End { get; init; }
    /// <summary>Frames per second of an image-sequence input (frames/img%05d.png); null: ffmpeg's 25. A video has its own frame times.</summary>
    public double? SequenceFrameRate { get; init; }
    /// <summary>Frames detected at once, each by its own single-threaded cascade (default: one per core).</summary>
    public int DetectWorkers { get; init; } = Environment.ProcessorCount;
    /// <summary>Capacity of every inter-stage channel, in frames.</summary>
    public int QueueCapacity { get; init; } = 8;
    /// <summary>Copy the source's audio (re-encoded as AAC) into the annotated video.</summary>
    public bool KeepAudio { get; init; } = true;
    /// <summary>
    /// When the video's recording started, so that each record gets its wall-clock time (`utc`):
    /// "file" (the container's creation_time tag) or a date and time in ISO 8601
    /// ("2026-12-04T08:00:00+01:00"; without an offset, this machine's local time); null: records
    /// carry the video's own seconds only.
    /// </summary>
    public string? RecordedAt { get; init; }
    /// <summary>x264 preset of the annotated video.</summary>
    public string EncoderPreset { get; init; } = Media.AnnotatedVideoEncoder.DefaultPreset;
    /// <summary>
    /// The annotated video's constant rate factor: x264's, 0 (lossless) to 51, for MP4, MOV and
    /// Matroska; libvpx's, 0 to 63, for WebM; lower is better and larger. Null: 20 for x264, 31 for libvpx.
    /// </summary>
    public int? Crf { get; init; }

    /// <summary>
    /// The report's, the summary's and the records file's names say formats we write: checked by the
    /// run after the output safety rules (a records file named like the input is refused as the
    /// input), and by the CLI before it reads a video piped in.
    /// </summary>
    internal void CheckOutputNames(Outputs.OutputTarget? events = null, Outputs.OutputTarget? summary = null)
    {
        if (ReportPath is { } report) Reports.RunReport.CheckPath(report);
        if (CaptionsPath is { } captions && captions != "/dev/null" && !Path.GetExtension(captions).Equals(".vtt", StringComparison.OrdinalIgnoreCase))
            throw new VideoAffectException($"--captions '{captions}': captions are WebVTT; give them a .vtt name (or a folder)");
        // The null device takes the summary whatever its name; a link is judged by its target too.
        if (summary is { Discarded: false })
            foreach (string name in new[] { summary.Given, summary.Final }.Distinct())
                AnalysisSummary.CheckName(name);
        else if (summary is null && SummaryPath is { } path && Outputs.FileFacts.Of(path) is not { Exists: true, Kind: not Outputs.FileKind.Regular })
            AnalysisSummary.CheckName(path);
        // Standard output, pipes, terminals and the null device take JSON lines whatever their name;
        // a link is judged by its target too.
        if (events is { Discarded: false, Streamed: false })
            foreach (string name in new[] { EventsPath, events.Final }.Distinct())
                Records.RecordWriters.CheckName(name, "--events");
        else if (events is null && EventsPath != "-" && Outputs.FileFacts.Of(EventsPath) is not { Exists: true, Kind: not Outputs.FileKind.Regular })
            Records.RecordWriters.CheckName(EventsPath, "--events");
    }

    /// <summary>Throws a one-line <see cref="VideoAffectException"/> for a setting out of range (which paths may be written is checked when the run starts).</summary>
    public void Validate()
    {
        if (!Media.AnnotatedVideoEncoder.Presets.Contains(EncoderPreset))
            throw new VideoAffectException($"unknown --encoder-preset '{EncoderPreset}'; choose one of: {string.Join(", ", Media.AnnotatedVideoEncoder.Presets)}");
        if (SequenceFrameRate is { } rate && !(rate > 0 && rate <= 1000))
            throw new VideoAffectException($"--frame-rate must be above 0 and at most 1000 (got {rate.ToString(System.Globalization.CultureInfo.InvariantCulture)})");
        if (SequenceFrameRate is not null && !Media.ImageSequence.IsPattern(InputPath))
            throw new VideoAffectException($"--frame-rate is for image sequences (frames/img%05d.png); '{InputPath}' is a video, with its own frame times");
        if (QueueCapacity < 1) throw new VideoAffectException($"queue capacity must be at least 1 (got {QueueCapacity})");
        if (Crf is < 0 or > Media.Vp9Output.MaxCrf) throw new VideoAffectException($"--crf {Crf}: the encoders' constant rate factors go from 0 (best) to {Media.X264Output.MaxCrf} (x264) or {Media.Vp9Output.MaxCrf} (libvpx, for .webm)");
        if (DetectWorkers < 1) throw new VideoAffectException($"detect workers must be at least 1 (got {DetectWorkers})");
        if (Start < TimeSpan.Zero) throw new VideoAffectException($"--start cannot be negative (got {Start.Value.TotalSeconds} s)");
        if (End is { } end && end <= (Start ?? TimeSpan.Zero))
            throw new VideoAffectException($"--end ({end.TotalSeconds:0.###} s) must come after --start ({(Start ?? TimeSpan.Zero).TotalSeconds:0.###} s)");
        if (RecordedAt is not null) RecordingStart.Parse(RecordedAt);
        Recognition.Validate();
        // '-', the null device and other non-files are the output rules' to judge; a file must be a container we write.
        if (OutputPath != "-" && Outputs.FileFacts.Of(OutputPath) is not { Exists: true, Kind: not Outputs.FileKind.Regular })
            Media.VideoContainer.Check(OutputPath, Outputs.FileFacts.Canonical(OutputPath));
    }
}
