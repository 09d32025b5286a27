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
