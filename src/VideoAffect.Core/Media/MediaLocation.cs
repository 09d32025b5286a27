namespace VideoAffect.Media;

/// <summary>
/// Where a recorded video is read from: a file, or a URL that ffmpeg reads itself (http, https,
/// ftp: a recording on a web server or in object storage, given as a plain or presigned link).
/// </summary>
internal static class MediaLocation
{
    static readonly string[] UrlSchemes = ["http", "https", "ftp"];

    /// <summary>The schemes of live streams, which monitor watches (analyze reads recordings only).</summary>
    public static readonly string[] StreamSchemes = ["rtsp", "rtsps", "http", "https", "udp", "tcp", "rtmp", "srt"];

    /// <summary>Why an input that is no file cannot be analysed, where its name says more than "does not exist": a live stream's URL, a URL typed wrong, or another of ffmpeg's protocols; null for a plain missing file.</summary>
    public static string? NotAFile(string input)
    {
        if (Uri.TryCreate(input, UriKind.Absolute, out var uri) && StreamSchemes.Contains(uri.Scheme) && !UrlSchemes.Contains(uri.Scheme))
            return $"input '{WithoutSecrets(input)}' is a live stream, which analyze does not read (it takes video files and recordings at http(s):// or ftp:// URLs); watch it with videoaffect monitor";
        string hint = LocationTypos.Hint(input, [.. UrlSchemes, .. StreamSchemes], WithoutSecrets);
        if (hint.Length > 0) return $"input '{WithoutSecrets(input)}' does not exist{hint}";
        return LocationTypos.OtherScheme(input) is { } scheme
            ? $"input '{WithoutSecrets(input)}' is no file, and analyze reads no {scheme}:// URL (only http(s):// and ftp://); another of ffmpeg's inputs can be piped in: ffmpeg -i URL -c copy -f matroska - | videoaffect analyze -"
            : null;
    }

    /// <summary>Whether the input is a URL rather than a file path.</summary>
    public static bool IsUrl(string input) =>
        Uri.TryCreate(input, UriKind.Absolute, out var uri) && UrlSchemes.Contains(uri.Scheme) && uri.Host.Length > 0;

    /// <summary>
    /// ffmpeg's input options for it; nothing for a file. A URL gives up on a server that stops
    /// answering for 10 s instead of waiting forever; while decoding, an http(s) connection that
    /// breaks (a long download over a flaky network) is made again, twice at most (after 1 and
    /// 2 s), so a dead server fails the run within about half a minute. A probe does not retry.
    /// </summary>
    /// An image sequence is read at <paramref name="sequenceFrameRate"/> frames per second where given.
    public static string InputOptions(string input, bool probe = false, double? sequenceFrameRate = null) =>
        sequenceFrameRate is { } rate && ImageSequence.IsPattern(input) ? $"-framerate {rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}"
        : !IsUrl(input) ? ""
            : probe || input.StartsWith("ftp", StringComparison.OrdinalIgnoreCase) ? "-rw_timeout 10000000"
            : "-reconnect 1 -reconnect_on_network_error 1 -reconnect_delay_max 2 -rw_timeout 10000000";

    /// <summary>The input's name without its extension, for output names and stream names: talk for /videos/talk.mp4 and for https://host/v/talk.mp4?sig=...</summary>
    public static string NameOf(string input)
    {
        if (ImageSequence.IsPattern(input)) return ImageSequence.Name(input);
        string path = IsUrl(input) ? Uri.UnescapeDataString(new Uri(input).AbsolutePath) : input;
        string name = Path.GetFileNameWithoutExtension(path.TrimEnd('/'));
        return name.Length > 0 ? name : "video";
    }

    /// <summary>Any URL without its user, password, query and fragment; anything else as it is.</summary>
    static string WithoutSecrets(string input) =>
        Uri.TryCreate(input, UriKind.Absolute, out var uri) && uri.Host.Length > 0
            ? $"{uri.Scheme}://{uri.Host}{(uri.IsDefaultPort ? "" : $":{uri.Port}")}{uri.AbsolutePath}" : input;

    /// <summary>The input as messages and reports show it: a URL without its user and password, query or fragment (a presigned link's signature is a secret).</summary>
    public static string Shown(string input) => IsUrl(input) ? WithoutSecrets(input) : input;
}
