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

    /// <summary>
    /// The last line of ffmpeg's output that looks like an error, else the first line. Where that
    /// line is only ffmpeg's generic "FILE: Invalid data found when processing input", the
    /// demuxer's or decoder's own line before it says why ("matroska,webm: EBML header parsing
    /// failed"), and a missing MP4 index is said for what it usually means.
    /// </summary>
    public static string Reason(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var error = lines.LastOrDefault(l => l.Contains("Invalid", StringComparison.OrdinalIgnoreCase)
            || l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.Contains("No such file", StringComparison.OrdinalIgnoreCase)
            || l.Contains("not found", StringComparison.OrdinalIgnoreCase) || l.Contains("denied", StringComparison.OrdinalIgnoreCase));
        if (error is not null && error.EndsWith(": " + GenericInvalidData, StringComparison.Ordinal)
            && lines.LastOrDefault(l => l != error && DecodeDamage.IsComponentLine(l)) is { } specific)
            error = Explain(DecodeDamage.Readable(specific));
        string reason = error ?? lines.FirstOrDefault() ?? "no output";
        // A component's own line loses ffmpeg's "[concat @ 0x55...]" prefix, a pointer no user needs.
        if (DecodeDamage.IsComponentLine(reason)) reason = DecodeDamage.Readable(reason);
        // FFMpegCore wraps ffprobe's output in "(exit code - message)"; drop the wrapper's parenthesis.
        if (reason.EndsWith(')') && reason.Count(c => c == ')') > reason.Count(c => c == '(')) reason = reason[..^1];
        return reason.Length > 200 ? reason[..200] + "…" : reason;
    }

    /// <summary>
    /// Whether ffmpeg said that the file ends inside its last piece of data: MP4/MOV's "partial file",
    /// Matroska/WebM's "File ended prematurely" (a download or a recording cut short). Stream
    /// formats (MPEG-TS, FLV, AVI without its index) have no such sign: their cut shows as a damaged last frame.
    /// </summary>
    public static bool SaysTruncated(IEnumerable<string> output) =>
        output.Any(l => l.Contains("partial file", StringComparison.OrdinalIgnoreCase) || l.Contains("File ended prematurely", StringComparison.Ordinal));

    const string GenericInvalidData = "Invalid data found when processing input";

    /// <summary>ffmpeg's words where they mislead: "moov atom not found" is an MP4 or MOV without its index, which a recording stopped by a crash, a lost battery or a full disk lacks.</summary>
    static string Explain(string reason) =>
        reason.EndsWith("moov atom not found", StringComparison.Ordinal)
            ? "it has no MP4/MOV index (moov atom): a recording cut off before it was finished, or not a video at all"
            : reason;
}
