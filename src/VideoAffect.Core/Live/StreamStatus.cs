using System.Diagnostics;
using VideoAffect.Media;

namespace VideoAffect.Live;

/// <summary>Where a live stream is in its life.</summary>
public enum StreamState
{
    /// <summary>Opening the source for the first time.</summary>
    Connecting,
    /// <summary>Frames are arriving.</summary>
    Live,
    /// <summary>Lost or stalled; waiting to try again.</summary>
    Reconnecting,
    /// <summary>A file source reached its end.</summary>
    Ended,
    /// <summary>Gave up on an error that retrying cannot fix.</summary>
    Failed,
    /// <summary>Stopped by the user or removed.</summary>
    Stopped,
    /// <summary>A pushed source (a port it listens on, standard input) waits for its sender.</summary>
    Waiting,
}

/// <summary>One second of a stream's emotion: its most confident face's shown label (null: no face).</summary>
public sealed record EmotionSample(DateTime Utc, string? Label, double Confidence);

/// <summary>
/// What one stream of the monitor is doing: counters (also published as metrics), its state and
/// last error, recent latencies for percentiles and the emotions on its latest frame. Written by
/// the stream's source and stages, read by the HTTP endpoint and the final summary.
/// </summary>
public sealed class StreamStatus
{
    readonly LiveSourceSpec source;
    readonly LiveMetrics metrics;

    internal StreamStatus(LiveSourceSpec source, LiveMetrics metrics)
    {
        this.source = source;
        this.metrics = metrics;
        _tag = new("stream", source.Name);
    }

    readonly KeyValuePair<string, object?> _tag;
    readonly object _gate = new();
    readonly double[] _latencies = new double[2048];
    readonly Queue<long> _recentFrames = new(), _recentReads = new();
    readonly Queue<EmotionSample> _history = new();
    long _lastProcessedTicks, _retryAtTicks;
    long _latencyCount, _frames, _dropped, _processed, _faces, _reconnects, _errors, _notRecorded, _notRestreamed;
    StreamState _state = StreamState.Connecting;
    long _notLiveSince = Stopwatch.GetTimestamp();
    TimeSpan _downtime;

    /// <summary>The stream's name.</summary>
    public string Name => source.Name;
    /// <summary>The source as given.</summary>
    public LiveSourceSpec Source => source;
    /// <summary>Where the stream is now.</summary>
    public StreamState State { get { lock (_gate) return _state; } }
    /// <summary>The last error's message, if any.</summary>
    public string? LastError { get; private set; }
    /// <summary>Frame width (0 before the first frame).</summary>
    public int Width { get; private set; }
    /// <summary>Frame height.</summary>
    public int Height { get; private set; }
    /// <summary>Frames read from the source.</summary>
    public long Frames => Interlocked.Read(ref _frames);
    /// <summary>Frames dropped because the pipeline was behind the source.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);
    /// <summary>Frames that reached the outputs.</summary>
    public long Processed => Interlocked.Read(ref _processed);
    /// <summary>Faces classified.</summary>
    public long Faces => Interlocked.Read(ref _faces);
    /// <summary>Reconnections after a failure or stall.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);
    /// <summary>Errors met.</summary>
    public long Errors => Interlocked.Read(ref _errors);
    /// <summary>Processed frames left out of the recording because its encoder fell behind.</summary>
    public long NotRecorded => Interlocked.Read(ref _notRecorded);
    /// <summary>Processed frames left out of the restream (`--restream`): its push fell behind, or its server was away.</summary>
    public long NotRestreamed => Interlocked.Read(ref _notRestreamed);
    /// <summary>Processed frames whose records could not be written (a full disk).</summary>
    public long RecordsLost => Interlocked.Read(ref _recordsLost);
    long _recordsLost;
    /// <summary>Errors the decoder reported in the stream's pictures once it was delivering them: damaged data (lost packets), concealed or left out.</summary>
    public long DecodeErrors => Interlocked.Read(ref _decodeErrors);
    long _decodeErrors;
    internal void DecodeErrorsSeen(long count) => Interlocked.Add(ref _decodeErrors, count);
    /// <summary>Frames waiting before detection; set by the monitor.</summary>
    internal Func<int> QueueDepthProbe { get; set; } = () => 0;
    /// <summary>Frames waiting before detection now.</summary>
    public int QueueDepth => QueueDepthProbe();
    /// <summary>Label and confidence of each face on the latest processed frame.</summary>
    public IReadOnlyList<(int Track, string Label, double Confidence)> CurrentFaces { get; private set; } = [];

    /// <summary>Time spent not live.</summary>
    public TimeSpan Downtime
    {
        get
        {
            lock (_gate)
                return _state == StreamState.Live ? _downtime : _downtime + Stopwatch.GetElapsedTime(_notLiveSince);
        }
    }

