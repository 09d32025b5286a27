using System.Text.RegularExpressions;

namespace VideoAffect.Media;

/// <summary>
/// A source that is no file but reads as a URL typed wrong ("rstp://10.0.0.5/stream",
/// "http:/host/talk.mp4", "htps://..."): the URL it most likely meant, added to the "does not
/// exist" line, so that the user is not sent looking for a file they never meant.
/// </summary>
internal static partial class LocationTypos
{
    /// <summary>
    /// ffmpeg's other protocols: a name using one is not taken for a typo of ours (rtp:// is not a
    /// mistyped rtsp://), whether or not the command reads it.
    /// </summary>
    static readonly string[] OtherProtocols = ["rtp", "rtmps", "rtmpt", "rtmpe", "rtmpte", "rtmpts", "mms", "mmsh", "mmst", "hls", "file", "pipe",
        "data", "crypto", "concat", "subfile", "cache", "async", "tee", "tls", "unix", "sftp", "smb", "gopher", "gophers", "icecast", "ipfs", "ipns",
        "rist", "sctp", "prompeg", "zmq", "amqp", "bluray", "fd", "md5"];

    /// <summary>
    /// The URL meant by <paramref name="location"/> in one of <paramref name="schemes"/>: the same
    /// scheme with its "://" mended (a slash or two short), or the one scheme a letter away (one
    /// typed, left out, changed or two swapped); null where it is no such typo, or where two schemes
    /// are as near (rtps: rtsp or rtsps).
    /// </summary>
    public static string? Meant(string location, IReadOnlyCollection<string> schemes)
    {
        var match = SchemeLike().Match(location);
        if (!match.Success) return null;
        string scheme = match.Groups["scheme"].Value.ToLowerInvariant();
        if (OtherProtocols.Contains(scheme)) return null;
        string? meant = schemes.Contains(scheme) ? scheme
            : schemes.Distinct().Where(s => Spelling.Distance(scheme, s) == 1).ToList() is [var only] ? only : null;
        // Three slashes are a URL without its host (rtsp:///stream), not a typo to mend.
        if (meant is null || match.Groups["slashes"].Length > 2 || (meant == scheme && match.Groups["slashes"].Length == 2)) return null;
        return $"{meant}://{match.Groups["rest"].Value}";
    }

    /// <summary>" (did you mean 'rtsp://...'?)", or nothing; <paramref name="show"/> hides what a message must not show (a password).</summary>
    public static string Hint(string location, IReadOnlyCollection<string> schemes, Func<string, string>? show = null) =>
        Meant(location, schemes) is { } meant ? $" (did you mean '{(show ?? (s => s))(meant)}'?)" : "";

    /// <summary>The scheme of a "SCHEME://..." name where it is none of ours (rtp, sftp, smb...): that command does not read it.</summary>
    public static string? OtherScheme(string location) =>
        SchemeLike().Match(location) is { Success: true } match && match.Groups["slashes"].Length == 2 ? match.Groups["scheme"].Value.ToLowerInvariant() : null;

    /// <summary>A scheme of 2 to 10 letters, a colon, up to three slashes, then the rest (which starts with no slash).</summary>
    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.-]{1,9}):(?<slashes>/{0,3})(?<rest>[^/].*)$")]
    private static partial Regex SchemeLike();
}
