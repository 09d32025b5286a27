namespace VideoAffect.Live;

/// <summary>What kind of live source a location is.</summary>
public enum LiveSourceKind
{
    /// <summary>An rtsp:// or rtsps:// camera.</summary>
    Rtsp,
    /// <summary>A V4L2 device (/dev/videoN).</summary>
    Webcam,
    /// <summary>A video file, played at its own rate.</summary>
    File,
    /// <summary>Another URL ffmpeg reads (http://, udp://, ...).</summary>
    Url,
    /// <summary>Standard input ('-'): a stream another program pipes in (a camera tool's output, an ffmpeg that receives what monitor cannot).</summary>
    StandardInput,
}

/// <summary>
/// One source of the monitor as the user named it: an rtsp:// URL, a V4L2 device (/dev/videoN),
/// another ffmpeg URL (http://, udp://...), or a video file (played in real time, optionally looped).
/// </summary>
/// <param name="Name">The stream's name in records, metrics and events.</param>
/// <param name="Location">The URL, device or file.</param>
/// <param name="Kind">What kind of source it is.</param>
public sealed record LiveSourceSpec(string Name, string Location, LiveSourceKind Kind)
{
    /// <summary>Sources given on one command line; unnamed ones that come out alike get -2, -3... in order.</summary>
    public static IReadOnlyList<LiveSourceSpec> ParseAll(IReadOnlyList<string> texts)
    {
        var specs = texts.Select(Parse).ToList();
        // Names given on purpose are kept (two alike is the user's error, reported by the command).
        var used = specs.Where((s, i) => HasOwnName(texts[i])).Select(s => s.Name).ToHashSet();
        for (int i = 0; i < specs.Count; i++)
        {
            if (HasOwnName(texts[i])) continue;
            string name = specs[i].Name;
            for (int n = 2; used.Contains(name); n++) name = $"{specs[i].Name}-{n}";
            used.Add(name);
            specs[i] = specs[i] with { Name = name };
        }
        return specs;
    }

    /// <summary>NAME=LOCATION; but a file whose own name holds '=' (take=2.mp4) is that file, not a stream "take" of "2.mp4".</summary>
    static bool HasOwnName(string text)
    {
        int eq = text.IndexOf('=');
        return eq > 0 && !text[..eq].Contains(':') && !text[..eq].Contains('/') && !File.Exists(text);
    }

