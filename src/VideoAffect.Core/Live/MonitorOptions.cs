using VideoAffect.Detection;
using VideoAffect.Tracking;

namespace VideoAffect.Live;

/// <summary>Everything `monitor` can be told, with the CLI's defaults.</summary>
public sealed record MonitorOptions
{
    public required IReadOnlyList<LiveSourceSpec> Sources { get; init; }
    public LiveSourceOptions Source { get; init; } = new();
    /// <summary>Per-stream JSON lines records go to DIR/NAME.jsonl; null writes none.</summary>
    public string? RecordsDirectory { get; init; }
    /// <summary>Annotated recordings in segments go to DIR/NAME-TIME.mp4; null records nothing.</summary>
    public string? RecordingDirectory { get; init; }
    public TimeSpan SegmentLength { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Stop after this long (a soak or a timed capture); null runs until stopped.</summary>
    public TimeSpan? Duration { get; init; }
    /// <summary>Sample memory, handles and threads this often (a soak); null samples nothing.</summary>
    public TimeSpan? ResourceInterval { get; init; }
    /// <summary>Where the samples also go, as CSV while the run goes on.</summary>
    public string? ResourceReportPath { get; init; }
    public string Backend { get; init; } = "auto";
    public string? ModelPath { get; init; }
    public DetectorOptions Detector { get; init; } = new();
    public string DetectorKind { get; init; } = "auto";
    public double CropMargin { get; init; }
    /// <summary>Frames waiting per stream before detection; beyond it the oldest is dropped.</summary>
    public int QueueCapacity { get; init; } = 1;
    /// <summary>Most faces per forward pass, gathered across all streams.</summary>
    public int BatchSize { get; init; } = 32;
    public TimeSpan BatchTimeout { get; init; } = TimeSpan.FromMilliseconds(20);
    public bool Tracking { get; init; } = true;
    /// <summary>Show faces whose track is not confirmed yet, marked tentative; by default a face shows once its track is confirmed.</summary>
    public bool KeepTentative { get; init; }
    public TrackerOptions Tracker { get; init; } = new();
    public int DetectEvery { get; init; } = 1;
    public int ClassifyEvery { get; init; } = 1;
    public double SmoothingAlpha { get; init; } = 0.3;

    public void Validate()
    {
        if (Sources.Count == 0) throw new VideoAffectException("monitor needs at least one source");
        var duplicate = Sources.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new VideoAffectException($"two sources are named '{duplicate.Key}'; name them NAME=SOURCE");
        Source.Validate();
        Detector.Validate();
        Tracker.Validate();
        FaceDetectorFactory.CheckName(DetectorKind);
        if (QueueCapacity < 1) throw new VideoAffectException($"queue capacity must be at least 1 (got {QueueCapacity})");
        if (BatchSize < 1) throw new VideoAffectException($"batch size must be at least 1 (got {BatchSize})");
        if (BatchTimeout < TimeSpan.Zero) throw new VideoAffectException("batch timeout cannot be negative");
        if (SegmentLength < TimeSpan.FromSeconds(1)) throw new VideoAffectException("segments must be at least 1 s long");
        if (Duration is { } d && d <= TimeSpan.Zero) throw new VideoAffectException("--duration must be positive");
        if (DetectEvery < 1 || ClassifyEvery < 1) throw new VideoAffectException("--detect-every and --classify-every must be at least 1");
        if ((DetectEvery > 1 || ClassifyEvery > 1) && !Tracking) throw new VideoAffectException("--detect-every and --classify-every need tracking");
        if (SmoothingAlpha is <= 0 or > 1) throw new VideoAffectException($"smoothing alpha must be in (0, 1] (got {SmoothingAlpha})");
    }
}
