namespace VideoAffect;

internal static class CancellationSources
{
    /// <summary>
    /// Cancels, ignoring failures of the callbacks registered on the token. FFMpegCore registers
    /// one that sends 'q' to its ffmpeg, and it throws (a broken pipe) when that ffmpeg has already
    /// exited, as it has when a full disk or a killed process is why the run is being stopped. The
    /// cancellation has happened all the same; the failure that caused it is the one to report.
    /// </summary>
    public static void CancelQuietly(this CancellationTokenSource source)
    {
        try { source.Cancel(); }
        catch (AggregateException) { }
    }
}

/// <summary>
/// A token for FFMpegCore's <c>CancellableThrough</c>, cancelled quietly when the given token
/// is. FFMpegCore's callback writes 'q' to ffmpeg's stdin and throws (a broken pipe) when that
/// ffmpeg has just exited; on the caller's own token the throw went to whoever cancelled it, and
/// when that was a timer (monitor --duration's CancelAfter) it was unhandled and crashed the process
/// at the run's end, records unflushed (seen once in a clean clone's SnapshotCameraTests).
/// </summary>
internal sealed class QuietCancellation : IDisposable
{
    readonly CancellationTokenSource _source = new();
    readonly CancellationTokenRegistration _relay;

    public QuietCancellation(CancellationToken token) => _relay = token.Register(() => _source.CancelQuietly());

    /// <summary>The token to give FFMpegCore.</summary>
    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        _relay.Dispose(); // waits for a relay that is running, so the source is not disposed under it
        _source.Dispose();
    }
}
