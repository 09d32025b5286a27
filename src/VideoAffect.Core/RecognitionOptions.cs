using VideoAffect.Detection;
using VideoAffect.Tracking;

namespace VideoAffect;

/// <summary>
/// How faces are found, followed and classified, with the CLI's defaults: one record for
/// <see cref="FaceEmotions"/>, <c>analyze</c> (<see cref="Pipeline.AnalyzeOptions.Recognition"/>) and
/// <c>monitor</c> (<see cref="Live.MonitorOptions.Recognition"/>), checked the same way for all.
/// </summary>
public sealed record RecognitionOptions
{
    /// <summary>auto (CUDA when usable, else the managed SIMD CPU path), cuda, opencl, ilgpu-cpu or cpu.</summary>
    public string Backend { get; init; } = "auto";
    /// <summary>A .vamodel from <c>videoaffect train</c>, a TF.js graph model or an ONNX file; null: the pinned FER-2013 model.</summary>
    public string? ModelPath { get; init; }
    /// <summary>Labels and input normalisation for an ONNX model whose metadata lacks them.</summary>
    public Model.Onnx.OnnxImportOptions? ModelImport { get; init; }
    /// <summary>The face detector's settings (Haar cascade and scales, BlazeFace thresholds).</summary>
    public DetectorOptions Detector { get; init; } = new();
    /// <summary>auto (our Haar kernels when the backend is on a GPU, else the SIMD cascade), simd, opencv, ilgpu or blazeface.</summary>
    public string DetectorKind { get; init; } = "auto";
    /// <summary>Widen each face box by this fraction on every side before cropping (0: the box itself, as the seed).</summary>
    public double CropMargin { get; init; }
    /// <summary>Rotate each face upright by its eye line before classifying (needs <c>DetectorKind = "blazeface"</c>).</summary>
    public bool Align { get; init; }
    /// <summary>Most faces per forward pass of the classifier (a monitor gathers them across its streams).</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>How long the first face of a partial batch may wait for more before the batch runs.</summary>
    public TimeSpan BatchTimeout { get; init; } = TimeSpan.FromMilliseconds(20);
    /// <summary>Follow faces across frames (track ids, smoothing, detect-every-N).</summary>
    public bool Tracking { get; init; } = true;
    /// <summary>How tracks are matched, confirmed and ended.</summary>
    public TrackerOptions Tracker { get; init; } = new();
    /// <summary>Also report faces whose track is not confirmed yet (one-off detections), marked tentative; by default a face shows once its track is confirmed.</summary>
    public bool KeepTentative { get; init; }
    /// <summary>Run the detector on every Nth frame; tracks carry the faces in between (needs tracking).</summary>
    public int DetectEvery { get; init; } = 1;
    /// <summary>Classify a tracked face on every Kth frame; in between it keeps its last prediction (needs tracking).</summary>
    public int ClassifyEvery { get; init; } = 1;
    /// <summary>Parts of the picture whose faces are not counted (posters, screens), or the only ones whose faces are; see <see cref="FaceZone"/>.</summary>
    public IReadOnlyList<FaceZone> Zones { get; init; } = [];
    /// <summary>How the pictures a run writes hide the faces found (the annotated video, recordings, restream, live preview; the report then has no face crops); records are unchanged.</summary>
    public Anonymization Anonymize { get; init; }
    /// <summary>Weight of a frame's probabilities in its track's moving average; 1: no smoothing.</summary>
    public double SmoothingAlpha { get; init; } = 0.3;

    /// <summary>Throws a one-line <see cref="VideoAffectException"/> for the first setting that cannot work.</summary>
    public void Validate()
    {
        if (BatchSize < 1) throw new VideoAffectException($"batch size must be at least 1 (got {BatchSize})");
        if (BatchTimeout < TimeSpan.Zero) throw new VideoAffectException("batch timeout cannot be negative");
        Detector.Validate();
        FaceDetectorFactory.CheckName(DetectorKind);
        Tracker.Validate();
        if (DetectEvery < 1) throw new VideoAffectException($"--detect-every must be at least 1 (got {DetectEvery})");
        if (ClassifyEvery < 1) throw new VideoAffectException($"--classify-every must be at least 1 (got {ClassifyEvery})");
        if (ClassifyEvery > 1 && !Tracking) throw new VideoAffectException("--classify-every needs tracking (drop --no-tracking)");
        if (DetectEvery > 1 && !Tracking) throw new VideoAffectException("--detect-every needs tracking (drop --no-tracking)");
        if (Align && !DetectorKind.Equals("blazeface", StringComparison.OrdinalIgnoreCase))
            throw new VideoAffectException("--align needs eye landmarks: use --detector blazeface");
        if (!(SmoothingAlpha is > 0 and <= 1)) throw new VideoAffectException($"smoothing alpha must be in (0, 1] (got {SmoothingAlpha}); 1 turns smoothing off");
    }

    /// <summary>
    /// Frames without a track's face after which the tracker cannot bring it back: it misses
    /// <see cref="TrackerOptions.MissesToDelete"/> detection rounds, one every detect-every frames.
    /// </summary>
    internal int TrackEndFrames => (Tracker.MissesToDelete + 1) * DetectEvery + 1;
}
