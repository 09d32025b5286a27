using System.Diagnostics;
using System.Threading.Channels;
using VideoAffect.Detection;
using VideoAffect.Inference;
using VideoAffect.Media;
using VideoAffect.Model;
using VideoAffect.Preprocessing;
using VideoAffect.Records;
using VideoAffect.Reports;
using VideoAffect.Tracking;

namespace VideoAffect.Pipeline;

/// <summary>
/// A recorded video in, an annotated video and per-face records out:
/// decode → detect → classify (batched) → annotate + records → encode, each stage a task joined to
/// the next by a bounded channel. Cancellation stops only the decoder; the frames already decoded
/// drain through every stage, so the outputs hold all of them and are closed properly. A failing
/// stage aborts the others; outputs keep their .partial names unless the run completes.
/// </summary>
public sealed class VideoAnalyzer(AnalyzeOptions options, Action<string>? log = null)
{
    /// <summary>Frames decoded so far, for progress reports.</summary>
    public long FramesDecoded => _decoder?.FramesDecoded ?? 0;
    /// <summary>Frames expected in the input, when the container says.</summary>
    public long FramesExpected { get; private set; }
    VideoFileDecoder? _decoder;

    public async Task<AnalysisSummary> RunAsync(CancellationToken token)
    {
        options.Validate();
        OutputFiles.CheckWritable(options.OutputPath, "output video");
        OutputFiles.CheckWritable(options.EventsPath, "events file");
        if (options.SummaryPath is not null) OutputFiles.CheckWritable(options.SummaryPath, "summary file");
        if (options.ReportPath is not null) OutputFiles.CheckWritable(options.ReportPath, "report");

        var info = await VideoProbe.ProbeAsync(options.InputPath, token);
        FramesExpected = info.FrameTimes.Count;
        var network = PretrainedModel.Load(options.ModelPath);
        using var backend = BackendFactory.Create(options.Backend, network, options.BatchSize, log);
        // OpenCV: one single-threaded cascade per detection worker, frame-level parallelism instead
        // of OpenCV's fork-join threads, which stall when the pipeline's other threads share the
        // cores. ilgpu: one detector on the device.
        var detectors = FaceDetectorFactory.Create(options.DetectorKind, options.Detector, backend, options.DetectWorkers);
        using var release = new DisposeAll(detectors);
        // OpenCV's thread count is process-wide: set it for this run only, so that other OpenCV
        // users in the process (the bench's baselines, a caller's own code) keep theirs.
        int openCvThreads = OpenCvSharp.Cv2.GetNumThreads();
        if (options.DetectWorkers > 1) OpenCvSharp.Cv2.SetNumThreads(1);
        using var restoreThreads = new Restore(() => OpenCvSharp.Cv2.SetNumThreads(openCvThreads));
        using var preprocessor = new FacePreprocessor(network.InputShape, options.CropMargin);
        log?.Invoke($"{info.Path}: {info.Width}x{info.Height} @ {info.FrameRate:0.###} fps, {info.Duration.TotalSeconds:0.##} s{(info.HasAudio ? ", with audio" : "")}; backend {backend.Name} ({backend.DeviceName}); detector {DetectorName(detectors[0])}");

        string videoPartial = OutputFiles.PartialPath(options.OutputPath);
        string eventsPartial = OutputFiles.PartialPath(options.EventsPath);
        var pool = new FrameBufferPool(info.FrameBytes);
        _decoder = new VideoFileDecoder(info, pool);
        var tracker = options.Tracking ? new IouTracker(options.Tracker) : null;
        var smoother = options.Tracking && options.SmoothingAlpha < 1 ? new ProbabilitySmoother(options.SmoothingAlpha) : null;
        // A backend with its own device preprocesses there: each frame goes up once, only probabilities come back.
        bool cropOnDevice = backend is IFrameInferenceBackend;
        var detect = new DetectStage(detectors, preprocessor, network.InputShape.Size, tracker, options.DetectEvery, options.ClassifyEvery, cropOnDevice);
        var classify = new ClassifyStage(backend, options.BatchSize, options.BatchTimeout);
        var encoder = new AnnotatedVideoEncoder(info, videoPartial, options.KeepAudio);

        var report = options.ReportPath is null ? null : new ReportData(network.Labels);
        var clock = Stopwatch.StartNew();
        Exception? failure = null;
        AnnotateStage annotate;
        using (var records = RecordWriters.Create(eventsPartial, network.Labels))
        {
            annotate = new AnnotateStage(records, network.Labels, smoother, report);
            using var abort = new CancellationTokenSource();
            using var decodeToken = CancellationTokenSource.CreateLinkedTokenSource(token, abort.Token);
            var decoded = Bounded();
            var detected = Bounded();
            var classified = Bounded();
            var annotated = Bounded();

            // A failing source only ends the input: what it decoded still drains through every stage.
            // A failing later stage cannot take more frames, so it stops the others.
            Task Guard(Task stage, bool isSource = false) => stage.ContinueWith(t =>
            {
                if (t.Exception?.GetBaseException() is { } e && e is not OperationCanceledException)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                    if (!isSource) abort.Cancel();
                }
            }, TaskScheduler.Default);

            var stages = new[]
            {
                Guard(Task.Run(() => _decoder.RunAsync(decoded.Writer, decodeToken.Token)), isSource: true),
                Guard(Task.Run(() => detect.RunAsync(decoded.Reader, detected.Writer, abort.Token))),
                Guard(Task.Run(() => classify.RunAsync(detected.Reader, classified.Writer, abort.Token))),
                Guard(Task.Run(() => annotate.RunAsync(classified.Reader, annotated.Writer, abort.Token))),
                Guard(Task.Run(() => encoder.RunAsync(annotated.Reader))),
            };
            await Task.WhenAll(stages);
        }
        clock.Stop();

