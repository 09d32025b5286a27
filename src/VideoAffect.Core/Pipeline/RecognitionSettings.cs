using VideoAffect.Detection;
using VideoAffect.Tracking;

namespace VideoAffect.Pipeline;

/// <summary>
/// What finding, following and classifying faces is told, the same for `analyze` and `monitor`
/// (and checked the same way): both commands' options implement it with these names.
/// </summary>
public interface IRecognitionSettings
{
    string Backend { get; }
    string? ModelPath { get; }
    /// <summary>Labels and input normalisation for an ONNX model whose metadata lacks them.</summary>
    Model.Onnx.OnnxImportOptions? ModelImport { get; }
    DetectorOptions Detector { get; }
    /// <summary>auto, simd, opencv, ilgpu or blazeface.</summary>
    string DetectorKind { get; }
    double CropMargin { get; }
    /// <summary>Rotate each face upright by its eye line before classifying (needs a detector with landmarks).</summary>
    bool Align { get; }
    int BatchSize { get; }
    TimeSpan BatchTimeout { get; }
    bool Tracking { get; }
    TrackerOptions Tracker { get; }
    bool KeepTentative { get; }
    int DetectEvery { get; }
    int ClassifyEvery { get; }
    double SmoothingAlpha { get; }
}

internal static class RecognitionSettings
{
    /// <summary>One clear line for the first setting that cannot work.</summary>
    public static void ValidateRecognition(this IRecognitionSettings s)
    {
        if (s.BatchSize < 1) throw new VideoAffectException($"batch size must be at least 1 (got {s.BatchSize})");
        if (s.BatchTimeout < TimeSpan.Zero) throw new VideoAffectException("batch timeout cannot be negative");
        s.Detector.Validate();
        FaceDetectorFactory.CheckName(s.DetectorKind);
        s.Tracker.Validate();
        if (s.DetectEvery < 1) throw new VideoAffectException($"--detect-every must be at least 1 (got {s.DetectEvery})");
        if (s.ClassifyEvery < 1) throw new VideoAffectException($"--classify-every must be at least 1 (got {s.ClassifyEvery})");
        if (s.ClassifyEvery > 1 && !s.Tracking) throw new VideoAffectException("--classify-every needs tracking (drop --no-tracking)");
        if (s.DetectEvery > 1 && !s.Tracking) throw new VideoAffectException("--detect-every needs tracking (drop --no-tracking)");
        if (s.Align && !s.DetectorKind.Equals("blazeface", StringComparison.OrdinalIgnoreCase))
            throw new VideoAffectException("--align needs eye landmarks: use --detector blazeface");
        if (s.SmoothingAlpha is <= 0 or > 1) throw new VideoAffectException($"smoothing alpha must be in (0, 1] (got {s.SmoothingAlpha}); 1 turns smoothing off");
    }

    /// <summary>
    /// Frames without a track's face after which the tracker cannot bring it back: it misses
    /// <see cref="TrackerOptions.MissesToDelete"/> detection rounds, one every detect-every frames.
    /// </summary>
    public static int TrackEndFrames(this IRecognitionSettings s) => (s.Tracker.MissesToDelete + 1) * s.DetectEvery + 1;
}