    /// <summary>
    /// The NAME of a NAME=SOURCE that was not taken as a name because it holds '/' or ':' (cams/door=...,
    /// door:1=rtsp://...), where the whole is no file but SOURCE is a source: without this, the stream
    /// started and failed as a missing file named after the whole text. Null where that is not the case.
    /// </summary>
    static string? MistakenName(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0 || File.Exists(text) || Directory.Exists(text)) return null;
        string source = text[(eq + 1)..];
        bool isSource = source is "-" || source.StartsWith("/dev/video", StringComparison.Ordinal) || File.Exists(source)
            || UriOf(source) is { } uri && (uri.Scheme is "rtsp" or "rtsps" || Media.MediaLocation.StreamSchemes.Contains(uri.Scheme));
        return isSource ? text[..eq] : null;
    }

    /// <summary>One source as given on the command line: NAME=LOCATION, or a location alone (named after it; <paramref name="index"/> names a source that gives no name of its own).</summary>
    public static LiveSourceSpec Parse(string text, int index)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new VideoAffectException("an empty source was given");
        // NAME=SOURCE gives a stream its own name in records, metrics and the preview; without one
        // it is named after the file, the device, or the camera's host and path.
        string? name = null, location = text;
        int eq = text.IndexOf('=');
        if (HasOwnName(text))
        {
            name = text[..eq];
            location = text[(eq + 1)..];
        }
        if (name is not null && !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new VideoAffectException($"stream name '{name}' may only hold letters, digits, '-' and '_'");
        if (string.IsNullOrWhiteSpace(location)) throw new VideoAffectException($"stream '{name}' has no source (NAME=SOURCE, or a stream's source in --config)");
        LiveSourceKind kind;
        if (location is "-" or "/dev/stdin" or "/dev/fd/0" or "/proc/self/fd/0")
            kind = LiveSourceKind.StandardInput;
        else if (location.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase))
            kind = LiveSourceKind.Rtsp;
        else if (location.StartsWith("/dev/video", StringComparison.Ordinal))
            kind = LiveSourceKind.Webcam;
        else if (UriOf(location) is { } uri && Media.MediaLocation.StreamSchemes.Contains(uri.Scheme))
            kind = LiveSourceKind.Url;
        else
            kind = LiveSourceKind.File;
        // "=door.mp4" (a name left out, or a variable that expanded to nothing) is no file named "=door.mp4".
        if (name is null && kind == LiveSourceKind.File && text.StartsWith('=') && !File.Exists(text))
            throw new VideoAffectException($"source '{SourceSecrets.Redact(text)}' has an empty stream name before '='; give NAME=SOURCE, or the source alone");
        if (name is null && kind == LiveSourceKind.File && MistakenName(text) is { } mistaken)
            throw new VideoAffectException($"source '{SourceSecrets.Redact(text)}' is no file, and '{mistaken}' cannot be a stream's name (NAME=SOURCE): a name may only hold letters, digits, '-' and '_'");
        if (kind is LiveSourceKind.Rtsp or LiveSourceKind.Url && UriOf(location) is null)
            throw new VideoAffectException($"source '{SourceSecrets.Redact(location)}' is not a valid URL");
        // A camera's URL names its host; only udp://, tcp:// and srt:// may leave it out (listening on a local port).
        if (kind is LiveSourceKind.Rtsp or LiveSourceKind.Url && UriOf(location) is { } named
            && named.Scheme is not ("udp" or "tcp" or "srt") && string.IsNullOrEmpty(named.Host))
            throw new VideoAffectException($"source '{SourceSecrets.Redact(location)}' names no host{Media.LocationTypos.Hint(location, Media.MediaLocation.StreamSchemes, SourceSecrets.Redact)}");
        return new LiveSourceSpec(name ?? NameOf(location, kind) ?? $"stream{index + 1}", location, kind);
    }

    /// <summary>
    /// The location as a URL, or null. ffmpeg listens on every address for a URL that names no
    /// host (tcp://:5001?listen=1, srt://:9000?mode=listener), which .NET's Uri refuses: read as
    /// the same URL with 0.0.0.0 (the name then says the port only).
    /// </summary>
    static Uri? UriOf(string location)
    {
        if (Uri.TryCreate(location, UriKind.Absolute, out var uri)) return uri;
        int at = location.IndexOf("://:", StringComparison.Ordinal);
        return at > 0 && location[..at] is "udp" or "tcp" or "srt" && Uri.TryCreate(location.Insert(at + 3, "0.0.0.0"), UriKind.Absolute, out uri) ? uri : null;
    }

    /// <summary>lobby for /videos/lobby.mp4, video0 for /dev/video0, 10-0-0-5-cam-main for rtsp://user@10.0.0.5:554/cam/main.</summary>
    static string? NameOf(string location, LiveSourceKind kind)
    {
        string raw = kind switch
        {
            LiveSourceKind.StandardInput => "stdin",
            LiveSourceKind.File => Path.GetFileNameWithoutExtension(location),
            LiveSourceKind.Webcam => Path.GetFileName(location),
            // Some cameras take their password in the path (/user=admin&password=...): never in a name.
            // A port we listen on on every address is named by its protocol and port (udp-5000).
            _ => UriOf(location) is { } uri && uri.Host is "0.0.0.0" or "[::]" or "" ? $"{uri.Scheme}-{uri.Port}"
                : UriOf(location) is { } named ? named.Host + SourceSecrets.Redact(Uri.UnescapeDataString(named.AbsolutePath)) : location,
        };
        var name = new string(raw.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' ? c : '-').ToArray());
        while (name.Contains("--")) name = name.Replace("--", "-");
        name = name.Trim('-');
        return name.Length > 0 ? name : null;
    }

    /// <summary>
    /// A stream a sender pushes to us rather than one we fetch: standard input, UDP datagrams, a TCP
    /// port we listen on (tcp://0.0.0.0:5001?listen=1), an SRT listener (srt://:9000?mode=listener),
    /// or an RTMP or HTTP server for one sender (rtmp://0.0.0.0/live/cam?listen=1: OBS pushes there).
    /// Its bytes can be read only once: the probe and the decoder must share them (<see cref="PushedBytes"/>).
    /// </summary>
    internal bool IsPushed
    {
        get
        {
            if (Kind == LiveSourceKind.StandardInput) return true;
            if (Kind != LiveSourceKind.Url || UriOf(Location) is not { } uri) return false;
            var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
            return uri.Scheme switch
            {
                "udp" => true,
                "tcp" => query["listen"] is { } listen && listen != "0",
                "srt" => string.Equals(query["mode"], "listener", StringComparison.OrdinalIgnoreCase),
                "rtmp" or "http" => ListensAsServer,
                _ => false,
            };
        }
    }

    /// <summary>A TCP port we listen on for a sender (tcp://HOST:PORT?listen=1), held open by us (<see cref="TcpPushListener"/>); else null.</summary>
    internal Uri? TcpListenUrl => IsPushed && UriOf(Location) is { Scheme: "tcp" } uri ? uri : null;

    /// <summary>
    /// An rtmp:// or http:// URL with listen=1 in its query: ffmpeg's own -listen option (these
    /// protocols take no options in their URL; the query would be part of the path), the URL
    /// without it in <see cref="ServerUrl"/>.
    /// </summary>
    internal bool ListensAsServer =>
        Kind == LiveSourceKind.Url && UriOf(Location) is { Scheme: "rtmp" or "http" } uri
        && System.Web.HttpUtility.ParseQueryString(uri.Query)["listen"] is { } listen && listen != "0";

    /// <summary>The URL a server that listens (<see cref="ListensAsServer"/>) is given: its listen=1 left out.</summary>
    internal string ServerUrl
    {
        get
        {
            var uri = new UriBuilder(UriOf(Location)!);
            var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
            query.Remove("listen");
            uri.Query = query.ToString();
            return uri.Uri.ToString();
        }
    }

    /// <summary>A file or device that does not exist will not appear by retrying.</summary>
    internal void CheckExists()
    {
        if (Kind == LiveSourceKind.File && Directory.Exists(Location))
            throw new VideoAffectException($"source '{Location}' is a folder, not a video; give one of its files (NAME=FILE)");
        if (Kind is LiveSourceKind.File or LiveSourceKind.Webcam && !File.Exists(Location))
            throw new VideoAffectException(Kind == LiveSourceKind.Webcam
                ? $"webcam '{Location}' does not exist (no such V4L2 device)"
                : Media.LocationTypos.Hint(Location, Media.MediaLocation.StreamSchemes, SourceSecrets.Redact) is { Length: > 0 } hint ? $"source '{SourceSecrets.Redact(Location)}' does not exist{hint}"
                : Media.LocationTypos.OtherScheme(Location) is { } scheme
                    ? $"source '{SourceSecrets.Redact(Location)}' is no file, and monitor reads no {scheme}:// URL (rtsp(s)://, http(s)://, udp://, tcp://, rtmp:// and srt://); another of ffmpeg's inputs can be piped in: ffmpeg -i URL -c copy -f mpegts - | videoaffect monitor NAME=-"
                : $"source '{SourceSecrets.Redact(Location)}' does not exist");
    }
}
