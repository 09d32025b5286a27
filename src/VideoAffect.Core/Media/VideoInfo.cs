namespace VideoAffect.Media;

/// <summary>What ffprobe says about a video file, as far as the pipeline needs it.</summary>
public sealed record VideoInfo(
    string Path,
    /// <summary>The video stream that is analysed: its index among all the file's streams (ffprobe's "#0:N").</summary>
    int StreamIndex,
    int Width,
    int Height,
    /// <summary>Average frame rate (frames per second), for messages; frames keep their own timestamps.</summary>
    double FrameRate,
    TimeSpan Duration,
    bool HasAudio,
    /// <summary>The container's start time in seconds (the earliest stream's first timestamp; 1.4 s in a typical MPEG-TS).</summary>
    double StartTime,
    /// <summary>The stream's time base ("1/15360"): the encoder writes in it, so frame times survive exactly.</summary>
    string TimeBase,
    /// <summary>Frames the container says the stream has, or an estimate from duration and rate; 0 when unknown. For progress only.</summary>
    long ExpectedFrames)
{
    public int FrameBytes => Width * Height * 3;
}
