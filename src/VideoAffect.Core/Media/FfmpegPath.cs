using System.Text;

namespace VideoAffect.Media;

/// <summary>
/// A file path as FFMpegCore must be given it. FFMpegCore writes a path into ffmpeg's command line
/// between double quotes without escaping, and .NET splits that line into arguments by the
/// Windows rules (also on Linux), so a file named <c>a"b.mp4</c> reached ffmpeg as <c>ab.mp4</c>
/// followed by the rest of the line. Escaped by those rules, every path arrives as it is.
/// </summary>
internal static class FfmpegPath
{
    /// <summary>
    /// The path for use inside FFMpegCore's quotes: a double quote becomes \" and the backslashes
    /// before it (or before the closing quote, at the end) are doubled; other backslashes stay.
    /// Give FFMpegCore <c>verifyExists: false</c> with it (its check would look for the escaped name).
    /// </summary>
    public static string Escape(string path)
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
