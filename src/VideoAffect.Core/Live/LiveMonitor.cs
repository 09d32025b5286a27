using System.Diagnostics;
using System.Threading.Channels;
using VideoAffect.Detection;
using VideoAffect.Inference;
using VideoAffect.Media;
using VideoAffect.Model;
using VideoAffect.Pipeline;
using VideoAffect.Preprocessing;
using VideoAffect.Records;
using VideoAffect.Sinks;
using VideoAffect.Tracking;

namespace VideoAffect.Live;

/// <summary>
/// Watches several live sources at once in one process. Per stream: the source (reconnecting) →
/// a drop-oldest queue → detection and tracking → [shared: one classifier batching faces of all
/// streams by size and deadline] → smoothing, drawing, records → preview, recording, status.
/// Stopping (the token, or the duration) stops the sources; every frame already read still goes
/// through, records are flushed and recordings finalised. A stream that fails does not stop the others.
/// </summary>
public sealed class LiveMonitor : IDisposable
{
    readonly MonitorOptions _options;
    readonly Action<string>? _log;
    readonly Stopwatch _clock = new();
    ClassifyStage? _classify;

    public LiveMonitor(MonitorOptions options, Action<string>? log = null, EventSinks? sinks = null)
    {
        options.Validate();
        _options = options;
        _log = log;
        Sinks = sinks ?? EventSinks.None;
        Metrics.Register(Sinks);
        Streams = options.Sources.Select(s => new StreamStatus(s, Metrics)).ToList();
        foreach (var s in Streams) Metrics.Register(s);
        Previews = options.Sources.ToDictionary(s => s.Name, _ => new PreviewHub());
    }

    public LiveMetrics Metrics { get; } = new();
    /// <summary>Where records and track events go besides the files (brokers).</summary>
    public EventSinks Sinks { get; }
    public IReadOnlyList<StreamStatus> Streams { get; }
    internal IReadOnlyDictionary<string, PreviewHub> Previews { get; }
    public TimeSpan Elapsed => _clock.Elapsed;
    public long Batches => _classify?.Batches ?? 0;
    public long MixedBatches => _classify?.MixedBatches ?? 0;
    Func<long?>? _detectorPasses;
    /// <summary>BlazeFace's forward passes, which every stream's frames share; null with a Haar detector.</summary>
    public long? DetectorPasses => _detectorPasses?.Invoke();
    public string BackendDescription { get; private set; } = "";
    public ResourceSampler? Resources { get; private set; }

    public async Task<MonitorSummary> RunAsync(CancellationToken stop)
    {
        if (_options.RecordsDirectory is { } records) Directory.CreateDirectory(records);
        using var recognition = Recognition.Load(_options, _log);
        BackendDescription = recognition.BackendDescription;
        _detectorPasses = () => recognition.BlazeFacePasses;
        // Live: one detector per stream with the stream's share of the cores on each frame, for
        // latency; OpenCV's cascade is single-threaded, so it gets that many detectors instead.
        int share = Math.Max(1, Environment.ProcessorCount / Streams.Count);
        bool frameThreads = _options.DetectorKind.ToLowerInvariant() is "auto" or "simd";
        var writers = new List<IRecordWriter>();
        var streams = new List<StreamPipeline>();
        // Streams and their detectors give the parallelism; OpenCV's own threads would stall behind them.
        using var openCvThreads = OpenCvThreads.Single();
        try
        {
            for (int i = 0; i < Streams.Count; i++)
            {
                var name = Streams[i].Name;
                var writer = _options.RecordsPath(name) is { } path ? RecordWriters.Create(path, recognition.Network.Labels, recognition.LandmarkNames) : new NoRecords();
                writers.Add(writer);
                var stages = recognition.ForStream(name, frameThreads ? 1 : share, frameThreads ? share : 1, live: true, writer, Sinks);
                stages.WarmUpDetectors();
                streams.Add(new StreamPipeline(i, Streams[i], Previews[name], _options, _log, stages,
                    _options.RecordingDirectory is { } rec ? new SegmentRecorder(rec, name, _options.SegmentLength, _log, Streams[i].FrameNotRecorded) : null));
            }
            _classify = recognition.Classifier();
            // The classifier's first pass compiles its code too: before the cameras, not on their first faces.
            recognition.WarmUpClassifier();
            _log?.Invoke($"monitoring {Streams.Count} stream(s); backend {BackendDescription}");
            return await RunStreamsAsync(streams, stop);
        }
        finally
        {
            foreach (var s in streams) if (s.Recorder is not null) await s.Recorder.DisposeAsync();
            foreach (var w in writers) w.Dispose();
        }
    }

