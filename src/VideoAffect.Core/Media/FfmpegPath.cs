using System.Text;

namespace VideoAffect.Media;

/// <summary>
/// A file path as ffmpeg and FFMpegCore must be given it. ffmpeg takes a relative name whose first
/// colon comes before any slash for a protocol (<c>10:30 meeting.mp4</c>, <c>2026-12-04T10:30.mp4</c>:
/// "Protocol not found"), and ffprobe one that starts with a dash for an option: local paths go
/// absolute. FFMpegCore writes a path into ffmpeg's command line between double quotes without
/// escaping, and .NET splits that line into arguments by the Windows rules (also on Linux), so a
/// file named <c>a"b.mp4</c> reached ffmpeg as <c>ab.mp4</c> followed by the rest of the line.
/// Escaped by those rules, every path arrives as it is.
/// </summary>
internal static class FfmpegPath
{
    /// <summary>A relative local path made absolute (it then starts with a slash: neither a protocol nor an option); URLs (<c>scheme://</c>) and absolute paths as they are.</summary>
    public static string Local(string path) =>
        path.Length == 0 || path.Contains("://", StringComparison.Ordinal) || Path.IsPathRooted(path) ? path : Path.GetFullPath(path);

    /// <summary>
    /// The path for use inside FFMpegCore's quotes (<see cref="Local"/> first): a double quote becomes \" and the backslashes
    /// before it (or before the closing quote, at the end) are doubled; other backslashes stay.
    /// Give FFMpegCore <c>verifyExists: false</c> with it (its check would look for the escaped name).
    /// </summary>
    public static string Escape(string path) => EscapeInQuotes(Local(path));

    /// <summary>
    /// Any text as one argument of the command line FFMpegCore hands to .NET's process start,
    /// which splits it as Windows does: quoted, a double quote and the backslashes before it escaped.
    /// </summary>
    public static string Quoted(string text) => "\"" + EscapeInQuotes(text) + "\"";

    static string EscapeInQuotes(string path)
    {
        if (!path.Contains('"') && !path.EndsWith('\\')) return path;
        var escaped = new StringBuilder(path.Length + 8);
        int backslashes = 0;
        foreach (char c in path)
        {
            if (c == '\\') { backslashes++; continue; }
            if (c == '"') escaped.Append('\\', backslashes * 2 + 1);
            else escaped.Append('\\', backslashes);
            backslashes = 0;
            escaped.Append(c);
        }
        return escaped.Append('\\', backslashes * 2).ToString();
    }
}
