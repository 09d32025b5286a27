using System.Text.RegularExpressions;

namespace VideoAffect.Media;

/// <summary>
/// What ffmpeg said, while decoding a video, about data it could not decode: a damaged or cut
/// recording, a camera's lost packets. ffmpeg goes on past such data (it conceals the damaged part
/// of a picture from the frames around it, or leaves a picture out), so a run over a damaged file
/// completes with nothing to show for it but these messages. Fed ffmpeg's error lines as they come
/// (it runs at log level "error", so each line is an error), from any thread.
/// </summary>
/// <param name="decoder">
/// Only this decoder's messages count ("h264" counts "[h264 @ ...] ..." and ffmpeg's "Error while
/// decoding stream"): a network source's errors are mostly the connection's, not damage; null:
/// every line, as for a file, where any error (the demuxer's too) is damage.
/// </param>
/// <param name="stream">with a decoder, the index of its track, whose "Error while decoding stream #0:N" lines alone count (another track's, the sound's, are not the pictures' damage); null: any track's</param>
internal sealed partial class DecodeDamage(string? decoder = null, int? stream = null)
{
    long _errors;
    string? _first;
    /// <summary>Whether the last line counted, so that its "Last message repeated" does too.</summary>
    bool _lastCounted;

    /// <summary>Error messages so far ("Last message repeated N times" counts N).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>The first of them, without ffmpeg's object addresses ("h264: error while decoding MB 16 20"), or null.</summary>
    public string? First => Volatile.Read(ref _first);

    /// <summary>Takes one line of ffmpeg's; returns how many errors it counted for (0 for a line that is not one of the decoder's).</summary>
    public long Add(string line)
    {
        line = line.Trim();
        if (line.Length == 0) return 0;
        if (Repeated().Match(line) is { Success: true } repeated)
        {
            if (!_lastCounted) return 0;
            long times = long.Parse(repeated.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Interlocked.Add(ref _errors, times);
            return times;
        }
        _lastCounted = decoder is null || line.StartsWith($"[{decoder} @ ", StringComparison.Ordinal)
            || line.StartsWith(stream is { } n ? $"Error while decoding stream #0:{n}:" : "Error while decoding stream", StringComparison.Ordinal);
        if (!_lastCounted) return 0;
        Interlocked.Increment(ref _errors);
        Interlocked.CompareExchange(ref _first, Readable(line), null);
        return 1;
    }

    /// <summary>What the errors mean to the user, as the summary and the report say it.</summary>
    internal static string Describe(long errors, string? first) =>
        $"ffmpeg reported {errors} error{(errors == 1 ? "" : "s")} decoding the video (first: {first}); damaged pictures are concealed or left out";

    /// <summary>"[h264 @ 0x55d0c8a3c140] error while decoding MB 16 20" → "h264: error while decoding MB 16 20": the address differs on every run.</summary>
    internal static string Readable(string line)
    {
        var match = Prefix().Match(line);
        string text = match.Success ? $"{match.Groups[1].Value}: {line[match.Length..].TrimStart()}" : line;
        return text.Length > 160 ? text[..160] + "…" : text;
    }

    /// <summary>Whether the line is one of a demuxer's or decoder's own ("[mov,mp4,... @ 0x55...] moov atom not found").</summary>
    internal static bool IsComponentLine(string line) => Prefix().IsMatch(line);

    [GeneratedRegex(@"^Last message repeated (\d+) times?$")]
    private static partial Regex Repeated();

    [GeneratedRegex(@"^\[([^\]@]+?) @ 0x[0-9a-fA-F]+\]")]
    private static partial Regex Prefix();
}
