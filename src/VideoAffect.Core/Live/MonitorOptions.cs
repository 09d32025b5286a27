using VideoAffect.Detection;
using VideoAffect.Tracking;

namespace VideoAffect.Live;

/// <summary>Everything `monitor` can be told, with the CLI's defaults.</summary>
public sealed record MonitorOptions : Pipeline.IRecognitionSettings
{
    public required IReadOnlyList<LiveSourceSpec> Sources { get; init; }
    public LiveSourceOptions Source { get; init; } = new();
    /// <summary>Per-stream records go to DIR/NAME.jsonl (or .csv); null writes none.</summary>
    public string? RecordsDirectory { get; init; }
    /// <summary>jsonl or csv: the records files' format, the same as `analyze --events` writes.</summary>
    public string RecordsFormat { get; init; } = "jsonl";

    /// <summary>Where a stream's records go; null without <see cref="RecordsDirectory"/>.</summary>
    internal string? RecordsPath(string stream) => RecordsDirectory is { } dir ? Path.Combine(dir, $"{stream}.{RecordsFormat}") : null;
    /// <summary>Annotated recordings in segments go to DIR/NAME-TIME.mp4; null records nothing.</summary>
    public string? RecordingDirectory { get; init; }
    public TimeSpan SegmentLength { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>
    /// Run until stopped even when every source has ended, and take streams added and removed while
    /// running (`monitor --control`: POST and DELETE on /streams; a cluster node's cameras).
    /// </summary>
    public bool KeepRunning { get; init; }
    /// <summary>Stop after this long (a soak or a timed capture); null runs until stopped.</summary>
    public TimeSpan? Duration { get; init; }
    /// <summary>Sample memory, handles and threads this often (a soak); null samples nothing.</summary>
    public TimeSpan? ResourceInterval { get; init; }
    /// <summary>Where the samples also go, as CSV while the run goes on.</summary>
    public string? ResourceReportPath { get; init; }
    public string Backend { get; init; } = "auto";
    public string? ModelPath { get; init; }
    public Model.Onnx.OnnxImportOptions? ModelImport { get; init; }
    public DetectorOptions Detector { get; init; } = new();
    public string DetectorKind { get; init; } = "auto";
    public double CropMargin { get; init; }
    public bool Align { get; init; }
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
        if (Sources.Count == 0 && !KeepRunning) throw new VideoAffectException("monitor needs at least one source (or --control, to add them while it runs)");
        var duplicate = Sources.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new VideoAffectException($"two sources are named '{duplicate.Key}'; name them NAME=SOURCE");
        Source.Validate();
        if (RecordsFormat is not ("jsonl" or "csv")) throw new VideoAffectException($"--records-format must be jsonl or csv (got '{RecordsFormat}')");
        if (QueueCapacity < 1) throw new VideoAffectException($"queue capacity must be at least 1 (got {QueueCapacity})");
        if (SegmentLength < TimeSpan.FromSeconds(1)) throw new VideoAffectException("segments must be at least 1 s long");
        if (Duration is { } d && d <= TimeSpan.Zero) throw new VideoAffectException("--duration must be positive");
        Pipeline.RecognitionSettings.ValidateRecognition(this);
    }
}
