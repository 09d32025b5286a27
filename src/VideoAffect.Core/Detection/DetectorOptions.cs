namespace VideoAffect.Detection;

/// <summary>
/// Haar cascade settings with the seed's defaults (OpenCV's frontal-face cascade, scale 1.1,
/// 5 neighbours, faces from 30 px).
/// </summary>
public sealed record DetectorOptions
{
    public const string DefaultCascadeName = "haarcascade_frontalface_default.xml";
    /// <summary>Where Debian's opencv-data package installs OpenCV's cascades.</summary>
    public const string SystemCascadeDirectory = "/usr/share/opencv4/haarcascades";

    public string CascadePath { get; init; } = Path.Combine(SystemCascadeDirectory, DefaultCascadeName);
    public double ScaleFactor { get; init; } = 1.1;
    public int MinNeighbors { get; init; } = 5;
    public int MinFaceSize { get; init; } = 30;
    /// <summary>0 means no upper bound.</summary>
    public int MaxFaceSize { get; init; }

    public void Validate()
    {
        if (ScaleFactor <= 1.0) throw new VideoAffectException($"scale factor must be greater than 1 (got {ScaleFactor})");
        if (MinNeighbors < 0) throw new VideoAffectException($"min neighbours must be 0 or more (got {MinNeighbors})");
        if (MinFaceSize < 1) throw new VideoAffectException($"minimum face size must be at least 1 px (got {MinFaceSize})");
        if (MaxFaceSize != 0 && MaxFaceSize < MinFaceSize) throw new VideoAffectException($"maximum face size {MaxFaceSize} is below the minimum {MinFaceSize}");
    }
}
