using System.Text.RegularExpressions;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Media;

/// <summary>
/// FFMpegCore's cancellation callback throws (a broken pipe) when its ffmpeg has just exited; on a
/// token cancelled by a timer (monitor --duration) that throw crashed the process at the run's end.
/// </summary>
public class QuietCancellationTests
{
    [Fact]
    public void A_throwing_callback_on_the_relayed_token_does_not_reach_whoever_cancels()
    {
        using var run = new CancellationTokenSource();
        using var quiet = new QuietCancellation(run.Token);
        quiet.Token.Register(() => throw new IOException("Broken pipe")); // as FFMpegCore's 'q' to an ffmpeg that has gone
        run.Cancel(); // on the token itself, this threw AggregateException (IOException)
        Assert.True(quiet.Token.IsCancellationRequested);

        // A token already cancelled is relayed at once.
        using var stopped = new CancellationTokenSource();
        stopped.Cancel();
        using var late = new QuietCancellation(stopped.Token);
        Assert.True(late.Token.IsCancellationRequested);
    }

    /// <summary>Every FFMpegCore run in the library is cancelled through such a token, never the caller's own (a grace period may follow it).</summary>
    [Fact]
    public void Every_ffmpeg_run_is_cancelled_through_a_quiet_token()
    {
        var calls = Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"\.CancellableThrough\(([^,)]*)[,)]").Select(m => (File: Path.GetFileName(f), Argument: m.Groups[1].Value)))
            .ToList();
        Assert.True(calls.Count >= 2, $"{calls.Count} CancellableThrough calls found; the scan no longer sees them");
        Assert.All(calls, c => Assert.True(c.Argument == "ffmpegStop.Token", $"{c.File}: CancellableThrough({c.Argument}) takes a token other than a QuietCancellation's"));
    }
}
