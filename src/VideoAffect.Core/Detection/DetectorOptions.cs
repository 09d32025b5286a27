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
    /// <summary>Smallest face side in pixels (unless <see cref="MinFacePercent"/> is set).</summary>
    public int MinFaceSize { get; init; } = 30;
    /// <summary>Largest face side in pixels (unless <see cref="MaxFacePercent"/> is set); 0 means no upper bound.</summary>
    public int MaxFaceSize { get; init; }
    /// <summary>
    /// Smallest face side as a percentage of each frame's shorter side, in place of
    /// <see cref="MinFaceSize"/> when above 0: one setting for 480p and 4K alike, where 30 px finds
    /// texture "faces" in a 4K frame and costs the detector a pyramid level per 10% of scale.
    /// </summary>
    public double MinFacePercent { get; init; }
    /// <summary>Largest face side as a percentage of each frame's shorter side, in place of <see cref="MaxFaceSize"/> when above 0.</summary>
    public double MaxFacePercent { get; init; }
    /// <summary>CNN detectors (BlazeFace): the least sigmoid score a face needs.</summary>
    public float ScoreThreshold { get; init; } = 0.5f;
    /// <summary>CNN detectors (BlazeFace): boxes overlapping more than this IoU are merged into one face.</summary>
    public float NmsIou { get; init; } = 0.3f;
    /// <summary>CNN detectors (BlazeFace): 1 looks at the whole frame; n also at n x n overlapping tiles, for small faces in large frames.</summary>
    public int Tiles { get; init; } = 1;

    /// <summary>The smallest and largest face sides in pixels for a frame of this size (largest 0: no bound).</summary>
    public (int Min, int Max) FaceSizes(int width, int height)
    {
        int shorter = Math.Min(width, height);
        int min = MinFacePercent > 0 ? Math.Max(1, (int)Math.Round(MinFacePercent / 100 * shorter)) : MinFaceSize;
        int max = MaxFacePercent > 0 ? Math.Max(1, (int)Math.Round(MaxFacePercent / 100 * shorter)) : MaxFaceSize;
        return (min, max);
    }

    /// <summary>The face sizes for messages: "30-any px", or with percentages "5%-any of the shorter side: 54-any px" for a frame of this size.</summary>
    public string DescribeFaceSizes(int width, int height)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        var (min, max) = FaceSizes(width, height);
        string pixels = $"{min.ToString(c)}-{(max > 0 ? max.ToString(c) : "any")} px";
        if (MinFacePercent == 0 && MaxFacePercent == 0) return pixels;
        string Set(int px, double percent) => percent > 0 ? percent.ToString("0.###", c) + "%" : px > 0 ? px.ToString(c) + " px" : "any";
        return $"{Set(MinFaceSize, MinFacePercent)}-{Set(MaxFaceSize, MaxFacePercent)} of the shorter side: {pixels}";
    }

    /// <summary>The finest pyramid step taken (OpenCV takes any above 1, and below this never finishes a frame).</summary>
    public const double MinScaleFactor = 1.001;

    /// <summary>
    /// One line for a Haar cascade that is not a file: the default one missing (setup installs it),
    /// or a path the user gave that does not exist or is a folder (`--cascade /tmp` was said to be
    /// "missing; run ./setup.sh").
    /// </summary>
    internal void CheckCascadeFile()
    {
        if (File.Exists(CascadePath)) return;
        if (Directory.Exists(CascadePath))
            throw new VideoAffectException($"face cascade '{CascadePath}' is a folder; give an OpenCV cascade XML file");
        if (CascadePath == new DetectorOptions().CascadePath)
            throw new VideoAffectException($"face cascade '{CascadePath}' is missing; run ./setup.sh (it installs Debian's opencv-data) or pass --cascade");
        throw new VideoAffectException($"face cascade '{CascadePath}' does not exist");
    }

    /// <summary>Throws a one-line <see cref="VideoAffectException"/> for a setting out of range.</summary>
    public void Validate()
    {
        if (!(ScaleFactor > 1.0 && double.IsFinite(ScaleFactor))) throw new VideoAffectException($"scale factor must be greater than 1 (got {ScaleFactor})");
        // Each step scans the frame once more: 1.001 is some 2,800 sizes of a 640x480 frame (0.8 fps
        // here); 1.0000001 would be millions, a frame never finished.
        if (ScaleFactor < MinScaleFactor) throw new VideoAffectException($"scale factor must be at least {MinScaleFactor} (got {ScaleFactor}): each step scans the frame once more");
        if (MinNeighbors < 0) throw new VideoAffectException($"min neighbours must be 0 or more (got {MinNeighbors})");
        if (MinFacePercent == 0 && MinFaceSize < 1) throw new VideoAffectException($"minimum face size must be at least 1 px (got {MinFaceSize})");
        if (!(ScoreThreshold > 0f && ScoreThreshold < 1f)) throw new VideoAffectException($"score threshold must be between 0 and 1 (got {ScoreThreshold})");
        if (!(NmsIou > 0f && NmsIou <= 1f)) throw new VideoAffectException($"NMS IoU must be above 0 and at most 1 (got {NmsIou})");
        if (Tiles is < 1 or > 8) throw new VideoAffectException($"tiles must be between 1 and 8 (got {Tiles})");
        if (!(MinFacePercent is >= 0 and <= 100)) throw new VideoAffectException($"minimum face size must be above 0% and at most 100% of the frame's shorter side (got {MinFacePercent}%)");
        if (!(MaxFacePercent is >= 0 and <= 100)) throw new VideoAffectException($"maximum face size must be above 0% and at most 100% of the frame's shorter side (got {MaxFacePercent}%)");
        if (MinFacePercent > 0 && MaxFacePercent > 0 && MaxFacePercent < MinFacePercent)
            throw new VideoAffectException($"maximum face size {MaxFacePercent}% is below the minimum {MinFacePercent}%");
        if (MinFacePercent == 0 && MaxFacePercent == 0 && MaxFaceSize != 0 && MaxFaceSize < MinFaceSize) throw new VideoAffectException($"maximum face size {MaxFaceSize} is below the minimum {MinFaceSize}");
    }
}