    /// <summary>Processed frames per second over the last 5 s.</summary>
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

    internal void SetState(StreamState state, string? error = null)
    {
        lock (_gate)
        {
            if (state == _state) { if (error is not null) LastError = SourceSecrets.Redact(error); return; }
            if (_state == StreamState.Live) _notLiveSince = Stopwatch.GetTimestamp();
            else if (state == StreamState.Live) _downtime += Stopwatch.GetElapsedTime(_notLiveSince);
            _state = state;
            if (error is not null) LastError = SourceSecrets.Redact(error);
        }
    }

    internal void Connected(int width, int height, OutputColour colour)
    {
        Width = width;
        Height = height;
        Colour = colour;
        SetState(StreamState.Live);
    }

    /// <summary>How recordings of the current connection convert and tag their colours (the camera's own, see <see cref="OutputColour"/>).</summary>
    internal OutputColour Colour { get; private set; } = OutputColour.Bt709;

    internal void FrameRead()
    {
        Interlocked.Increment(ref _frames);
        long now = Stopwatch.GetTimestamp();
        lock (_recentReads)
        {
            _recentReads.Enqueue(now);
            Trim(_recentReads, now);
        }
    }

    /// <summary>Frames read from the source per second over the last 5 s (what the camera delivers).</summary>
    public double FramesReceivedPerSecond
    {
        get
        {
            lock (_recentReads)
            {
                Trim(_recentReads, Stopwatch.GetTimestamp());
                return _recentReads.Count / 5.0;
            }
        }
    }

    /// <summary>Seconds since the last frame reached the outputs; null before any.</summary>
    public double? SecondsSinceLastFrame => Interlocked.Read(ref _lastProcessedTicks) is var t and not 0 ? Stopwatch.GetElapsedTime(t).TotalSeconds : null;

    /// <summary>Seconds until the next connection attempt while reconnecting; null otherwise.</summary>
    public double? RetryInSeconds
    {
        get
        {
            long at = Interlocked.Read(ref _retryAtTicks);
            if (at == 0 || State != StreamState.Reconnecting) return null;
            return Math.Max(0, (at - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
        }
    }

    /// <summary>The source waits this long before its next attempt.</summary>
    internal void RetryAfter(TimeSpan delay) =>
        Interlocked.Exchange(ref _retryAtTicks, Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency));

    /// <summary>The last few minutes of the stream's emotion: once a second, its most confident face's shown label.</summary>
    public IReadOnlyList<EmotionSample> History { get { lock (_history) return _history.ToList(); } }

    internal void FrameDropped() { Interlocked.Increment(ref _dropped); }

    internal void FrameNotRecorded() { Interlocked.Increment(ref _notRecorded); }
    internal void FrameNotRestreamed() { Interlocked.Increment(ref _notRestreamed); }

    internal void Reconnecting(string reason)
    {
        Interlocked.Increment(ref _reconnects);
        SetState(StreamState.Reconnecting, reason);
    }

    /// <summary>A frame's records could not be written; the first of a run of them says why.</summary>
    internal void RecordsNotWritten(string? message)
    {
        Interlocked.Increment(ref _recordsLost);
        if (message is not null) lock (_gate) LastError = SourceSecrets.Redact(message);
    }

    internal void Error(string message)
    {
        Interlocked.Increment(ref _errors);
        lock (_gate) LastError = SourceSecrets.Redact(message);
    }

    /// <summary>A frame reached the outputs: its faces, and the time since it was captured.</summary>
    internal void FrameProcessed(Media.VideoFrame frame)
    {
        Interlocked.Increment(ref _processed);
        var faces = frame.Faces.Where(f => f.Display is not null).Select(f => (f.TrackId, f.Display!.Label, (double)f.Display.Confidence)).ToList();
        Interlocked.Add(ref _faces, faces.Count);
        CurrentFaces = faces;
        long now = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _lastProcessedTicks, now);
        Sample(DateTime.UtcNow, faces);
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

    void Trim(long now) => Trim(_recentFrames, now);

    static void Trim(Queue<long> times, long now)
    {
        while (times.Count > 0 && Stopwatch.GetElapsedTime(times.Peek(), now) > TimeSpan.FromSeconds(5)) times.Dequeue();
    }

    /// <summary>Three minutes of one sample a second.</summary>
    const int HistorySeconds = 180;

    void Sample(DateTime utc, List<(int Track, string Label, double Confidence)> faces)
    {
        lock (_history)
        {
            if (_history.Count > 0 && (utc - _history.Last().Utc).TotalSeconds < 1) return;
            var top = faces.Count == 0 ? default : faces.MaxBy(f => f.Confidence);
            _history.Enqueue(new EmotionSample(utc, faces.Count == 0 ? null : top.Label, Math.Round(top.Confidence, 3)));
            while (_history.Count > HistorySeconds) _history.Dequeue();
        }
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
