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
    public IReadOnlyDictionary<string, PreviewHub> Previews { get; }
    public TimeSpan Elapsed => _clock.Elapsed;
    public long Batches => _classify?.Batches ?? 0;
    public long MixedBatches => _classify?.MixedBatches ?? 0;
    public string BackendDescription { get; private set; } = "";
    public ResourceSampler? Resources { get; private set; }

    public async Task<MonitorSummary> RunAsync(CancellationToken stop)
    {
        if (_options.RecordsDirectory is { } records) Directory.CreateDirectory(records);
        var network = PretrainedModel.Load(_options.ModelPath);
        using var backend = BackendFactory.Create(_options.Backend, network, _options.BatchSize, _log);
        BackendDescription = $"{backend.Name} ({backend.DeviceName})";
        int workers = Math.Max(1, Environment.ProcessorCount / Streams.Count);
        var resources = new List<IDisposable>();
        var streams = new List<StreamPipeline>();
        int openCvThreads = OpenCvSharp.Cv2.GetNumThreads();
        try
        {
            // Streams and their detectors give the parallelism; OpenCV's own threads would stall behind them.
            OpenCvSharp.Cv2.SetNumThreads(1);
            bool cropOnDevice = backend is IFrameInferenceBackend;
            for (int i = 0; i < Streams.Count; i++)
            {
                // Live: one detector per stream with the stream's share of the cores on each frame, for latency;
                // OpenCV's cascade is single-threaded, so it gets that many detectors instead.
                bool frameThreads = _options.DetectorKind.ToLowerInvariant() is "auto" or "simd";
                var detectors = FaceDetectorFactory.Create(_options.DetectorKind, _options.Detector, backend,
                    frameThreads ? 1 : workers, frameThreads ? workers : 1);
                WarmUp(detectors);
                resources.AddRange(detectors);
                var preprocessor = new FacePreprocessor(network.InputShape, _options.CropMargin);
                resources.Add(preprocessor);
                var writer = _options.RecordsDirectory is { } dir
                    ? new JsonlRecordWriter(Path.Combine(dir, $"{Streams[i].Name}.jsonl")) : (IRecordWriter)new NoRecords();
                resources.Add(writer);
                var tracker = _options.Tracking ? new IouTracker(_options.Tracker) : null;
                var smoother = _options.Tracking && _options.SmoothingAlpha < 1 ? new ProbabilitySmoother(_options.SmoothingAlpha) : null;
                streams.Add(new StreamPipeline(i, Streams[i], Previews[Streams[i].Name], _options, _log,
                    new DetectStage(detectors, preprocessor, network.InputShape.Size, tracker, _options.DetectEvery, _options.ClassifyEvery, cropOnDevice),
                    new ConfirmationGate(_options.KeepTentative ? TentativeFaces.HoldAndMark : TentativeFaces.Drop),
                    new AnnotateStage(writer, network.Labels, smoother, stream: Streams[i].Name),
                    Sinks.All.Count > 0 ? new SinkStage(Sinks) : null,
                    _options.RecordingDirectory is { } rec ? new SegmentRecorder(rec, Streams[i].Name, _options.SegmentLength, _log) : null));
            }
            _classify = new ClassifyStage(backend, _options.BatchSize, _options.BatchTimeout);
            // The classifier's first pass compiles its code too: before the cameras, not on their first faces.
            backend.Run(new float[network.InputShape.Size], 1, new float[network.ClassCount]);
            _log?.Invoke($"monitoring {Streams.Count} stream(s); backend {BackendDescription}");
            return await RunStreamsAsync(streams, stop);
        }
        finally
        {
            OpenCvSharp.Cv2.SetNumThreads(openCvThreads);
            foreach (var s in streams) if (s.Recorder is not null) await s.Recorder.DisposeAsync();
            foreach (var r in resources) r.Dispose();
        }
    }

    async Task<MonitorSummary> RunStreamsAsync(List<StreamPipeline> streams, CancellationToken stop)
    {
        using var sourcesStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        if (_options.Duration is { } duration) sourcesStop.CancelAfter(duration);
        using var abort = new CancellationTokenSource();
        Exception? failure = null;
        // A failing stage stops everything (its input can no longer drain); a failing source only ends its stream.
        Task Guard(Task stage) => stage.ContinueWith(t =>
        {
            if (t.Exception?.GetBaseException() is { } e && e is not OperationCanceledException)
            {
                Interlocked.CompareExchange(ref failure, e, null);
                abort.CancelQuietly();
                sourcesStop.CancelQuietly();
            }
        }, TaskScheduler.Default);

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
            TrackEndFrames = Pipeline.VideoAnalyzer.TrackEndFrames(_options.Tracker, _options.DetectEvery),
            Log = _log,
        });
        _clock.Start();
        var tasks = new List<Task>();
        foreach (var s in streams) tasks.AddRange(s.Start(toClassify.Writer, sourcesStop.Token, abort.Token, Guard));
        var merged = Task.WhenAll(streams.Select(s => s.Merged)).ContinueWith(_ => toClassify.Writer.TryComplete(), TaskScheduler.Default);
        tasks.Add(merged);
        tasks.Add(Guard(Task.Run(() => _classify!.RunAsync(toClassify.Reader, classified.Writer, abort.Token))));
        tasks.Add(Guard(Task.Run(() => RouteAsync(classified.Reader, streams, abort.Token))));
        await Task.WhenAll(tasks);
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

    /// <summary>
    /// One detection on a small textured frame per detector before the streams start, so that code
    /// compilation and first allocations do not fall on a live stream's first frames (they used to
    /// cost a few dropped frames and most of a short run's 95th-percentile latency).
    /// </summary>
    static void WarmUp(IReadOnlyList<Detection.IFaceDetector> detectors)
    {
        using var frame = new OpenCvSharp.Mat(120, 160, OpenCvSharp.MatType.CV_8UC1);
        OpenCvSharp.Cv2.Randu(frame, OpenCvSharp.Scalar.All(0), OpenCvSharp.Scalar.All(255));
        foreach (var detector in detectors) detector.Detect(frame);
    }

    sealed class NoRecords : IRecordWriter
    {
        public long Records => 0;
        public void Write(FrameRecord frame) { }
        public void Dispose() { }
    }

    /// <summary>One stream's own stages and queues around the shared classifier.</summary>
    sealed class StreamPipeline(int index, StreamStatus status, PreviewHub preview, MonitorOptions options, Action<string>? log,
        DetectStage detect, ConfirmationGate gate, AnnotateStage annotate, SinkStage? sinks, SegmentRecorder? recorder)
    {
        public SegmentRecorder? Recorder => recorder;
        public Channel<VideoFrame> Classified { get; } = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        public Task Merged { get; private set; } = Task.CompletedTask;

        public IEnumerable<Task> Start(ChannelWriter<VideoFrame> toClassify, CancellationToken sourceToken, CancellationToken abort, Func<Task, Task> guard)
        {
            // Live: when detection falls behind, the oldest waiting frame goes, so latency stays bounded
            // (from the stream's first processed frame on; see LiveQueue).
            var captured = new LiveQueue(options.QueueCapacity, () => status.Processed > 0,
                dropped => { dropped.Dispose(); status.FrameDropped(); });
            status.QueueDepthProbe = () => captured.Count;
            var detected = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
            var gated = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
            var annotated = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
            var offered = sinks is null ? annotated : Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
            var source = new LiveSource(status.Source, options.Source, status, index, log);
            Merged = Task.Run(() => MergeAsync(detected.Reader, toClassify, abort));
            return
            [
                Task.Run(() => source.RunAsync(captured.Writer, sourceToken)),
                guard(Task.Run(() => detect.RunAsync(captured.Reader, detected.Writer, abort))),
                guard(Merged),
                guard(Task.Run(() => gate.RunAsync(Classified.Reader, gated.Writer, abort))),
                guard(Task.Run(() => annotate.RunAsync(gated.Reader, annotated.Writer, abort))),
                guard(Task.Run(() => SinkAsync(offered.Reader, abort))),
                sinks is null ? Task.CompletedTask : guard(Task.Run(() => sinks.RunAsync(annotated.Reader, offered.Writer, abort))),
            ];
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
