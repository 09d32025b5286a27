using System.Globalization;
using VideoAffect.Media;

namespace VideoAffect.Pipeline;

/// <summary>
/// `--recorded-at`: when a recorded video's first moment was, so that its records carry
/// wall-clock times (a camera's footage: at what time of day a face was seen, and how it looked).
/// Either "file" (the container's creation_time, which cameras and phones set) or a date and time.
/// </summary>
internal static class RecordingStart
{
    public const string FromFile = "file";

    /// <summary>The time given, with its offset from UTC (this machine's, where none is written), or null for "file"; a one-line error for anything else.</summary>
    public static DateTimeOffset? Parse(string value)
    {
        if (value.Equals(FromFile, StringComparison.OrdinalIgnoreCase)) return null;
        // Only the ISO 8601 shapes, not whatever a culture's parser takes ("12/04" is two different days).
        string[] formats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd HH:mmK"];
        if (DateTimeOffset.TryParseExact(value.Trim(), formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var time))
            return time;
        throw new VideoAffectException($"--recorded-at '{value}' is neither 'file' nor a date and time such as 2026-12-04T08:00:00+01:00 (ISO 8601; without an offset, this machine's local time)");
    }

    /// <summary>
    /// The time of the video's start, for <paramref name="info"/>: the one given, or the file's own
    /// (UTC in the file), in this machine's time zone. Its offset is the one a person reads the
    /// report's times of day in.
    /// </summary>
    public static DateTimeOffset Of(string value, VideoInfo info) =>
        Parse(value) ?? (info.CreationTime is { } utc ? new DateTimeOffset(utc, TimeSpan.Zero).ToOffset(TimeZoneInfo.Local.GetUtcOffset(utc)) : (DateTimeOffset?)null)
        ?? throw new VideoAffectException($"'{MediaLocation.Shown(info.Path)}' does not say when it was recorded (its container has no creation_time); give --recorded-at the date and time its recording started");
}
