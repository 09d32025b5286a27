using System.Diagnostics.Metrics;

namespace VideoAffect.Live;

/// <summary>
/// The monitor's instruments, in System.Diagnostics.Metrics so that any exporter can publish them;
/// the HTTP endpoint serves them in Prometheus text format. Every instrument carries a stream tag.
/// Only seconds carry a unit (exporters append it to the name: videoaffect_latency_seconds).
/// </summary>
internal sealed class LiveMetrics : IDisposable
{
    public const string MeterName = "VideoAffect";
    /// <summary>Seconds; the latency histogram's buckets (exporters default to millisecond-sized ones).</summary>
    public static readonly double[] LatencyBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    readonly Meter _meter = new(MeterName);
    readonly List<StreamStatus> _streams = new();

    public LiveMetrics()
    {
        // Counters are observed from each stream's own totals, so every stream exports each of them
        // from the start, at 0 (a counter that appears only once it moves breaks rate() and alerts).
        _meter.CreateObservableCounter("videoaffect_frames", () => Each(s => s.Frames), description: "frames read from the source");
        _meter.CreateObservableCounter("videoaffect_frames_dropped", () => Each(s => s.Dropped), description: "frames dropped before detection because the stream's queue was full");
        _meter.CreateObservableCounter("videoaffect_frames_processed", () => Each(s => s.Processed), description: "frames that went through detection, classification and the outputs");
        _meter.CreateObservableCounter("videoaffect_faces", () => Each(s => s.Faces), description: "classified faces written as records");
        _meter.CreateObservableCounter("videoaffect_reconnects", () => Each(s => s.Reconnects), description: "times the source was restarted after it ended, failed or stalled");
        _meter.CreateObservableCounter("videoaffect_source_errors", () => Each(s => s.Errors), description: "failed connection attempts and source failures");
        _meter.CreateObservableCounter("videoaffect_records_lost", () => Each(s => s.RecordsLost), description: "processed frames whose records could not be written (a full disk)");
        _meter.CreateObservableCounter("videoaffect_frames_not_recorded", () => Each(s => s.NotRecorded), description: "processed frames left out of the recording (it fell behind, or its disk was full)");
        _meter.CreateObservableCounter("videoaffect_frames_not_restreamed", () => Each(s => s.NotRestreamed), description: "processed frames left out of the restream (it fell behind, or its server was away)");
        _meter.CreateObservableCounter("videoaffect_decode_errors", () => Each(s => s.DecodeErrors), description: "errors the decoder reported in the stream's pictures (damaged data, lost packets), concealed or left out");
        Latency = _meter.CreateHistogram<double>("videoaffect_latency", "s", "frame capture to record written");
        _meter.CreateObservableGauge("videoaffect_queue_depth", () => Each(s => s.QueueDepth), description: "frames waiting before detection");
        _meter.CreateObservableGauge("videoaffect_fps", () => Each(s => s.FramesPerSecond), description: "processed frames per second over the last 5 s");
        _meter.CreateObservableGauge("videoaffect_up", () => Each(s => s.State == StreamState.Live ? 1 : 0), description: "1 while the stream delivers frames");
        _meter.CreateObservableGauge("videoaffect_downtime", () => Each(s => s.Downtime.TotalSeconds), "s", "time the stream was not delivering frames");
    }

    public Histogram<double> Latency { get; }

    /// <summary>Each event sink's counters, tagged with its name (brokers: messages sent and dropped).</summary>
    public void Register(Sinks.EventSinks sinks)
    {
        if (sinks.All.Count == 0) return;
        IEnumerable<Measurement<long>> Per(Func<Sinks.SinkCounters, long> value) =>
            sinks.All.Select(s => new Measurement<long>(value(s.Counters), new KeyValuePair<string, object?>("sink", s.Name)));
        _meter.CreateObservableCounter("videoaffect_sink_messages_sent", () => Per(c => c.Sent), description: "messages an event sink's broker accepted");
        _meter.CreateObservableCounter("videoaffect_sink_messages_dropped", () => Per(c => c.Dropped), description: "messages an event sink gave up (outbox full, broker down, run ended)");
        _meter.CreateObservableCounter("videoaffect_sink_errors", () => Per(c => c.Errors), description: "failed sends and connection attempts of an event sink");
    }

    public void Register(StreamStatus status) { lock (_streams) _streams.Add(status); }

    /// <summary>A stream that left the monitor: its series stop.</summary>
    public void Unregister(StreamStatus status) { lock (_streams) _streams.Remove(status); }

    IEnumerable<Measurement<T>> Each<T>(Func<StreamStatus, T> value) where T : struct
    {
        StreamStatus[] streams;
        lock (_streams) streams = _streams.ToArray();
        return streams.Select(s => new Measurement<T>(value(s), new KeyValuePair<string, object?>("stream", s.Name)));
    }

    public void Dispose() => _meter.Dispose();
}
