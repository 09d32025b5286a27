namespace VideoAffect.Live;

public enum LiveSourceKind { Rtsp, Webcam, File, Url }

/// <summary>
/// One source of the monitor as the user named it: an rtsp:// URL, a V4L2 device (/dev/videoN),
/// another ffmpeg URL (http://, udp://...), or a video file (played in real time, optionally looped).
/// </summary>
public sealed record LiveSourceSpec(string Name, string Location, LiveSourceKind Kind)
{
    public static LiveSourceSpec Parse(string text, int index)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new VideoAffectException("an empty source was given");
        // NAME=SOURCE gives a stream its own name in records, metrics and the preview.
        string name = $"stream{index + 1}", location = text;
        int eq = text.IndexOf('=');
        if (eq > 0 && !text[..eq].Contains(':') && !text[..eq].Contains('/'))
        {
            name = text[..eq];
            location = text[(eq + 1)..];
        }
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new VideoAffectException($"stream name '{name}' may only hold letters, digits, '-' and '_'");
        LiveSourceKind kind;
        if (location.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase))
            kind = LiveSourceKind.Rtsp;
        else if (location.StartsWith("/dev/video", StringComparison.Ordinal))
            kind = LiveSourceKind.Webcam;
        else if (Uri.TryCreate(location, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "udp" or "tcp" or "rtmp" or "srt")
            kind = LiveSourceKind.Url;
        else
            kind = LiveSourceKind.File;
        if (kind is LiveSourceKind.Rtsp or LiveSourceKind.Url && !Uri.TryCreate(location, UriKind.Absolute, out _))
            throw new VideoAffectException($"source '{location}' is not a valid URL");
        return new LiveSourceSpec(name, location, kind);
    }

    /// <summary>A file or device that does not exist will not appear by retrying.</summary>
    public void CheckExists()
    {
        if (Kind is LiveSourceKind.File or LiveSourceKind.Webcam && !File.Exists(Location))
            throw new VideoAffectException(Kind == LiveSourceKind.Webcam
                ? $"webcam '{Location}' does not exist (no such V4L2 device)"
                : $"source '{Location}' does not exist");
    }
}
