using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoAffect.Pipeline;

/// <summary>What a run did: counts, labels, speed and where its outputs are.</summary>
public sealed record AnalysisSummary
{
    /// <summary>The analysed video.</summary>
    public required string Input { get; init; }
    /// <summary>"complete", "failed" or "cancelled"; outputs of a run that is not complete keep their .partial names.</summary>
    public required string Status { get; init; }
    /// <summary>Why the run failed; null otherwise.</summary>
    public string? Error { get; init; }
    /// <summary>The annotated video's path (its .partial name unless complete).</summary>
    public required string Video { get; init; }
    /// <summary>The records file's path (its .partial name unless complete).</summary>
    public required string Events { get; init; }
    /// <summary>The report's path; null without one.</summary>
    public string? Report { get; init; }
    /// <summary>The WebVTT captions' path (its .partial name unless complete); null without them.</summary>
    public string? Captions { get; init; }
    /// <summary>The wall-clock time (UTC) of the video's start, where --recorded-at gave it (records then carry `utc`); null otherwise.</summary>
    public DateTime? RecordedAt { get; init; }
    /// <summary>Frames read from the video.</summary>
    public required long FramesDecoded { get; init; }
    /// <summary>
    /// Errors ffmpeg reported while decoding the video: damaged data it went past, concealing the
    /// damaged part of a picture or leaving the picture out (a run over a damaged file still
    /// completes). 0 for an undamaged video.
    /// </summary>
    public long DecodeErrors { get; init; }
    /// <summary>The first of those errors, as ffmpeg worded it ("h264: error while decoding MB 16 20, bytestream -6"); null without any.</summary>
    public string? FirstDecodeError { get; init; }
    /// <summary>Frames that went through every stage into the outputs.</summary>
    public required long FramesWritten { get; init; }
    /// <summary>Face records written.</summary>
    public required long Faces { get; init; }
    /// <summary>
    /// Face records left out because their track was never confirmed: a face detected at one
    /// detection round and not at the next, most often a false face (a short clip's only face too).
    /// They are in no output; 0 with --keep-tentative (they are then in the records, marked
    /// tentative) and with --no-tracking.
    /// </summary>
    public long UnconfirmedFaces { get; init; }
    /// <summary>Face records per shown label.</summary>
    public required IReadOnlyDictionary<string, long> LabelCounts { get; init; }
    /// <summary>Length of the video processed, in its own seconds.</summary>
    public required double VideoSeconds { get; init; }
    /// <summary>Wall-clock seconds the run took.</summary>
    public required double WallSeconds { get; init; }
    /// <summary>Frames written per wall-clock second.</summary>
    public double FramesPerSecond => WallSeconds > 0 ? Math.Round(FramesWritten / WallSeconds, 2) : 0;
    /// <summary>The classifier's backend.</summary>
    public required string Backend { get; init; }
    /// <summary>The device it ran on.</summary>
    public required string Device { get; init; }
    /// <summary>Forward passes of the classifier.</summary>
    public required long Batches { get; init; }
    /// <summary>Frames the face detector ran on (fewer than the frames with --detect-every).</summary>
    public required long DetectorRuns { get; init; }
    /// <summary>A batching CNN detector's forward passes (BlazeFace): frames and tiles per pass is the batch it reached; null for Haar.</summary>
    public long? DetectorPasses { get; init; }
    /// <summary>Seconds each of our stages spent on its own work (summed over its threads): detect, classify, annotate.</summary>
    public IReadOnlyDictionary<string, double>? StageBusySeconds { get; init; }
    /// <summary>Each tracked face's records summed up, by track id; null without tracking.</summary>
    public IReadOnlyList<TrackSummary>? Tracks { get; init; }
    /// <summary>Each event sink's messages sent and dropped; null when the run had none.</summary>
    public IReadOnlyList<Sinks.SinkSummary>? Sinks { get; init; }

    /// <summary>Whether the run completed (and its outputs have their final names).</summary>
    public bool Complete => Status == "complete";

    /// <summary>Said, so that a clip too short to confirm a face (one frame, one detection round) does not read as "no face was seen".</summary>
    string Unconfirmed() => UnconfirmedFaces == 0 ? ""
        : $", {UnconfirmedFaces} unconfirmed left out{(Faces == 0 ? " (a face is reported once it is detected again; --keep-tentative keeps these)" : "")}";

    string Busy() => StageBusySeconds is { Count: > 0 } busy
        ? "\n  busy: " + string.Join(", ", busy.Select(kv => $"{kv.Key} {kv.Value:0.00} s"))
        : "";

    string Damage() => DecodeErrors > 0
        ? $"\n  damaged: {Media.DecodeDamage.Describe(DecodeErrors, FirstDecodeError)}"
        : "";

    string SinkLines() => Sinks is null ? "" : string.Concat(Sinks.Select(s =>
        $"\n  {s.Name}: {s.Sent} sent, {s.Dropped} dropped{(s.Reconnects > 0 ? $", {s.Reconnects} reconnects" : "")}{(s.Errors > 0 ? $", {s.Errors} errors (last: {s.LastError})" : "")}"));

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The summary as indented JSON (snake_case names), as <c>analyze --summary</c> writes it.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// Names a summary may have: it is one JSON document, which YAML readers also load; a name that
    /// says another format (.csv, .xlsx, .jsonl) would get a file its reader fails on after the run.
    /// </summary>
    internal static readonly IReadOnlyList<string> Extensions = ["", ".json", ".yaml", ".yml", ".txt", ".log"];

    /// <summary>One clear line for a summary named for a format it is not in.</summary>
    internal static void CheckName(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (!Extensions.Contains(extension))
            throw new VideoAffectException($"--summary '{path}': the run summary is one JSON document, not '{extension}'; give it a .json name (or a folder)");
    }

    /// <summary>The summary as the CLI prints it.</summary>
    public string ToText()
    {
        var labels = LabelCounts.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}");
        return $"""
            {Status}: {FramesWritten}/{FramesDecoded} frames, {Faces} faces ({string.Join(", ", labels.DefaultIfEmpty("none"))}){Unconfirmed()}
              {WallSeconds:0.00} s wall, {FramesPerSecond:0.0} fps, backend {Backend} ({Device}), {Batches} batches, detector on {DetectorRuns} frames{(DetectorPasses is { } passes ? $" in {passes} passes" : "")}{Busy()}
              video:  {Video}
              events: {Events}{(Report is null ? "" : $"\n  report: {Report}")}{(Captions is null ? "" : $"\n  captions: {Captions}")}{Damage()}{SinkLines()}
            """;
    }
}
