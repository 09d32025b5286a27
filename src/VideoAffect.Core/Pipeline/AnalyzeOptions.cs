using VideoAffect.Detection;
using VideoAffect.Tracking;

namespace VideoAffect.Pipeline;

/// <summary>Everything `analyze` can be told, with the defaults a user gets from the CLI.</summary>
public sealed record AnalyzeOptions : IRecognitionSettings
{
    public required string InputPath { get; init; }
    /// <summary>The annotated MP4; written as NAME.partial.mp4 until the run completes.</summary>
    public required string OutputPath { get; init; }
    /// <summary>Per-face JSON lines; written as NAME.partial.jsonl until the run completes.</summary>
    public required string EventsPath { get; init; }
    /// <summary>Per-run report: .html, .svg or .png; null to skip.</summary>
    public string? ReportPath { get; init; }
    /// <summary>Run summary JSON; null to skip.</summary>
    public string? SummaryPath { get; init; }
    /// <summary>Which video stream to analyse (ffprobe's stream index); null: the default one.</summary>
    public int? VideoStream { get; init; }
    public string Backend { get; init; } = "auto";
    public string? ModelPath { get; init; }
    public Model.Onnx.OnnxImportOptions? ModelImport { get; init; }
    public DetectorOptions Detector { get; init; } = new();
    /// <summary>Which Haar implementation: auto (our kernels when the backend is on a GPU), opencv, ilgpu.</summary>
    public string DetectorKind { get; init; } = "auto";
    public double CropMargin { get; init; }
    public bool Align { get; init; }
    /// <summary>Frames detected at once, each by its own single-threaded cascade (default: one per core).</summary>
    public int DetectWorkers { get; init; } = Environment.ProcessorCount;
    /// <summary>Capacity of every inter-stage channel, in frames.</summary>
    public int QueueCapacity { get; init; } = 8;
    /// <summary>Most faces per forward pass.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>How long the first face of a partial batch may wait for more before the batch runs.</summary>
    public TimeSpan BatchTimeout { get; init; } = TimeSpan.FromMilliseconds(20);
    public bool KeepAudio { get; init; } = true;
    /// <summary>x264 preset of the annotated video.</summary>
    public string EncoderPreset { get; init; } = Media.AnnotatedVideoEncoder.DefaultPreset;
    /// <summary>Follow faces across frames (track ids, smoothing, detect-every-N).</summary>
    public bool Tracking { get; init; } = true;
    public TrackerOptions Tracker { get; init; } = new();
    /// <summary>Keep faces whose track was never confirmed (one-off detections), marked tentative; by default they are reported nowhere.</summary>
    public bool KeepTentative { get; init; }
    /// <summary>Run the detector on every Nth frame; tracks carry the faces in between. Needs tracking.</summary>
    public int DetectEvery { get; init; } = 1;
    /// <summary>Classify a tracked face on every Kth frame; in between it keeps its last prediction. Needs tracking.</summary>
    public int ClassifyEvery { get; init; } = 1;
    /// <summary>EMA weight of a frame's probabilities in its track's smoothed ones; 1 = no smoothing.</summary>
    public double SmoothingAlpha { get; init; } = 0.3;

    public void Validate()
    {
        if (!Media.AnnotatedVideoEncoder.Presets.Contains(EncoderPreset))
            throw new VideoAffectException($"unknown --encoder-preset '{EncoderPreset}'; choose one of: {string.Join(", ", Media.AnnotatedVideoEncoder.Presets)}");
        if (QueueCapacity < 1) throw new VideoAffectException($"queue capacity must be at least 1 (got {QueueCapacity})");
        if (DetectWorkers < 1) throw new VideoAffectException($"detect workers must be at least 1 (got {DetectWorkers})");
        this.ValidateRecognition();
    }
}
