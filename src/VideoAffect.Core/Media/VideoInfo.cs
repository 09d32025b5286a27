namespace VideoAffect.Media;

/// <summary>What ffprobe says about a video file, as far as the pipeline needs it.</summary>
/// <param name="Path">The file.</param>
/// <param name="StreamIndex">The video stream that is analysed: its index among all the file's streams (ffprobe's "#0:N").</param>
/// <param name="Width">Frame width in pixels as the frames are analysed: upright and in square pixels (see <see cref="DisplayGeometry"/>), so an anamorphic or rotated source differs from its coded size.</param>
/// <param name="Height">Frame height in pixels, likewise.</param>
/// <param name="FrameRate">Average frame rate (frames per second), for messages; frames keep their own timestamps.</param>
/// <param name="Duration">The container's duration.</param>
/// <param name="HasAudio">Whether the file has an audio stream.</param>
/// <param name="StartTime">The container's start time in seconds (the earliest stream's first timestamp; 1.4 s in a typical MPEG-TS).</param>
/// <param name="TimeBase">The stream's time base ("1/15360"): the encoder writes in it, so frame times survive exactly.</param>
/// <param name="ExpectedFrames">Frames the container says the stream has, or an estimate from duration and rate; 0 when unknown. For progress only.</param>
public sealed record VideoInfo(
    string Path,
    int StreamIndex,
    int Width,
    int Height,
    double FrameRate,
    TimeSpan Duration,
    bool HasAudio,
    double StartTime,
    string TimeBase,
    long ExpectedFrames)
{
    /// <summary>Bytes of one decoded BGR24 frame.</summary>
    public int FrameBytes => Width * Height * 3;

    /// <summary>
    /// What the file decoder does to the stream's frames before it scales them to <see cref="Width"/>
    /// x <see cref="Height"/>: deinterlacing, HDR to SDR (see <see cref="SourceFilters"/>).
    /// </summary>
    internal SourceFilters Filters { get; init; } = SourceFilters.None;

    /// <summary>The part of the video a run takes (<see cref="PlayRange"/>); the whole of it unless --start or --end say otherwise.</summary>
    internal PlayRange Range { get; init; } = PlayRange.Whole;

    /// <summary>How the annotated video of this source converts and tags its colours (<see cref="OutputColour"/>).</summary>
    internal OutputColour Colour { get; init; } = OutputColour.Untagged;

    /// <summary>The frames per second an image-sequence input is read at (--frame-rate); null: ffmpeg's 25, or not a sequence.</summary>
    internal double? SequenceFrameRate { get; init; }

    /// <summary>An animated WebP's frames and times, read by libwebp rather than ffmpeg (<see cref="WebP.AnimatedWebPDecoder"/>); null for everything else.</summary>
    internal WebP.WebPAnimation? Animation { get; init; }

    /// <summary>When the container says it was made (its creation_time tag, as UTC); null when it does not say, or says 1970 or 1904 (a zero written as a date).</summary>
    internal DateTime? CreationTime { get; init; }

    /// <summary>The file's subtitle streams, in order (carried on into the annotated video: <see cref="AnnotatedVideoEncoder"/>).</summary>
    internal IReadOnlyList<SubtitleTrack> Subtitles { get; init; } = [];

    /// <summary>The container's tags (title, creation_time, ...), as ffprobe gives them.</summary>
    internal IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>The container's chapters, at the source's own times.</summary>
    internal IReadOnlyList<SourceChapter> Chapters { get; init; } = [];

    /// <summary>How many files the container holds attached (Matroska's fonts), its pictures apart (<see cref="Covers"/>).</summary>
    internal int Attachments { get; init; }

    /// <summary>The file's cover pictures (an MP4's cover art, a Matroska file's cover.jpg), in order.</summary>
    internal IReadOnlyList<CoverPicture> Covers { get; init; } = [];

    /// <summary>The wall-clock time of the video's start (--recorded-at), with the offset from UTC it was given in (or this machine's); null: frames get no wall-clock time.</summary>
    internal DateTimeOffset? RecordedAt { get; init; }

    /// <summary><see cref="RecordedAt"/> as UTC.</summary>
    internal DateTime? RecordedAtUtc => RecordedAt?.UtcDateTime;

    /// <summary>The wall-clock time of the frame at <paramref name="time"/> (the source's own seconds): the recording's start plus the frame's position in it.</summary>
    internal DateTime? UtcAt(double time) => RecordedAtUtc?.AddTicks((long)Math.Round((time - StartTime) * TimeSpan.TicksPerSecond));
}
