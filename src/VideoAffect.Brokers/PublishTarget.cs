namespace VideoAffect.Brokers;

/// <summary>
/// A parsed <c>--publish</c> URL: <c>mqtt://[user:pass@]host[:port]/PREFIX[?records=true]</c>,
/// <c>redis://[[user]:pass@]host[:port]/STREAM[?maxlen=N]</c>, the same over TLS as <c>mqtts://</c>
/// and <c>rediss://</c> (with <c>ca=FILE</c> for a broker with a CA of its own), or a webhook,
/// <c>http(s)://[user:pass@]host[:port]/PATH[?QUERY]</c>, whose path and query are the receiver's
/// own (a token in it is a secret). <see cref="Name"/> is the URL without its password (and a
/// webhook's without its query), for messages and summaries.
/// </summary>
public sealed record PublishTarget(string Scheme, string Host, int Port, string Path, string? User, string? Password,
    IReadOnlyDictionary<string, string> Query)
{
    public string Name => IsWebhook
        ? $"{Scheme}://{(User is { Length: > 0 } u ? u + "@" : "")}{Host}:{Port}/{Path.Split('?')[0].TrimStart('/')}"
        : $"{Scheme}://{(User is { Length: > 0 } u2 ? u2 + "@" : "")}{Host}:{Port}/{Path}";

    /// <summary>An http(s) receiver of POSTed events.</summary>
    public bool IsWebhook => Scheme is "http" or "https";

    /// <summary>A broker reached over TLS (mqtts://, rediss://).</summary>
    public bool UsesTls => Scheme is "mqtts" or "rediss";

    /// <summary>A webhook's address as given, without its credentials (they go in an Authorization header).</summary>
    public Uri? Endpoint { get; init; }

    public static PublishTarget Parse(string text)
    {
        string Bad(string why) => throw new VideoAffectException($"--publish '{Redacted(text)}': {why}");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            Bad("not a URL; use mqtt://[user:pass@]host[:port]/PREFIX, redis://host[:port]/STREAM or https://host/PATH (a webhook)");
        string scheme = uri!.Scheme.ToLowerInvariant();
        if (scheme is "http" or "https") return Webhook(uri);
        // MQTT over TLS has its own port (8883); Redis keeps 6379, as redis-cli --tls and the rediss:// clients do.
        int port = uri.IsDefaultPort || uri.Port < 0 ? scheme switch { "mqtt" => 1883, "mqtts" => 8883, "redis" or "rediss" => 6379, _ => 0 } : uri.Port;
        if (scheme is not ("mqtt" or "mqtts" or "redis" or "rediss")) Bad($"unknown scheme '{scheme}'; mqtt://, mqtts://, redis://, rediss:// and http(s):// (a webhook) are supported");
        bool mqtt = scheme is "mqtt" or "mqtts";
        string path = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (path.Length == 0) path = mqtt ? "videoaffect" : "videoaffect:records";
        // '#' is a URL's fragment mark, so a wildcard there never reaches the path.
        if (mqtt && (path.IndexOfAny(['+', '#']) >= 0 || uri.Fragment.Length > 0)) Bad("the topic prefix may not contain MQTT wildcards (+ or #)");
        var (user, password) = Credentials(uri);
        var query = uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]).ToLowerInvariant(), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "true");
        var known = (mqtt ? new[] { "records" } : ["maxlen"]).Concat(scheme is "mqtts" or "rediss" ? [BrokerTls.CaOption] : []).ToArray();
        if (query.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
            Bad($"unknown option '{unknown}' (known: {string.Join(", ", known)})");
        return new PublishTarget(scheme, uri.Host, port, path, user, password, query);
    }

    /// <summary>A webhook: the path and query are the receiver's, passed on untouched.</summary>
    static PublishTarget Webhook(Uri uri)
    {
        var (user, password) = Credentials(uri);
        var endpoint = new UriBuilder(uri) { UserName = "", Password = "", Fragment = "" }.Uri;
        return new PublishTarget(uri.Scheme.ToLowerInvariant(), uri.Host, uri.Port, uri.PathAndQuery, user, password, new Dictionary<string, string>()) { Endpoint = endpoint };
    }

    /// <summary>The URL's user and password, unescaped; null where it has none.</summary>
    static (string? User, string? Password) Credentials(Uri uri)
    {
        if (uri.UserInfo.Length == 0) return (null, null);
        var parts = uri.UserInfo.Split(':', 2);
        return (Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null);
    }

    /// <summary>A boolean query option (records=true/1/yes).</summary>
    public bool Flag(string name) => Query.TryGetValue(name, out var v) && v.ToLowerInvariant() is "true" or "1" or "yes";

    /// <summary>A positive whole-number query option, or its default.</summary>
    public long Number(string name, long fallback)
    {
        if (!Query.TryGetValue(name, out var v)) return fallback;
        return long.TryParse(v, out long n) && n > 0 ? n : throw new VideoAffectException($"--publish '{Name}': {name} must be a positive whole number (got '{v}')");
    }

    /// <summary>The URL with any password replaced, for error messages about a URL that did not parse.</summary>
    static string Redacted(string text)
    {
        int at = text.IndexOf('@'), scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (at < 0 || scheme < 0 || at < scheme) return text;
        int colon = text.IndexOf(':', scheme + 3);
        return colon > 0 && colon < at ? text[..colon] + ":***" + text[at..] : text;
    }
}