    async Task<MonitorSummary> RunStreamsAsync(List<StreamPipeline> streams, CancellationToken stop)
    {
        using var sourcesStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        if (_options.Duration is { } duration) sourcesStop.CancelAfter(duration);
        // A failing stage stops everything, sources included; a failing source only ends its stream.
        using var stages = new StageGroup(onFailure: () => sourcesStop.CancelQuietly());
        using var stopSampling = new CancellationTokenSource();
        Resources = _options.ResourceInterval is { } interval ? new ResourceSampler(interval, _options.ResourceReportPath) : null;
        var sampling = Resources?.RunAsync(stopSampling.Token) ?? Task.CompletedTask;
        var toClassify = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(2 * streams.Count + 2) { SingleReader = true });
        var classified = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(2 * streams.Count + 2) { SingleReader = true, SingleWriter = true });
        var byName = Streams.ToDictionary(s => s.Name);
        Sinks.Start(new SinkRun
        {
            Streams = Streams.Select(s => s.Name).ToList(),
            Report = name => byName[name].Report(),
            TrackEndFrames = _options.TrackEndFrames(),
            Log = _log,
        });
        _clock.Start();
        foreach (var s in streams) s.Start(stages, toClassify.Writer, sourcesStop.Token);
        stages.Add(Task.WhenAll(streams.Select(s => s.Merged)).ContinueWith(_ => toClassify.Writer.TryComplete(), TaskScheduler.Default));
        stages.Stage(() => _classify!.RunAsync(toClassify.Reader, classified.Writer, stages.Abort));
        stages.Stage(() => RouteAsync(classified.Reader, streams, stages.Abort));
        await stages.Completion;
        var failure = stages.Failure;
        await Sinks.FinishAsync(failure is not null ? RunOutcome.Failed : stop.IsCancellationRequested ? RunOutcome.Stopped : RunOutcome.Complete);
        if (failure is null && Sinks.FatalError is { } refused) failure = new VideoAffectException(refused);
        _clock.Stop();
        stopSampling.Cancel();
        await sampling;
        string reason = failure is not null ? "failed" : stop.IsCancellationRequested ? "stopped" : _options.Duration is not null && sourcesStop.IsCancellationRequested ? "duration reached" : "sources ended";
        return MonitorSummary.From(this, reason, failure?.Message);
    }

    /// <summary>Hands classified frames back to their own stream.</summary>
    static async Task RouteAsync(ChannelReader<VideoFrame> input, List<StreamPipeline> streams, CancellationToken token)
    {
        try
        {
            await foreach (var frame in input.ReadUntilEndAsync(token))
                await streams[frame.Stream].Classified.Writer.WriteAsync(frame, token);
        }
        finally
        {
            foreach (var s in streams) s.Classified.Writer.TryComplete();
        }
    }

    public void Dispose() => Metrics.Dispose();

    sealed class NoRecords : IRecordWriter
    {
        public long Records => 0;
        public void Write(FrameRecord frame) { }
        public void Dispose() { }
    }

    /// <summary>One stream's own stages and queues around the shared classifier.</summary>
    sealed class StreamPipeline(int index, StreamStatus status, PreviewHub preview, MonitorOptions options, Action<string>? log,
        StreamStages stages, SegmentRecorder? recorder)
    {
        public SegmentRecorder? Recorder => recorder;
        public Channel<VideoFrame> Classified { get; } = Small();
        public Task Merged { get; private set; } = Task.CompletedTask;

        static Channel<VideoFrame> Small(int capacity = 4) =>
            Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });

        public void Start(StageGroup group, ChannelWriter<VideoFrame> toClassify, CancellationToken sourceToken)
        {
            // Live: when detection falls behind, the oldest waiting frame goes, so latency stays bounded
            // (from the stream's first processed frame on; see LiveQueue).
            var captured = new LiveQueue(options.QueueCapacity, () => status.Processed > 0,
                dropped => { dropped.Dispose(); status.FrameDropped(); });
            status.QueueDepthProbe = () => captured.Count;
            var detected = Small(2);
            var annotated = Small();
            var source = new LiveSource(status.Source, options.Source, status, index, log);
            // The source reports its own failures on the stream's status; it never stops the others.
            group.Add(Task.Run(() => source.RunAsync(captured.Writer, sourceToken)));
            stages.RunDetection(group, captured.Reader, detected.Writer);
            Merged = Task.Run(() => MergeAsync(detected.Reader, toClassify, group.Abort));
            group.Stage(() => Merged);
            stages.RunAfterClassification(group, Classified.Reader, annotated.Writer, () => Small());
            group.Stage(() => SinkAsync(annotated.Reader, group.Abort));
        }

        static async Task MergeAsync(ChannelReader<VideoFrame> input, ChannelWriter<VideoFrame> output, CancellationToken token)
        {
            await foreach (var frame in input.ReadUntilEndAsync(token))
            {
                try { await output.WriteAsync(frame, token); }
                catch { frame.Dispose(); throw; }
            }
        }

        async Task SinkAsync(ChannelReader<VideoFrame> input, CancellationToken token)
        {
            await foreach (var frame in input.ReadUntilEndAsync(token))
            {
                try
                {
                    status.FrameProcessed(frame);
                    preview.Offer(frame);
                }
                catch { frame.Dispose(); throw; }
                if (recorder is not null) await recorder.WriteAsync(frame);
                else frame.Dispose();
            }
        }
    }
}
