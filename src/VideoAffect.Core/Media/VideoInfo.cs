namespace VideoAffect.Media;

/// <summary>What ffprobe says about a video file, as far as the pipeline needs it.</summary>
public sealed record VideoInfo(
    string Path,
    int Width,
    int Height,
    /// <summary>Average frame rate (frames per second); the encoder writes at this rate.</summary>
    double FrameRate,
    TimeSpan Duration,
    bool HasAudio,
    /// <summary>Presentation time of each frame in seconds, in display order, from the container's packets.</summary>
    IReadOnlyList<double> FrameTimes)
{
    public int FrameBytes => Width * Height * 3;

    /// <summary>Time of frame <paramref name="index"/>: the container's when known, else extrapolated at the frame rate.</summary>
    public double TimeOf(long index) =>
        index < FrameTimes.Count ? FrameTimes[(int)index]
        : (FrameTimes.Count > 0 ? FrameTimes[^1] + (index - FrameTimes.Count + 1) / FrameRate : index / FrameRate);
}
