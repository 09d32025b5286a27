using System.CommandLine;
using VideoAffect.Live;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// What `monitor` and `node` share besides the recognition: how cameras are read (RTSP transport,
/// stall timeout, reconnects, snapshot interval, files in a loop), the live queue, and what each
/// stream writes (records and their format, recordings in segments, the restream). Before 0.16 a node had only
/// `--records` and `--loop`: a cluster could not read UDP cameras, record video or write CSV.
/// </summary>
sealed record LiveOptionSet(Option<string> Transport, Option<Durations.Duration> Stall, Option<Durations.Duration> ReconnectMax,
    Option<Durations.Duration> SnapshotInterval, Option<bool> Loop, Option<int> Queue,
    Option<string?> Records, Option<string> RecordsFormat, Option<string?> Record, Option<Durations.Duration> Segment,
    Option<Durations.Duration> RecordKeep, Option<long?> RecordMaxSize, Option<string?> Restream, Option<long?> RestreamBitrate, Option<string?> Faces, Option<Durations.Duration> FacesKeep,
    Option<int?> Crf, Option<bool> NoAudio)
{
    public IEnumerable<Option> All => [Records, RecordsFormat, Record, Segment, RecordKeep, RecordMaxSize, Restream, RestreamBitrate, Crf, NoAudio, Faces, FacesKeep, Transport, Stall, ReconnectMax, SnapshotInterval, Loop, Queue];

    /// <summary>--faces-keep as given; null when left out (every face kept).</summary>
    public TimeSpan? ReadFacesKeep(ParseResult r) => r.GetResult(FacesKeep) is { Implicit: false } ? r.GetValue(FacesKeep).Value : null;

    /// <summary>--faces as given, refused with --anonymize or --no-tracking (a run that hides faces or makes no tracks keeps none).</summary>
    public string? ReadFaces(ParseResult r, RecognitionOptions recognition)
    {
        if (r.GetValue(Faces) is { } folder) Brokers.Files.FaceFolderSink.CheckKeepsFaces(recognition);
        return r.GetValue(Faces);
    }

    /// <summary>--record-keep as given; null when left out (every recording kept).</summary>
    public TimeSpan? ReadKeep(ParseResult r) => r.GetResult(RecordKeep) is { Implicit: false } ? r.GetValue(RecordKeep).Value : null;

    /// <param name="recordsStream">--records also takes '-' or a pipe: every stream's records on one stream (monitor)</param>
    public static LiveOptionSet Create(string recordsWhat, bool recordsStream = false) => new(
        new Option<string>("--rtsp-transport") { Description = "RTSP transport: tcp or udp", DefaultValueFactory = _ => "tcp" },
        Durations.Option("--stall-timeout", "time without a frame before a source is restarted", TimeSpan.FromSeconds(5)),
        Durations.Option("--reconnect-max", "longest wait between reconnection attempts (starts at 0.5 s and doubles)", TimeSpan.FromSeconds(30)),
        Durations.Option("--snapshot-interval", "how often a still picture at a URL (a camera's snapshot.jpg) is fetched again", TimeSpan.FromSeconds(1)),
        new Option<bool>("--loop") { Description = "play file sources in a loop (soak tests, demos)" },
        new Option<int>("--queue-capacity") { Description = "arrivals waiting per stream before detection, an arrival being a frame or the frames a source sent together (1: only the newest waits, for the lowest latency); beyond it the oldest is dropped", DefaultValueFactory = _ => 1 },
        new Option<string?>("--records") { Description = $"write each {recordsWhat}'s face records to DIR/NAME.jsonl (or .csv), a log each start adds to"
            + (recordsStream ? $"; - (or an existing named pipe or terminal: a FIFO, bash's >(...), /dev/stderr) takes every {recordsWhat}'s records as JSON lines, each naming its {recordsWhat}, as frames are done (the summary then goes to stderr)" : "") },
        new Option<string>("--records-format") { Description = "records files as jsonl or csv (the columns of analyze --events NAME.csv, with utc)", DefaultValueFactory = _ => "jsonl" },
        new Option<string?>("--record") { Description = $"record each {recordsWhat}'s annotated video to DIR/NAME-TIME.mp4 segments" },
        Durations.Option("--segment-seconds", "length of recorded segments", TimeSpan.FromMinutes(5)),
        Durations.Option("--record-keep", $"delete each {recordsWhat}'s recorded segments once they are this old, such as 7d or 12h", TimeSpan.Zero, defaultText: "forever"),
        ByteSizes.Option("--record-max-size", $"delete each {recordsWhat}'s oldest recorded segments beyond this size in all (e.g. 20G)"),
        new Option<string?>("--restream") { Description = $"push each {recordsWhat}'s annotated video, live, to a media server or player: rtmp://, rtmps://, rtsp://, rtsps://, srt://, udp:// or tcp:// URL, {{name}} in it the {recordsWhat}'s name (rtmp://10.0.0.2/live/{{name}})" },
        Bitrates.Option("--restream-bitrate", "cap each restream's bit rate, for an uplink or a streaming site's limit (x264 with a buffer of one second at it: in any W seconds at most W + 1 seconds' worth); default: by quality, as the recordings (CRF 20), uncapped"),
        new Option<string?>("--faces") { Description = "write each ended track's face to DIR/NAME/DATE/TIME_TRACK_LABEL.jpg, with the track's description beside it (.json)" },
        Durations.Option("--faces-keep", "delete the faces of --faces once they are this old, such as 30d", TimeSpan.Zero, defaultText: "forever"),
        new Option<int?>("--crf") { Description = "x264's constant rate factor of --record's and --restream's video: 0 (lossless) to 51, lower is better and larger; default 20 (28: about half the size)" },
        new Option<bool>("--no-audio") { Description = $"record and restream each {recordsWhat}'s annotated video without its sound (by default its first audio track goes with it, as AAC)" });

    public LiveSourceOptions ReadSource(ParseResult r) => new()
    {
        RtspTransport = r.GetValue(Transport)!,
        StallTimeout = r.GetValue(Stall),
        ReconnectMax = r.GetValue(ReconnectMax),
        SnapshotInterval = r.GetValue(SnapshotInterval),
        LoopFiles = r.GetValue(Loop),
    };
}
