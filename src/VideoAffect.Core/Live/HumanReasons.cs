namespace VideoAffect.Live;

/// <summary>
/// A source's raw error (an ffmpeg line such as "[tcp @ 0x55e4…] Connection to tcp://…:8554 failed:
/// Connection refused") as the few words an operator needs; the raw line stays available beside it.
/// </summary>
internal static class HumanReasons
{
    static readonly (string Needle, string Reason)[] Known =
    [
        ("Connection refused", "connection refused: nothing listens there"),
        ("Address already in use", "the port is taken by another program"),
        ("timed out", "no answer: the camera or the network is down"),
        ("Timeout", "no answer: the camera or the network is down"),
        ("No route to host", "no route to the camera's host"),
        ("Name or service not known", "unknown host name"),
        ("Temporary failure in name resolution", "unknown host name"),
        ("401", "the camera refused the credentials"),
        ("Unauthorized", "the camera refused the credentials"),
        ("403", "the camera refused access"),
        ("404", "no such stream on the camera"),
        ("Not Found", "no such stream on the camera"),
        ("no frame for", "the stream stalled"),
        ("Invalid data found", "not a video stream"),
        ("does not exist", "no such file or device"),
        ("No such file", "no such file or device"),
        ("Permission denied", "permission denied"),
        ("ended", "the stream ended"),
    ];

    public static string? Of(string? raw)
    {
        if (raw is null) return null;
        foreach (var (needle, reason) in Known)
            if (raw.Contains(needle, StringComparison.OrdinalIgnoreCase)) return reason;
        string line = raw.Split('\n')[0].Trim();
        // ffmpeg's "[tcp @ 0x55e4…] " prefix means nothing to an operator.
        if (line.StartsWith('[') && line.IndexOf("] ", StringComparison.Ordinal) is > 0 and var end) line = line[(end + 2)..];
        return line.Length > 80 ? line[..80] + "…" : line;
    }
}
