namespace VideoAffect.Detection;

/// <summary>
/// Detector settings: the Haar cascade's with the seed's defaults (OpenCV's frontal-face cascade,
/// scale 1.1, 5 neighbours, faces from 30 px), and BlazeFace's score threshold and NMS overlap
/// (MediaPipe's face detection defaults, 0.5 and 0.3).
/// </summary>
public sealed record DetectorOptions
{
    /// <summary>OpenCV's frontal-face cascade, the seed paper's.</summary>
    public const string DefaultCascadeName = "haarcascade_frontalface_default.xml";
    /// <summary>Where Debian's opencv-data package installs OpenCV's cascades.</summary>
    public const string SystemCascadeDirectory = "/usr/share/opencv4/haarcascades";

    /// <summary>The Haar cascade XML (OpenCV's format, old or new).</summary>
    public string CascadePath { get; init; } = Path.Combine(SystemCascadeDirectory, DefaultCascadeName);
    /// <summary>Pyramid step between detection scales (greater than 1).</summary>
    public double ScaleFactor { get; init; } = 1.1;
    /// <summary>Overlapping raw detections a face needs to be kept (0 keeps every raw window).</summary>
    public int MinNeighbors { get; init; } = 5;
    /// <summary>Smallest face side in pixels.</summary>
    public int MinFaceSize { get; init; } = 30;
    /// <summary>0 means no upper bound.</summary>
    public int MaxFaceSize { get; init; }
    /// <summary>CNN detectors (BlazeFace): the least sigmoid score a face needs.</summary>
    public float ScoreThreshold { get; init; } = 0.5f;
    /// <summary>CNN detectors (BlazeFace): boxes overlapping more than this IoU are merged into one face.</summary>
    public float NmsIou { get; init; } = 0.3f;
    /// <summary>CNN detectors (BlazeFace): 1 looks at the whole frame; n also at n x n overlapping tiles, for small faces in large frames.</summary>
    public int Tiles { get; init; } = 1;

    /// <summary>Throws a one-line <see cref="VideoAffectException"/> for a setting out of range.</summary>
    public void Validate()
    {
        if (ScaleFactor <= 1.0) throw new VideoAffectException($"scale factor must be greater than 1 (got {ScaleFactor})");
        if (MinNeighbors < 0) throw new VideoAffectException($"min neighbours must be 0 or more (got {MinNeighbors})");
        if (MinFaceSize < 1) throw new VideoAffectException($"minimum face size must be at least 1 px (got {MinFaceSize})");
        if (!(ScoreThreshold > 0f && ScoreThreshold < 1f)) throw new VideoAffectException($"score threshold must be between 0 and 1 (got {ScoreThreshold})");
        if (!(NmsIou > 0f && NmsIou <= 1f)) throw new VideoAffectException($"NMS IoU must be above 0 and at most 1 (got {NmsIou})");
        if (Tiles is < 1 or > 8) throw new VideoAffectException($"tiles must be between 1 and 8 (got {Tiles})");
        if (MaxFaceSize != 0 && MaxFaceSize < MinFaceSize) throw new VideoAffectException($"maximum face size {MaxFaceSize} is below the minimum {MinFaceSize}");
    }
}
