using System.Diagnostics.Metrics;

namespace VideoAffect.Live;

/// <summary>
/// The monitor's instruments, in System.Diagnostics.Metrics so that any exporter can publish them;
/// the HTTP endpoint serves them in Prometheus text format. Every instrument carries a stream tag.
/// Only seconds carry a unit (exporters append it to the name: videoaffect_latency_seconds).
/// </summary>
public sealed class LiveMetrics : IDisposable
{
    public const string MeterName = "VideoAffect";
    /// <summary>Seconds; the latency histogram's buckets (exporters default to millisecond-sized ones).</summary>
    public static readonly double[] LatencyBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    readonly Meter _meter = new(MeterName);
    readonly List<StreamStatus> _streams = new();

    public LiveMetrics()
    {
        Frames = _meter.CreateCounter<long>("videoaffect_frames", description: "frames read from the source");
        Dropped = _meter.CreateCounter<long>("videoaffect_frames_dropped", description: "frames dropped before detection because the stream's queue was full");
        Processed = _meter.CreateCounter<long>("videoaffect_frames_processed", description: "frames that went through detection, classification and the outputs");
        Faces = _meter.CreateCounter<long>("videoaffect_faces", description: "classified faces written as records");
        Reconnects = _meter.CreateCounter<long>("videoaffect_reconnects", description: "times the source was restarted after it ended, failed or stalled");
        Errors = _meter.CreateCounter<long>("videoaffect_source_errors", description: "failed connection attempts and source failures");
        Latency = _meter.CreateHistogram<double>("videoaffect_latency", "s", "frame capture to record written");
        _meter.CreateObservableGauge("videoaffect_queue_depth", () => Each(s => s.QueueDepth), description: "frames waiting before detection");
        _meter.CreateObservableGauge("videoaffect_fps", () => Each(s => s.FramesPerSecond), description: "processed frames per second over the last 5 s");
        _meter.CreateObservableGauge("videoaffect_up", () => Each(s => s.State == StreamState.Live ? 1 : 0), description: "1 while the stream delivers frames");
        _meter.CreateObservableGauge("videoaffect_downtime", () => Each(s => s.Downtime.TotalSeconds), "s", "time the stream was not delivering frames");
    }

    public Counter<long> Frames { get; }
    public Counter<long> Dropped { get; }
    public Counter<long> Processed { get; }
    public Counter<long> Faces { get; }
    public Counter<long> Reconnects { get; }
    public Counter<long> Errors { get; }
    public Histogram<double> Latency { get; }

    public void Register(StreamStatus status) { lock (_streams) _streams.Add(status); }

    IEnumerable<Measurement<T>> Each<T>(Func<StreamStatus, T> value) where T : struct
    {
        StreamStatus[] streams;
        lock (_streams) streams = _streams.ToArray();
        return streams.Select(s => new Measurement<T>(value(s), new KeyValuePair<string, object?>("stream", s.Name)));
    }

    public void Dispose() => _meter.Dispose();
}
