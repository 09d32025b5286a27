namespace VideoAffect.Live;

/// <summary>How live sources connect, notice a stall and come back.</summary>
public sealed record LiveSourceOptions
{
    /// <summary>RTSP over TCP (default: works through NAT and loses nothing) or UDP.</summary>
    public string RtspTransport { get; init; } = "tcp";
    /// <summary>No frame for this long and the source is restarted.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>First wait before reconnecting; doubled after each failed attempt up to <see cref="ReconnectMax"/>.</summary>
    public TimeSpan ReconnectMin { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Longest wait between reconnection attempts.</summary>
    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How often a still picture at a URL (a camera's snapshot.jpg) is fetched again.</summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Files start over when they end (soak tests, demos); otherwise a file's stream ends with it.</summary>
    public bool LoopFiles { get; init; }

    /// <summary>Throws a one-line <see cref="VideoAffectException"/> for a setting out of range.</summary>
    public void Validate()
    {
        if (RtspTransport is not ("tcp" or "udp")) throw new VideoAffectException($"--rtsp-transport must be tcp or udp (got '{RtspTransport}')");
        if (StallTimeout < TimeSpan.FromMilliseconds(100)) throw new VideoAffectException("the stall timeout must be at least 0.1 s");
        if (SnapshotInterval < TimeSpan.FromMilliseconds(10)) throw new VideoAffectException("--snapshot-interval must be at least 10 ms");
        if (ReconnectMin <= TimeSpan.Zero || ReconnectMax < ReconnectMin) throw new VideoAffectException("reconnect delays must be positive, the maximum at least the minimum");
    }
}
