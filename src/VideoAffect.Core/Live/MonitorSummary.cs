using System.Globalization;
using System.Text;
using System.Text.Json;

namespace VideoAffect.Live;

/// <summary>What a monitor run did, per stream and in total; printed at the end and served by /streams.</summary>
public sealed record MonitorSummary(string Status, string? Error, double Seconds, long Batches, long MixedBatches, IReadOnlyList<StreamSummary> Streams,
    IReadOnlyList<ResourceSample>? Resources = null, IReadOnlyList<Sinks.SinkSummary>? Sinks = null)
{
    internal static MonitorSummary From(LiveMonitor monitor, string status, string? error) => new(status, error,
        monitor.Elapsed.TotalSeconds, monitor.Batches, monitor.MixedBatches, monitor.Streams.Select(s => StreamSummary.From(s, monitor.Elapsed)).ToList(),
        monitor.Resources?.Samples, monitor.Sinks.All.Count > 0 ? monitor.Sinks.Summaries() : null) { DetectorPasses = monitor.DetectorPasses };

    /// <summary>BlazeFace's forward passes over every stream's frames; null with a Haar detector.</summary>
    public long? DetectorPasses { get; init; }

    /// <summary>While the monitor runs (/streams): each stream with its last minutes of emotions.</summary>
    internal static MonitorSummary Live(LiveMonitor monitor) => From(monitor, "running", null) with
    {
        Streams = monitor.Streams.Select(s => StreamSummary.WithHistory(s, monitor.Elapsed)).ToList(),
    };

    /// <summary>The summary as the CLI prints it: a line for the run, one per stream and one per event sink.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"monitor {Status} after {Seconds:0.0} s{(Error is null ? "" : $": {Error}")}; {Batches} forward passes{(Streams.Count > 1 ? $", {MixedBatches} with faces from several streams" : "")}{(DetectorPasses is { } passes ? $"; face detector: {passes} passes" : "")}");
        foreach (var s in Streams)
        {
            string line = string.Create(CultureInfo.InvariantCulture,
                $"  {s.Name}: {s.State}, {s.Frames} frames read, {s.Processed} processed ({s.AverageFps:0.0} fps), {s.Dropped} dropped, {s.Faces} faces, " +
                $"{s.Reconnects} reconnects, {s.DowntimeSeconds:0.0} s down, latency p50 {Ms(s.LatencyP50)} p95 {Ms(s.LatencyP95)}");
            if (s.NotRecorded > 0) line += $", {s.NotRecorded} left out of the recording";
            if (s.NotRestreamed > 0) line += $", {s.NotRestreamed} left out of the restream";
            if (s.RecordsLost > 0) line += $", records of {s.RecordsLost} frames lost";
            if (s.DecodeErrors > 0) line += $", {s.DecodeErrors} decoding errors (damaged data)";
            text.AppendLine(s.LastError is null ? line : $"{line}; last error: {s.LastError}");
        }
        foreach (var sink in Sinks ?? [])
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  {sink.Name}: {sink.Sent} sent, {sink.Dropped} dropped, {sink.Reconnects} reconnects, {sink.Errors} errors{(sink.LastError is null ? "" : $" (last: {sink.LastError})")}"));
        if (Resources is { Count: > 0 } samples)
        {
            var (first, last) = (samples[0], samples[^1]);
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"  resources: resident {first.ResidentBytes / 1048576.0:0} -> {last.ResidentBytes / 1048576.0:0} MiB (peak {samples.Max(s => s.ResidentBytes) / 1048576.0:0}), " +
                $"handles {first.Handles} -> {last.Handles}, threads {first.Threads} -> {last.Threads}, {samples.Count} samples"));
        }
        return text.ToString().TrimEnd();
    }

    static string Ms(double? seconds) => seconds is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v * 1000:0} ms") : "-";

    /// <summary>The summary as one JSON object (snake_case names), as <c>monitor --json</c> writes it.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    internal static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false };
}

