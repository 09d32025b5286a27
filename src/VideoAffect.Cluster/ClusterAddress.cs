using StackExchange.Redis;

namespace VideoAffect.Cluster;

/// <summary>Where the cluster keeps its membership and state: redis://HOST:PORT, as `--cluster` gives it.</summary>
public sealed record ClusterAddress(string Host, int Port)
{
    public static ClusterAddress Parse(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != "redis" || uri.Host.Length == 0)
            throw new VideoAffectException($"--cluster '{text}' is not redis://HOST:PORT");
        return new ClusterAddress(uri.Host, uri.Port > 0 ? uri.Port : 6379);
    }

    /// <summary>Connection settings that fail fast on a wrong address and keep retrying once connected.</summary>
    public ConfigurationOptions Redis()
    {
        var options = ConfigurationOptions.Parse($"{Host}:{Port}");
        options.ConnectTimeout = 3000;
        options.AbortOnConnectFail = false;
        return options;
    }

    public override string ToString() => $"redis://{Host}:{Port}";
}
