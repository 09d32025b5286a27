namespace VideoAffect.Live;

/// <summary>Everything `monitor` can be told, with the CLI's defaults.</summary>
public sealed record MonitorOptions
{
    /// <summary>The streams to watch (more may join while running with <see cref="KeepRunning"/>).</summary>
    public required IReadOnlyList<LiveSourceSpec> Sources { get; init; }
    /// <summary>How sources connect, notice a stall and reconnect.</summary>
    public LiveSourceOptions Source { get; init; } = new();
    /// <summary>How faces are found, followed and classified; one classifier serves every stream, batching their faces together.</summary>
    public RecognitionOptions Recognition { get; init; } = new();
    /// <summary>Per-stream records go to DIR/NAME.jsonl (or .csv); null writes none.</summary>
    public string? RecordsDirectory { get; init; }
    /// <summary>jsonl or csv: the records files' format, the same as `analyze --events` writes.</summary>
    public string RecordsFormat { get; init; } = "jsonl";

    /// <summary>
    /// Every stream's records as one stream of JSON lines, each naming its stream ("stream"), as
    /// frames are done: "-" for standard output, or an existing named pipe or terminal, written
    /// into (a FIFO a program reads, bash's &gt;(...), /dev/stderr); null writes none.
    /// </summary>
    public string? RecordsStream { get; init; }

    /// <summary>Where a stream's records go; null without <see cref="RecordsDirectory"/>.</summary>
    internal string? RecordsPath(string stream) => RecordsDirectory is { } dir ? Path.Combine(dir, $"{stream}.{RecordsFormat}") : null;
    /// <summary>Annotated recordings in segments go to DIR/NAME-TIME.mp4; null records nothing.</summary>
    public string? RecordingDirectory { get; init; }
    /// <summary>Length of each recording segment.</summary>
    public TimeSpan SegmentLength { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Recording segments whose end is older than this are deleted (this stream's own, from any run); null keeps them.</summary>
    public TimeSpan? RecordingKeep { get; init; }
    /// <summary>A stream's recording segments beyond this many bytes in all are deleted, oldest first; null sets no limit.</summary>
    public long? RecordingMaxBytes { get; init; }
    /// <summary>
    /// Push each stream's annotated video, live, to this URL (rtmp://, rtmps://, rtsp://, rtsps://,
    /// srt://, udp:// or tcp://), <c>{name}</c> in it replaced by the stream's name; null pushes nothing.
    /// </summary>
    public string? RestreamUrl { get; init; }

    /// <summary>The restream's bit rate cap, in bits per second (x264's VBV, a buffer of one second); null: by quality alone (<see cref="Crf"/>).</summary>
    public long? RestreamBitrate { get; init; }

    /// <summary>
    /// x264's constant rate factor for the recordings and the restream, 0 (lossless) to 51 (the
    /// smallest); null: 20. At 28 the sample clip's video is half its size at 20.
    /// </summary>
    public int? Crf { get; init; }

    /// <summary>
    /// Whether the recordings and the restream carry the stream's sound (its first audio track, as
    /// AAC, in step with the frames by their arrival); false: video alone.
    /// </summary>
    public bool KeepAudio { get; init; } = true;

    /// <summary>The parsed <see cref="RestreamUrl"/>; null without one.</summary>
    internal RestreamTarget? Restream => RestreamUrl is { } url ? RestreamTarget.Parse(url) : null;

    /// <summary>
    /// Run until stopped even when every source has ended, and take streams added and removed while
    /// running (`monitor --control`: POST and DELETE on /streams; a cluster node's cameras).
    /// </summary>
    public bool KeepRunning { get; init; }
    /// <summary>Stop after this long (a soak or a timed capture); null runs until stopped.</summary>
    public TimeSpan? Duration { get; init; }
    /// <summary>Sample memory, handles and threads this often (a soak); null samples nothing.</summary>
    public TimeSpan? ResourceInterval { get; init; }
    /// <summary>Where the samples also go, as CSV while the run goes on.</summary>
    public string? ResourceReportPath { get; init; }
    /// <summary>Arrivals (a frame, or frames the source sent together) waiting per stream before detection; beyond it the oldest is dropped.</summary>
    public int QueueCapacity { get; init; } = 1;

    /// <summary>Throws a one-line <see cref="VideoAffectException"/> for a setting out of range or two sources with one name.</summary>
    public void Validate()
    {
        if (Sources.Count == 0 && !KeepRunning) throw new VideoAffectException("monitor needs at least one source (or --control, to add them while it runs)");
        var duplicate = Sources.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new VideoAffectException($"two sources are named '{duplicate.Key}'; name them NAME=SOURCE");
        Source.Validate();
        if (RecordsFormat is not ("jsonl" or "csv")) throw new VideoAffectException($"--records-format must be jsonl or csv (got '{RecordsFormat}')");
        if (RecordsStream is not null && RecordsDirectory is not null) throw new VideoAffectException("records go to a folder or to one stream, not both");
        if (RecordsStream is not null && RecordsFormat != "jsonl")
            throw new VideoAffectException($"records on a stream ('{RecordsStream}') are JSON lines, each naming its stream; --records-format csv takes a folder");
        if (QueueCapacity < 1) throw new VideoAffectException($"queue capacity must be at least 1 (got {QueueCapacity})");
        if (SegmentLength < TimeSpan.FromSeconds(1)) throw new VideoAffectException("segments must be at least 1 s long");
        if (Duration is { } d && d <= TimeSpan.Zero) throw new VideoAffectException("--duration must be positive");
        if (RecordingKeep is { } keep && keep <= TimeSpan.Zero) throw new VideoAffectException("--record-keep must be positive (leave it out to keep every recording)");
        if (RecordingMaxBytes is { } max && max <= 0) throw new VideoAffectException("--record-max-size must be positive (leave it out for no limit)");
        if ((RecordingKeep is not null || RecordingMaxBytes is not null) && RecordingDirectory is null)
            throw new VideoAffectException("--record-keep and --record-max-size limit the recordings of --record DIR; give --record too");
        if (RestreamBitrate is not null && RestreamUrl is null) throw new VideoAffectException("--restream-bitrate caps the push of --restream URL; give --restream too");
        if (RestreamBitrate is <= 0) throw new VideoAffectException("--restream-bitrate must be positive");
        if (Crf is { } crf && (crf < 0 || crf > Media.X264Output.MaxCrf))
            throw new VideoAffectException($"--crf {crf}: x264's constant rate factor goes from 0 (lossless) to {Media.X264Output.MaxCrf}");
        if (Crf is not null && RecordingDirectory is null && RestreamUrl is null)
            throw new VideoAffectException("--crf sets the quality of --record's and --restream's video; give one of them too");
        if (Restream is { NamesStreams: false } && (Sources.Count > 1 || KeepRunning))
            throw new VideoAffectException($"--restream '{SourceSecrets.Redact(RestreamUrl!)}' would take every stream at one URL; put {RestreamTarget.NamePlaceholder} in it for the stream's name (rtmp://10.0.0.2/live/{RestreamTarget.NamePlaceholder})");
        Recognition.Validate();
        Outputs.OutputFolder.Check(RecordsDirectory, "records folder");
        Outputs.OutputFolder.Check(RecordingDirectory, "recordings folder");
    }
}