/// <summary>What one stream did, as the summary and the HTTP status report it.</summary>
/// <param name="Name">The stream's name.</param>
/// <param name="Source">Its location.</param>
/// <param name="State">connecting, live, reconnecting, ended, failed or stopped.</param>
/// <param name="Width">Frame width (0 before the first frame).</param>
/// <param name="Height">Frame height.</param>
/// <param name="Frames">Frames read from the source.</param>
/// <param name="Processed">Frames that reached the outputs.</param>
/// <param name="Dropped">Frames dropped because the pipeline was behind the source.</param>
/// <param name="Faces">Faces classified.</param>
/// <param name="Reconnects">Reconnections after a failure or stall.</param>
/// <param name="Errors">Errors met (each also logged).</param>
/// <param name="DowntimeSeconds">Time not live.</param>
/// <param name="AverageFps">Processed frames per second over the whole run.</param>
/// <param name="CurrentFps">Processed frames per second over the last seconds.</param>
/// <param name="QueueDepth">Frames waiting before detection now.</param>
/// <param name="LatencyP50">Median seconds from capture to output, over recent frames.</param>
/// <param name="LatencyP95">95th percentile of the same.</param>
/// <param name="LastError">The last error's message.</param>
/// <param name="CurrentFaces">Faces on the latest processed frame.</param>
/// <param name="NotRecorded">Processed frames left out of the recording because its encoder fell behind.</param>
/// <param name="ReceivedFps">Frames per second the source delivers now.</param>
/// <param name="LastFrameAgeSeconds">Seconds since the last processed frame.</param>
/// <param name="RetryInSeconds">Seconds until the next reconnection attempt, while reconnecting.</param>
/// <param name="Reason">The last error in plain words, where it has a known cause.</param>
/// <param name="History">The last minutes of emotions, one sample a second (live page only).</param>
public sealed record StreamSummary(string Name, string Source, string State, int Width, int Height, long Frames, long Processed, long Dropped,
    long Faces, long Reconnects, long Errors, double DowntimeSeconds, double AverageFps, double CurrentFps, int QueueDepth,
    double? LatencyP50, double? LatencyP95, string? LastError, IReadOnlyList<CurrentFace> CurrentFaces, long NotRecorded = 0,
    double ReceivedFps = 0, double? LastFrameAgeSeconds = null, double? RetryInSeconds = null, string? Reason = null,
    IReadOnlyList<EmotionSample>? History = null)
{
    /// <summary>Processed frames whose records could not be written (a full disk); the stream went on.</summary>
    public long RecordsLost { get; init; }
    /// <summary>Errors the decoder reported in the stream's pictures (damaged data: a camera's lost packets), concealed or left out; the stream went on.</summary>
    public long DecodeErrors { get; init; }
    /// <summary>Processed frames left out of the restream (its push fell behind, or its server was away); the stream went on.</summary>
    public long NotRestreamed { get; init; }

    internal static StreamSummary From(StreamStatus s, TimeSpan elapsed) => new(s.Name, SourceSecrets.Redact(s.Source.Location), s.State.ToString().ToLowerInvariant(),
        s.Width, s.Height, s.Frames, s.Processed, s.Dropped, s.Faces, s.Reconnects, s.Errors, Math.Round(s.Downtime.TotalSeconds, 3),
        elapsed.TotalSeconds > 0 ? Math.Round(s.Processed / elapsed.TotalSeconds, 2) : 0, Math.Round(s.FramesPerSecond, 2), s.QueueDepth,
        Round(s.LatencyPercentile(50)), Round(s.LatencyPercentile(95)), s.LastError,
        s.CurrentFaces.Select(f => new CurrentFace(f.Track, f.Label, Math.Round(f.Confidence, 3))).ToList(), s.NotRecorded,
        Math.Round(s.FramesReceivedPerSecond, 2), Round(s.SecondsSinceLastFrame), Round(s.RetryInSeconds), HumanReasons.Of(s.LastError))
    {
        RecordsLost = s.RecordsLost,
        DecodeErrors = s.DecodeErrors,
        NotRestreamed = s.NotRestreamed,
    };

    /// <summary>As <see cref="From"/>, with the last minutes of emotions (the live page's sparkline).</summary>
    internal static StreamSummary WithHistory(StreamStatus s, TimeSpan elapsed) => From(s, elapsed) with { History = s.History };

    static double? Round(double? v) => v is { } x ? Math.Round(x, 4) : null;
}

/// <summary>One face on a stream's latest frame.</summary>
/// <param name="Track">Its track id.</param>
/// <param name="Label">Its shown (smoothed) label.</param>
/// <param name="Confidence">That label's probability.</param>
public sealed record CurrentFace(int Track, string Label, double Confidence);
