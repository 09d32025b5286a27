namespace VideoAffect.Sinks;

/// <summary>
/// What a sink did, counted where it happens (the pipeline's thread offering, the sink's own
/// thread sending) and read by the summary and /metrics.
/// </summary>
public sealed class SinkCounters
{
    long _sent, _dropped, _errors, _reconnects;

    /// <summary>Messages the broker accepted.</summary>
    public long Sent => Interlocked.Read(ref _sent);
    /// <summary>Messages given up: the outbox was full, a send failed, or the run ended before they went.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);
    /// <summary>Failures: sends, connection attempts, and records the sink could not turn into messages.</summary>
    public long Errors => Interlocked.Read(ref _errors);
    /// <summary>Connections made after the first.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);
    /// <summary>The last error's message.</summary>
    public string? LastError { get; private set; }

    /// <summary>Counts messages the broker accepted.</summary>
    public void AddSent(long n) => Interlocked.Add(ref _sent, n);
    /// <summary>Counts messages given up on.</summary>
    public void AddDropped(long n) => Interlocked.Add(ref _dropped, n);
    /// <summary>Counts a reconnection.</summary>
    public void AddReconnect() => Interlocked.Increment(ref _reconnects);

    /// <summary>Counts an error and keeps its message.</summary>
    public void AddError(string message)
    {
        Interlocked.Increment(ref _errors);
        LastError = message;
    }

    internal SinkSummary Summarize(string name) => new(name, Sent, Dropped, Errors, Reconnects, LastError);
}

/// <summary>One sink's totals in a run summary.</summary>
public sealed record SinkSummary(string Name, long Sent, long Dropped, long Errors, long Reconnects, string? LastError);
