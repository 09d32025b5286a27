namespace VideoAffect.Media;

/// <summary>Distils ffmpeg/ffprobe failures into the one line a user needs.</summary>
static class FfmpegErrors
{
    public static string Reason(Exception e)
    {
        if (e is System.ComponentModel.Win32Exception)
            return "ffmpeg/ffprobe is not installed; run ./setup.sh";
        return Reason(e.Message);
    }

    /// <summary>The last line of ffmpeg's output that looks like an error, else the first line.</summary>
    public static string Reason(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var error = lines.LastOrDefault(l => l.Contains("Invalid", StringComparison.OrdinalIgnoreCase)
            || l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.Contains("No such file", StringComparison.OrdinalIgnoreCase)
            || l.Contains("not found", StringComparison.OrdinalIgnoreCase) || l.Contains("denied", StringComparison.OrdinalIgnoreCase));
        string reason = error ?? lines.FirstOrDefault() ?? "no output";
        // FFMpegCore wraps ffprobe's output in "(exit code - message)"; drop the wrapper's parenthesis.
        if (reason.EndsWith(')') && reason.Count(c => c == ')') > reason.Count(c => c == '(')) reason = reason[..^1];
        return reason.Length > 200 ? reason[..200] + "…" : reason;
    }
}
