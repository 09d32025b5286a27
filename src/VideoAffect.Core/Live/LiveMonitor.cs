using System.Collections.Concurrent;
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
    readonly object _gate = new();
    readonly List<StreamStatus> _streams = new();
    readonly ConcurrentDictionary<string, PreviewHub> _previews = new();
    ClassifyStage? _classify;
    Running? _running;
    int _nextStream;

    /// <summary>A monitor of <paramref name="options"/>' sources (checked here; a bad setting is a one-line <see cref="VideoAffectException"/>), logging to <paramref name="log"/> and publishing to <paramref name="sinks"/> besides its records files.</summary>
    public LiveMonitor(MonitorOptions options, Action<string>? log = null, EventSinks? sinks = null)
    {
        options.Validate();
        _options = options;
        _log = log;
        Sinks = sinks ?? EventSinks.None;
        Metrics.Register(Sinks);
        foreach (var source in options.Sources) Register(source);
    }

    internal LiveMetrics Metrics { get; } = new();
    /// <summary>Where records and track events go besides the files (brokers).</summary>
    public EventSinks Sinks { get; }
    /// <summary>The streams now watched, in the order they were added.</summary>
    public IReadOnlyList<StreamStatus> Streams { get { lock (_gate) return _streams.ToList(); } }
    internal IReadOnlyDictionary<string, PreviewHub> Previews => _previews;
    /// <summary>Time since the monitor started running.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;
    /// <summary>Forward passes of the classifier so far.</summary>
    public long Batches => _classify?.Batches ?? 0;
    /// <summary>Forward passes that held faces of more than one stream.</summary>
    public long MixedBatches => _classify?.MixedBatches ?? 0;
    Func<long?>? _detectorPasses;
    /// <summary>BlazeFace's forward passes, which every stream's frames share; null with a Haar detector.</summary>
    public long? DetectorPasses => _detectorPasses?.Invoke();
    /// <summary>The backend and device the classifier runs on, once running.</summary>
    public string BackendDescription { get; private set; } = "";
    internal ResourceSampler? Resources { get; private set; }

    StreamStatus Register(LiveSourceSpec source)
    {
        var status = new StreamStatus(source, Metrics);
        lock (_gate)
        {
            if (_streams.Any(s => s.Name == source.Name)) throw new VideoAffectException($"a stream named '{source.Name}' is already watched");
            _streams.Add(status);
        }
        _previews[source.Name] = new PreviewHub();
        Metrics.Register(status);
        return status;
    }

    /// <summary>
    /// Starts watching another source while the monitor runs (with <see cref="MonitorOptions.KeepRunning"/>),
    /// sharing the classifier with the others; before the run it joins the initial sources.
    /// </summary>
    public void AddStream(LiveSourceSpec source)
    {
        lock (_gate)
        {
            if (_running is not null && !_options.KeepRunning)
                throw new VideoAffectException("streams can be added to a running monitor only when it keeps running (monitor --control)");
            var status = Register(source);
            try { _running?.Start(status); }
            catch
            {
                _streams.Remove(status);
                _previews.TryRemove(source.Name, out _);
                Metrics.Unregister(status);
                throw;
            }
        }
        _log?.Invoke($"{source.Name}: added");
    }

    /// <summary>Stops watching a stream: its source stops, what it read still goes through, its records and recording are closed; false if there is none.</summary>
    public async Task<bool> RemoveStreamAsync(string name)
    {
        StreamPipeline? pipeline = null;
        Running? running;
        lock (_gate)
        {
            var status = _streams.FirstOrDefault(s => s.Name == name);
            if (status is null) return false;
            running = _running;
            if (running is not null) pipeline = running.Stop(status);
            else _streams.Remove(status);
        }
        if (pipeline is not null)
        {
            await pipeline.Finished;
            await running!.ForgetAsync(pipeline);
            lock (_gate) _streams.Remove(pipeline.Status);
            _previews.TryRemove(name, out _);
            Metrics.Unregister(pipeline.Status);
        }
        _log?.Invoke($"{name}: removed");
        return true;
    }

    /// <summary>Watches every source until all have ended (or, with <see cref="MonitorOptions.KeepRunning"/>, until <paramref name="stop"/>), then closes records and recordings and returns what each stream did. Cancelling <paramref name="stop"/> is a normal end, not an error.</summary>
    public async Task<MonitorSummary> RunAsync(CancellationToken stop)
    {
        Outputs.OutputFolder.Prepare(_options.RecordsDirectory, "records folder");
        Outputs.OutputFolder.Prepare(_options.RecordingDirectory, "recordings folder");
        using var recognition = Recognition.Load(_options.Recognition, _log);
        BackendDescription = recognition.BackendDescription;
        _detectorPasses = () => recognition.BlazeFacePasses;
        // Streams and their detectors give the parallelism; OpenCV's own threads would stall behind them.
        using var openCvThreads = OpenCvThreads.Single();
        using var sourcesStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        // A failing stage stops everything, sources included; a failing source only ends its stream.
        using var stages = new StageGroup(onFailure: () => sourcesStop.CancelQuietly());
        using var recordsStream = OpenRecordsStream();
        var running = new Running(this, recognition, stages, sourcesStop.Token, recordsStream);
        try
        {
            lock (_gate)
            {
                foreach (var status in _streams) running.Prepare(status);
                _classify = recognition.Classifier();
                // From here a stream added is prepared with these, and started with them.
                _running = running;
            }
            // The classifier's first pass compiles its code too: before the cameras, not on their first faces.
            recognition.WarmUpClassifier();
            _log?.Invoke($"monitoring {Streams.Count} stream(s); backend {BackendDescription}");
            return await RunStreamsAsync(running, stages, sourcesStop, stop);
        }
        finally
        {
            lock (_gate) _running = null;
            await running.CloseAsync();
        }
    }

    /// <summary>The one stream every stream's records go to (<see cref="MonitorOptions.RecordsStream"/>), or null.</summary>
    SharedRecordStream? OpenRecordsStream()
    {
        if (_options.RecordsStream is not { } path) return null;
        using var rules = new Outputs.OutputSet([]);
        var target = rules.Add(path, "records stream", streamAllowed: true);
        if (!target.Streamed)
            throw new VideoAffectException($"the records stream '{path}' is neither standard output ('-') nor a named pipe or terminal; give a folder for records files");
        return new SharedRecordStream(RecordWriters.Streamed(target));
    }

    async Task<MonitorSummary> RunStreamsAsync(Running running, StageGroup stages, CancellationTokenSource sourcesStop, CancellationToken stop)
    {
        using var stopSampling = new CancellationTokenSource();
        Resources = _options.ResourceInterval is { } interval ? new ResourceSampler(interval, _options.ResourceReportPath) : null;
        var sampling = Resources?.RunAsync(stopSampling.Token) ?? Task.CompletedTask;
        Sinks.Start(new SinkRun
        {
            Streams = new StreamNames(this),
            Report = name => Streams.FirstOrDefault(s => s.Name == name)?.Report() ?? new StreamReport("removed", 0, 0, 0, null),
            TrackEndFrames = _options.Recognition.TrackEndFrames,
            // The faces the live page shows: a stream's 256 newest tracks (kept none when anonymizing).
            TrackFace = _options.Recognition.Anonymize == Anonymization.None
                ? (name, track) => _previews.TryGetValue(name, out var hub) ? hub.Faces.Of(track) : null : null,
            Log = _log,
        });
        // The duration counts from the cameras' start, after the models were loaded and warmed up.
        if (_options.Duration is { } duration) sourcesStop.CancelAfter(duration);
        _clock.Start();
        lock (_gate) running.StartPrepared();
        stages.Add(running.FeedEndedAsync(_options.KeepRunning).ContinueWith(_ => running.ToClassify.Writer.TryComplete(), TaskScheduler.Default));
        stages.Stage(() => _classify!.RunAsync(running.ToClassify.Reader, running.Classified.Writer, stages.Abort));
        stages.Stage(() => running.RouteAsync(stages.Abort));
        await stages.Completion;
        var failure = stages.Failure;
        await Sinks.FinishAsync(failure is not null ? RunOutcome.Failed : stop.IsCancellationRequested ? RunOutcome.Stopped : RunOutcome.Complete);
        if (failure is null && Sinks.FatalError is { } refused) failure = new VideoAffectException(refused);
        _clock.Stop();
        stopSampling.Cancel();
        await sampling;
        // Nobody reads the records any more: the monitor ends as a shell pipeline's filter does
        // (the CLI's exit code 141), with its sources stopped and its outputs closed.
        if (failure is not null && Outputs.StandardOutput.Closed(failure)) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        string reason = failure is not null ? "failed" : stop.IsCancellationRequested ? "stopped" : _options.Duration is not null && sourcesStop.IsCancellationRequested ? "duration reached" : "sources ended";
        return MonitorSummary.From(this, reason, failure?.Message);
    }

    /// <summary>The monitor's stream names as they are now, for sinks that report on every stream.</summary>
    sealed class StreamNames(LiveMonitor monitor) : IReadOnlyList<string>
    {
        List<string> Now() => monitor.Streams.Select(s => s.Name).ToList();
        public string this[int index] => Now()[index];
        public int Count => Now().Count;
        public IEnumerator<string> GetEnumerator() => Now().GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// A run's shared parts (the recognition, the stage group, the queues around the one
    /// classifier) and its stream pipelines by stream number, which streams join and leave.
    /// </summary>
    sealed class Running(LiveMonitor monitor, Recognition recognition, StageGroup stages, CancellationToken sourcesStop, SharedRecordStream? recordsStream)
    {
        readonly ConcurrentDictionary<int, StreamPipeline> _pipelines = new();
        readonly List<StreamPipeline> _prepared = new();
        readonly TaskCompletionSource _noMoreStreams = new(TaskCreationOptions.RunContinuationsAsynchronously);
        // The queues around the classifier hold two frames a stream: the streams a run starts with,
        // or room for eight when streams are to join later.
        static int Capacity(LiveMonitor m) => 2 * Math.Max(m._options.KeepRunning ? 8 : 1, m._streams.Count) + 2;

        public Channel<VideoFrame> ToClassify { get; } = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(Capacity(monitor)) { SingleReader = true });
        public Channel<VideoFrame> Classified { get; } = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(Capacity(monitor)) { SingleReader = true, SingleWriter = true });

        /// <summary>Builds a stream's stages; live: one detector per stream with its share of the cores on each frame, for latency.</summary>
        public StreamPipeline Prepare(StreamStatus status)
        {
            var options = monitor._options;
            int id = monitor._nextStream++;
            int share = Math.Max(1, Environment.ProcessorCount / Math.Max(1, monitor._streams.Count));
            // OpenCV's cascade is single-threaded, so it gets that many detectors instead.
            bool frameThreads = options.Recognition.DetectorKind.ToLowerInvariant() is "auto" or "simd";
            var name = status.Name;
            IRecordWriter writer = options.RecordsPath(name) is { } path
                ? new ContinuingRecordWriter(RecordWriters.Log(path, recognition.Network.Labels, recognition.LandmarkNames), status, monitor._log)
                : recordsStream?.ForStream() ?? new NoRecords();
            var stageSet = recognition.ForStream(name, frameThreads ? 1 : share, frameThreads ? share : 1, live: true, writer, monitor.Sinks,
                trackFaces: monitor._previews[name].Faces);
            stageSet.WarmUpDetectors();
            // The annotated video's outputs, each taking every processed frame: the recording, the restream.
            // The camera's sound goes with them (decoded only when one of them carries it).
            var audio = options.KeepAudio && (options.RecordingDirectory is not null || options.Restream is not null) ? new StreamAudio() : null;
            var videoOutputs = new List<AnnotatedVideoOutput>();
            if (options.RecordingDirectory is { } rec)
                videoOutputs.Add(new SegmentRecorder(rec, name, options.SegmentLength, monitor._log, status.FrameNotRecorded, () => status.Colour,
                    new RecordingRetention(rec, name, options.RecordingKeep, options.RecordingMaxBytes, RecordingRetention.Period(options.SegmentLength), monitor._log), options.Crf, audio));
            if (options.Restream is { } restream)
                videoOutputs.Add(new RestreamPush(restream, name, options.RestreamBitrate, monitor._log, status.FrameNotRestreamed, () => status.Colour, options.Crf, audio));
            var pipeline = new StreamPipeline(id, status, monitor._previews[name], options, monitor._log, stageSet, writer, videoOutputs,
                CancellationTokenSource.CreateLinkedTokenSource(sourcesStop), audio);
            _pipelines[id] = pipeline;
            _prepared.Add(pipeline);
            return pipeline;
        }

        bool _started;

        public void StartPrepared()
        {
            foreach (var p in _prepared) p.Start(stages, ToClassify.Writer);
            _prepared.Clear();
            _started = true;
        }

        /// <summary>A stream added while the run goes on (or while it starts: it then starts with the others).</summary>
        public void Start(StreamStatus status)
        {
            if (sourcesStop.IsCancellationRequested) throw new VideoAffectException("the monitor is stopping; no stream can be added");
            Prepare(status);
            if (_started) StartPrepared();
        }

        public StreamPipeline? Stop(StreamStatus status)
        {
            var pipeline = _pipelines.Values.FirstOrDefault(p => p.Status == status);
            pipeline?.StopSource();
            return pipeline;
        }

        /// <summary>A stream that has left: its frames are all through, its files closed now rather than at the run's end.</summary>
        public async Task ForgetAsync(StreamPipeline pipeline)
        {
            await pipeline.CloseAsync();
            foreach (var (id, p) in _pipelines)
                if (p == pipeline && p.Merged.IsCompleted) _pipelines.TryRemove(id, out _);
        }

        /// <summary>
        /// When no frame can reach the classifier any more: every stream's detection has ended, and
        /// (kept running) the sources were told to stop, so no stream can join.
        /// </summary>
        public async Task FeedEndedAsync(bool keepRunning)
        {
            if (keepRunning)
            {
                try { await Task.Delay(Timeout.Infinite, sourcesStop); }
                catch (OperationCanceledException) { }
            }
            while (true)
            {
                var merged = _pipelines.Values.Select(p => p.Merged).ToArray();
                await Task.WhenAll(merged);
                if (_pipelines.Values.Select(p => p.Merged).All(merged.Contains)) return;
            }
        }

        /// <summary>Hands classified frames back to their own stream.</summary>
        public async Task RouteAsync(CancellationToken token)
        {
            try
            {
                await foreach (var frame in Classified.Reader.ReadUntilEndAsync(token))
                {
                    var pipeline = _pipelines[frame.Stream];
                    await pipeline.Classified.Writer.WriteAsync(frame, token);
                    pipeline.Returned();
                }
            }
            finally
            {
                foreach (var p in _pipelines.Values) p.Classified.Writer.TryComplete();
            }
        }

        public async Task CloseAsync()
        {
            foreach (var p in _pipelines.Values) await p.CloseAsync();
        }
    }

    /// <summary>Releases the monitor's metric instruments.</summary>
    public void Dispose() => Metrics.Dispose();

    sealed class NoRecords : IRecordWriter
    {
        public long Records => 0;
        public void Write(FrameRecord frame) { }
        public void Dispose() { }
    }

    /// <summary>
    /// One stream's own stages and queues around the shared classifier. Frames it hands to the
    /// classifier are counted until they come back, so a stream that leaves a running monitor
    /// closes its side once its last frame has returned.
    /// </summary>
    sealed class StreamPipeline(int id, StreamStatus status, PreviewHub preview, MonitorOptions options, Action<string>? log,
        StreamStages stages, IRecordWriter writer, IReadOnlyList<AnnotatedVideoOutput> videoOutputs, CancellationTokenSource sourceStop, StreamAudio? audio)
    {
        long _inFlight;
        int _merged;
        readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public StreamStatus Status => status;
        public Channel<VideoFrame> Classified { get; } = Small();
        public Task Merged { get; private set; } = Task.CompletedTask;
        /// <summary>Its last frame written out (records, recording): the stream has left.</summary>
        public Task Finished => _finished.Task;

        static Channel<VideoFrame> Small(int capacity = 4) =>
            Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });

        public void StopSource() => sourceStop.CancelQuietly();

        public void Start(StageGroup group, ChannelWriter<VideoFrame> toClassify)
        {
            // Live: when detection falls behind, the oldest waiting frame goes, so latency stays bounded
            // (from the stream's first processed frame on; see LiveQueue).
            var captured = new LiveQueue(options.QueueCapacity, () => status.Processed > 0,
                dropped => { dropped.Dispose(); status.FrameDropped(); });
            status.QueueDepthProbe = () => captured.Count;
            var detected = Small(2);
            var annotated = Small();
            var source = new LiveSource(status.Source, options.Source, status, id, log, audio);
            // The source reports its own failures on the stream's status; it never stops the others.
            group.Add(Task.Run(() => source.RunAsync(captured.Writer, sourceStop.Token)));
            stages.RunDetection(group, captured.Reader, detected.Writer);
            Merged = Task.Run(() => MergeAsync(detected.Reader, toClassify, group.Abort));
            group.Stage(() => Merged);
            stages.RunAfterClassification(group, Classified.Reader, annotated.Writer, () => Small());
            var sink = Task.Run(() => SinkAsync(annotated.Reader, group.Abort));
            group.Stage(() => sink);
            sink.ContinueWith(_ => _finished.TrySetResult(), TaskScheduler.Default);
        }

        async Task MergeAsync(ChannelReader<VideoFrame> input, ChannelWriter<VideoFrame> output, CancellationToken token)
        {
            try
            {
                await foreach (var frame in input.ReadUntilEndAsync(token))
                {
                    Interlocked.Increment(ref _inFlight);
                    try { await output.WriteAsync(frame, token); }
                    catch { Interlocked.Decrement(ref _inFlight); frame.Dispose(); throw; }
                }
            }
            finally
            {
                Volatile.Write(ref _merged, 1);
                if (Interlocked.Read(ref _inFlight) == 0) Classified.Writer.TryComplete();
            }
        }

        /// <summary>A frame of this stream is back from the classifier.</summary>
        public void Returned()
        {
            if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _merged) == 1) Classified.Writer.TryComplete();
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
                // Each output disposes the frame it takes: the first gets it, the others copies.
                if (videoOutputs.Count == 0) { frame.Dispose(); continue; }
                for (int i = videoOutputs.Count - 1; i > 0; i--) await videoOutputs[i].WriteAsync(frame.CopyPixels());
                await videoOutputs[0].WriteAsync(frame);
            }
        }

        int _closed;

        public async Task CloseAsync()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1) return;
            foreach (var output in videoOutputs) await output.DisposeAsync();
            writer.Dispose();
            sourceStop.Dispose();
        }
    }
}