        string status = failure is not null ? "failed" : token.IsCancellationRequested ? "cancelled" : "complete";
        string? reportPath = null;
        if (report is not null && annotate.Frames > 0)
        {
            reportPath = status == "complete" ? options.ReportPath! : OutputFiles.PartialPath(options.ReportPath!);
            RunReport.Write(reportPath, report, options.InputPath);
        }
        string video = options.OutputPath, events = options.EventsPath;
        if (status == "complete")
        {
            OutputFiles.Promote(videoPartial, options.OutputPath);
            OutputFiles.Promote(eventsPartial, options.EventsPath);
        }
        else
        {
            // Keep what was processed under its .partial name; leave no empty or unplayable file behind.
            video = KeepIfUseful(videoPartial, encoder.FramesEncoded > 0);
            events = KeepIfUseful(eventsPartial, annotate.Frames > 0);
        }

        var summary = new AnalysisSummary
        {
            Input = options.InputPath,
            Status = status,
            Error = failure is null ? null : OneLine(failure),
            Video = video,
            Events = events,
            Report = reportPath,
            FramesDecoded = _decoder.FramesDecoded,
            FramesWritten = encoder.FramesEncoded,
            Faces = annotate.Faces,
            LabelCounts = annotate.LabelCounts,
            VideoSeconds = info.Duration.TotalSeconds,
            WallSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            Backend = backend.Name,
            Device = backend.DeviceName,
            Batches = classify.Batches,
            DetectorRuns = detect.DetectorRuns,
        };
        if (options.SummaryPath is not null)
        {
            try { await File.WriteAllTextAsync(options.SummaryPath, summary.ToJson() + "\n", CancellationToken.None); }
            catch (IOException e)
            {
                try { File.Delete(options.SummaryPath); } catch (IOException) { } // no half-written summary
                // When the run already failed (a full disk fails everything), that first failure is the one to report.
                if (failure is null) throw new VideoAffectException($"writing the summary '{options.SummaryPath}' failed: {e.Message.Split('\n')[0]}");
            }
        }
        if (failure is not null)
            throw new AnalysisFailedException(summary, failure);
        return summary;

        Channel<VideoFrame> Bounded() => Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(QueueCapacityFor(info, options.QueueCapacity))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
    }

    /// <summary>Frames queued between stages may hold at most this much together (a few of 8K's 100 MB frames).</summary>
    const long QueuedBytesLimit = 1L << 30;

    /// <summary>The queue capacity asked for, lowered for huge frames so the four queues stay within <see cref="QueuedBytesLimit"/>.</summary>
    static int QueueCapacityFor(VideoInfo info, int requested) =>
        (int)Math.Clamp(QueuedBytesLimit / 4 / Math.Max(1, info.FrameBytes), 1, requested);

    static string KeepIfUseful(string path, bool useful)
    {
        if (useful && File.Exists(path) && new FileInfo(path).Length > 0) return path;
        File.Delete(path);
        return "(none)";
    }

    static string OneLine(Exception e) => e.Message.Split('\n')[0];

    static string DetectorName(IFaceDetector detector) =>
        detector is IlgpuHaarDetector ilgpu ? $"ilgpu ({ilgpu.DeviceName})" : "opencv";
}

sealed class Restore(Action undo) : IDisposable
{
    public void Dispose() => undo();
}

sealed class DisposeAll(IEnumerable<IDisposable> items) : IDisposable
{
    public void Dispose()
    {
        foreach (var item in items) item.Dispose();
    }
}

/// <summary>A run that failed part-way; <see cref="Summary"/> says what was kept and where.</summary>
public sealed class AnalysisFailedException(AnalysisSummary summary, Exception inner)
    : VideoAffectException(summary.Video == "(none)" ? inner.Message.Split('\n')[0]
        : $"{inner.Message.Split('\n')[0]} (kept {summary.FramesWritten} processed frames in {summary.Video})", inner)
{
    public AnalysisSummary Summary { get; } = summary;
}
