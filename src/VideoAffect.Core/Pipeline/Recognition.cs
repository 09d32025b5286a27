using VideoAffect.Detection;
using VideoAffect.Detection.BlazeFace;
using VideoAffect.Inference;
using VideoAffect.Model;
using VideoAffect.Preprocessing;
using VideoAffect.Records;
using VideoAffect.Reports;
using VideoAffect.Sinks;
using VideoAffect.Tracking;

namespace VideoAffect.Pipeline;

/// <summary>
/// What every pipeline shares, built once per run from <see cref="RecognitionOptions"/>: the model
/// and its inference backend, the classifier, and for each stream the same chain of stages
/// (<see cref="StreamStages"/>). `analyze` and `monitor` differ only in their sources, their queues
/// and where the frames end up; the recognition between is built here, once.
/// </summary>
internal sealed class Recognition : IDisposable
{
    readonly RecognitionOptions _settings;
    readonly List<StreamStages> _streams = new();

    Recognition(RecognitionOptions settings, Network network, IInferenceBackend backend)
    {
        _settings = settings;
        Network = network;
        Backend = backend;
    }

    public static Recognition Load(RecognitionOptions settings, Action<string>? log)
    {
        settings.Validate();
        var network = PretrainedModel.Load(settings.ModelPath, settings.ModelImport);
        return new Recognition(settings, network, BackendFactory.Create(settings.Backend, network, settings.BatchSize, log));
    }

    public Network Network { get; }
    public IInferenceBackend Backend { get; }
    public string BackendDescription => $"{Backend.Name} ({Backend.DeviceName})";

    /// <summary>The run's one classifier; live, it batches the faces of every stream together.</summary>
    public ClassifyStage Classifier() => new(Backend, _settings.BatchSize, _settings.BatchTimeout);

    /// <summary>One forward pass before the frames come, so code compilation does not fall on the first faces.</summary>
    public void WarmUpClassifier() => Backend.Run(new float[Network.InputShape.Size], 1, new float[Network.ClassCount]);

    /// <summary>
    /// A stream's own stages. <paramref name="workers"/> frames are detected at once,
    /// <paramref name="threadsPerFrame"/> threads on each (the SIMD cascade); <paramref name="live"/>
    /// drops unconfirmed faces at once instead of holding frames until their tracks are decided.
    /// </summary>
    public StreamStages ForStream(string name, int workers, int threadsPerFrame, bool live, IRecordWriter records, EventSinks sinks, ReportData? report = null,
        TrackFaces? trackFaces = null)
    {
        var detectors = Detectors(workers, threadsPerFrame);
        var preprocessor = new FacePreprocessor(Network.Input, _settings.CropMargin);
        var tracker = _settings.Tracking ? new IouTracker(_settings.Tracker) : null;
        var smoother = _settings.Tracking && _settings.SmoothingAlpha < 1 ? new ProbabilitySmoother(_settings.SmoothingAlpha) : null;
        // A backend with its own device preprocesses there: each frame goes up once, only probabilities come back.
        bool cropOnDevice = Backend is IFrameInferenceBackend && !_settings.Align; // aligned crops are rotated on the host
        var tentative = _settings.KeepTentative ? TentativeFaces.HoldAndMark : live ? TentativeFaces.Drop : TentativeFaces.HoldAndDrop;
        var zones = FaceZone.For(_settings.Zones, name);
        var stages = new StreamStages(name, detectors, preprocessor,
            new DetectStage(detectors, preprocessor, Network.InputShape.Size, tracker, _settings.DetectEvery, _settings.ClassifyEvery, cropOnDevice, _settings.Align, zones),
            new ConfirmationGate(tentative),
            // A live stream keeps no per-track sums: a camera watched for months would hold every track it ever saw.
            new AnnotateStage(records, Network.Labels, smoother, report, name, zones, _settings.Anonymize, tallyTracks: !live, trackFaces),
            sinks.All.Count > 0 ? new SinkStage(sinks) : null);
        _streams.Add(stages);
        return stages;
    }

    /// <summary>The run's one BlazeFace detector: every stream's frames share its passes.</summary>
    BlazeFaceDetector? _blazeFace;

    /// <summary>The detector's landmark names (BlazeFace's six), for the records' CSV columns; null for Haar.</summary>
    public IReadOnlyList<string>? LandmarkNames =>
        _settings.DetectorKind.Equals("blazeface", StringComparison.OrdinalIgnoreCase) ? DetectedFace.BlazeFaceLandmarkNames : null;

    /// <summary>Forward passes of the run's BlazeFace detector so far; null with a Haar detector.</summary>
    public long? BlazeFacePasses => _blazeFace?.Counters.Passes;

    /// <summary>
    /// A stream's detectors. BlazeFace: views of the run's one detector, as many as a pass holds, so
    /// that many of the stream's frames can wait for a pass at once.
    /// </summary>
    IReadOnlyList<IFaceDetector> Detectors(int workers, int threadsPerFrame)
    {
        if (!_settings.DetectorKind.Equals("blazeface", StringComparison.OrdinalIgnoreCase))
            return FaceDetectorFactory.Create(_settings.DetectorKind, _settings.Detector, Backend, workers, threadsPerFrame);
        _blazeFace ??= FaceDetectorFactory.CreateBlazeFace(_settings.Detector, Backend);
        return Enumerable.Range(0, Math.Max(workers, FaceDetectorFactory.BlazeFaceBatch)).Select(_ => (IFaceDetector)new SharedFaceDetector(_blazeFace)).ToList();
    }

    public void Dispose()
    {
        foreach (var stream in _streams) stream.Dispose();
        _blazeFace?.Dispose(); // its backend may use the classifier's accelerator: freed first
        Backend.Dispose();
    }
}
