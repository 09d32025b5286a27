using System.Globalization;

namespace VideoAffect.Media;

/// <summary>
/// The part of a video a run analyses, as a player counts time: from <see cref="Start"/> to
/// <see cref="End"/> seconds after the video's start (ffmpeg's -ss and -to). The frames taken are
/// exactly those whose own time falls in [start, end); they keep their source times in the records,
/// and the annotated video of the part starts at 0 with the audio of the same part.
/// </summary>
/// <param name="Start">Seconds from the video's start; 0 for the beginning.</param>
/// <param name="End">Seconds from the video's start; null for the end.</param>
internal sealed record PlayRange(double Start, double? End)
{
    /// <summary>The whole video.</summary>
    public static readonly PlayRange Whole = new(0, null);

    public bool IsWhole => Start == 0 && End is null;

    /// <summary>Source time of the part's start: the container's start time plus <see cref="Start"/>.</summary>
    public double From(VideoInfo info) => info.StartTime + Start;

    /// <summary>Source time of the part's end, or +infinity.</summary>
    public double To(VideoInfo info) => End is { } end ? info.StartTime + end : double.PositiveInfinity;

    /// <summary>The part's length where it is known (the video's duration bounds an open end).</summary>
    public double Length(VideoInfo info) => Math.Max(0, Math.Min(End ?? double.PositiveInfinity, info.Duration.TotalSeconds) - Start);

    /// <summary>", part 12.5 s to 20 s" for messages; empty for the whole video.</summary>
    public string Description => IsWhole ? "" : $", part {Seconds(Start)} to {(End is { } end ? Seconds(end) : "the end")}";

    static string Seconds(double s) => s.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    /// <summary>Seconds for ffmpeg's command line, exactly.</summary>
    public static string Argument(double seconds) => seconds.ToString("R", CultureInfo.InvariantCulture);
}
