namespace VideoAffect.Live;

/// <summary>
/// Where `monitor --restream URL` pushes each stream's annotated video: a media server's ingest
/// (MediaMTX, nginx-rtmp, SRS, Wowza, a streaming site's RTMP), or MPEG-TS to a player or another
/// program. <c>{name}</c> in the URL is the stream's name, so one option serves every camera
/// (<c>rtmp://10.0.0.2/live/{name}</c>). The URL's scheme chooses the container ffmpeg sends:
/// FLV over RTMP, RTP over RTSP (announced and recorded, TCP), MPEG-TS over SRT, UDP and TCP.
/// </summary>
internal sealed class RestreamTarget
{
    /// <summary>What the URL's {name} is replaced with.</summary>
    public const string NamePlaceholder = "{name}";

    readonly string _template;

    RestreamTarget(string template, string scheme) { _template = template; Scheme = scheme; }

    /// <summary>rtmp, rtmps, rtsp, rtsps, srt, udp or tcp.</summary>
    public string Scheme { get; }

    /// <summary>Whether every stream gets its own URL ({name} in it); without it only one stream may push.</summary>
    public bool NamesStreams => _template.Contains(NamePlaceholder, StringComparison.Ordinal);

    /// <summary>The URL one stream pushes to.</summary>
    public string UrlFor(string stream) => _template.Replace(NamePlaceholder, stream, StringComparison.Ordinal);

    /// <summary>
    /// The URL as messages show it: scheme, host and port only. A streaming site's stream key is
    /// the last part of its path (rtmp://a.rtmp.youtube.com/live2/KEY), where no rule can tell it
    /// from a name, so no path is shown.
    /// </summary>
    public string Shown(string stream)
    {
        var url = UrlFor(stream);
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Length > 0
            ? $"{uri.Scheme}://{uri.Host}{(uri.IsDefaultPort || uri.Port < 0 ? "" : $":{uri.Port}")}"
            : $"{Scheme}://";
    }

    /// <summary>ffmpeg's output options for the scheme: the container, and how long a silent server may hold a write.</summary>
    public string FfmpegOptions => Scheme switch
    {
        "rtmp" or "rtmps" => $"-f flv -rw_timeout {SilentServerMicroseconds}",
        "rtsp" or "rtsps" => $"-f rtsp -rtsp_transport tcp -timeout {SilentServerMicroseconds}",
        "tcp" => $"-f mpegts -rw_timeout {SilentServerMicroseconds}",
        // SRT has its own timeouts; in live mode it dropped what was still unsent when the push
        // closed (the last 4-5 of 92 frames, tried here), unless told to wait for it.
        "srt" => "-f mpegts -linger 2",
        _ => "-f mpegts", // udp: nothing waits for an answer
    };

    /// <summary>A server that takes the connection and then answers nothing fails the push after this long, and it is tried again.</summary>
    const long SilentServerMicroseconds = 10_000_000;

    static readonly string[] Schemes = ["rtmp", "rtmps", "rtsp", "rtsps", "srt", "udp", "tcp"];

    /// <summary>The target, or a one-line <see cref="VideoAffectException"/> saying what is wrong with <paramref name="url"/>.</summary>
    public static RestreamTarget Parse(string url)
    {
        int colon = url.IndexOf("://", StringComparison.Ordinal);
        string scheme = colon > 0 ? url[..colon].ToLowerInvariant() : "";
        if (!Schemes.Contains(scheme))
        {
            string what = colon > 0 ? $"its scheme '{scheme}://' is not one monitor pushes to" : "it is no URL";
            string hint = colon > 0 ? "" : " (a recording goes to a folder: --record DIR)";
            throw new VideoAffectException($"--restream '{SourceSecrets.Redact(url)}': {what}{hint}; give an rtmp://, rtmps://, rtsp://, rtsps://, srt://, udp:// or tcp:// URL, with {NamePlaceholder} for the stream's name (rtmp://10.0.0.2/live/{NamePlaceholder})");
        }
        var target = new RestreamTarget(url, scheme);
        if (!Uri.TryCreate(target.UrlFor("stream"), UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            throw new VideoAffectException($"--restream '{SourceSecrets.Redact(url)}': no server to push to in it; give one, as in {scheme}://10.0.0.2{(scheme is "rtmp" or "rtmps" ? "/live" : "")}/{NamePlaceholder}");
        if (scheme is "udp" or "tcp" or "srt" && uri.Port <= 0)
            throw new VideoAffectException($"--restream '{SourceSecrets.Redact(url)}': {scheme}:// needs a port ({scheme}://{uri.Host}:5000)");
        return target;
    }
}
