using System.Diagnostics;

namespace VideoAffect.Live;

public enum StreamState { Connecting, Live, Reconnecting, Ended, Failed, Stopped }

/// <summary>
/// What one stream of the monitor is doing: counters (also published as metrics), its state and
/// last error, recent latencies for percentiles and the emotions on its latest frame. Written by
/// the stream's source and stages, read by the HTTP endpoint and the final summary.
/// </summary>
public sealed class StreamStatus(LiveSourceSpec source, LiveMetrics metrics)
{
    readonly KeyValuePair<string, object?> _tag = new("stream", source.Name);
    readonly object _gate = new();
    readonly double[] _latencies = new double[2048];
    readonly Queue<long> _recentFrames = new();
    long _latencyCount, _frames, _dropped, _processed, _faces, _reconnects, _errors, _notRecorded;
    StreamState _state = StreamState.Connecting;
    long _notLiveSince = Stopwatch.GetTimestamp();
    TimeSpan _downtime;

    public string Name => source.Name;
    public LiveSourceSpec Source => source;
    public StreamState State { get { lock (_gate) return _state; } }
    public string? LastError { get; private set; }
    public int Width { get; private set; }
    public int Height { get; private set; }
    public long Frames => Interlocked.Read(ref _frames);
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Processed => Interlocked.Read(ref _processed);
    public long Faces => Interlocked.Read(ref _faces);
    public long Reconnects => Interlocked.Read(ref _reconnects);
    public long Errors => Interlocked.Read(ref _errors);
    /// <summary>Processed frames left out of the recording because its encoder fell behind.</summary>
    public long NotRecorded => Interlocked.Read(ref _notRecorded);
    /// <summary>Frames waiting before detection; set by the monitor.</summary>
    public Func<int> QueueDepthProbe { get; set; } = () => 0;
    public int QueueDepth => QueueDepthProbe();
    /// <summary>Label and confidence of each face on the latest processed frame.</summary>
    public IReadOnlyList<(int Track, string Label, double Confidence)> CurrentFaces { get; private set; } = [];

    public TimeSpan Downtime
    {
        get
        {
            lock (_gate)
                return _state == StreamState.Live ? _downtime : _downtime + Stopwatch.GetElapsedTime(_notLiveSince);
        }
    }

    public double FramesPerSecond
    {
        get
        {
            lock (_recentFrames)
            {
                Trim(Stopwatch.GetTimestamp());
                return _recentFrames.Count / 5.0;
            }
        }
    }

    public void SetState(StreamState state, string? error = null)
    {
        lock (_gate)
        {
            if (state == _state) { if (error is not null) LastError = error; return; }
            if (_state == StreamState.Live) _notLiveSince = Stopwatch.GetTimestamp();
            else if (state == StreamState.Live) _downtime += Stopwatch.GetElapsedTime(_notLiveSince);
            _state = state;
            if (error is not null) LastError = error;
        }
    }

    public void Connected(int width, int height) { Width = width; Height = height; SetState(StreamState.Live); }

    public void FrameRead() { Interlocked.Increment(ref _frames); }

    public void FrameDropped() { Interlocked.Increment(ref _dropped); }

    public void FrameNotRecorded() { Interlocked.Increment(ref _notRecorded); }

    public void Reconnecting(string reason)
    {
        Interlocked.Increment(ref _reconnects);
        SetState(StreamState.Reconnecting, reason);
    }

    public void Error(string message)
    {
        Interlocked.Increment(ref _errors);
        lock (_gate) LastError = message;
    }

    /// <summary>A frame reached the outputs: its faces, and the time since it was captured.</summary>
    public void FrameProcessed(Media.VideoFrame frame)
    {
        Interlocked.Increment(ref _processed);
        var faces = frame.Faces.Where(f => f.Display is not null).Select(f => (f.TrackId, f.Display!.Label, (double)f.Display.Confidence)).ToList();
        Interlocked.Add(ref _faces, faces.Count);
        CurrentFaces = faces;
        long now = Stopwatch.GetTimestamp();
        if (frame.CapturedTicks != 0)
        {
            double seconds = Stopwatch.GetElapsedTime(frame.CapturedTicks, now).TotalSeconds;
            metrics.Latency.Record(seconds, _tag);
            lock (_latencies) _latencies[_latencyCount++ % _latencies.Length] = seconds;
        }
        lock (_recentFrames)
        {
            _recentFrames.Enqueue(now);
            Trim(now);
        }
    }

    void Trim(long now)
    {
        while (_recentFrames.Count > 0 && Stopwatch.GetElapsedTime(_recentFrames.Peek(), now) > TimeSpan.FromSeconds(5)) _recentFrames.Dequeue();
    }

    /// <summary>The source-side facts event sinks publish as the stream's status.</summary>
    public Sinks.StreamReport Report() => new(State.ToString().ToLowerInvariant(), Frames, Dropped, Reconnects, LastError);

    /// <summary>Latency percentile (0..100) over the last 2048 processed frames, in seconds; null before any.</summary>
    public double? LatencyPercentile(double percentile)
    {
        double[] window;
        lock (_latencies) window = _latencies.Take((int)Math.Min(_latencyCount, _latencies.Length)).ToArray();
        if (window.Length == 0) return null;
        Array.Sort(window);
        return window[(int)Math.Min(window.Length - 1, Math.Round(percentile / 100 * (window.Length - 1)))];
    }
}
