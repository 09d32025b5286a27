using System.Diagnostics;
using System.Threading.Channels;
using VideoAffect.Live;
using VideoAffect.Media;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// A live frame's capture time is when its bytes came out of ffmpeg, whatever the thread pool is
/// doing. Every latency figure (the monitor's p50/p95, the live page, the records' ages) and the
/// drop-oldest queue's choices start from it; stamped late, latency reads lower than it is.
/// </summary>
[Collection(LiveCollection.Name)]
public class LiveCaptureTimeTests
{
    [Fact]
    public async Task Frames_are_stamped_as_they_come_while_the_thread_pool_is_starved()
    {
        using var dir = TestPaths.NewTempFolder();
        const int fps = 10, frames = 40;
        var clip = Clips.MovingFace(dir.File("paced.mp4"), frames, fps, 320, 240, audio: false);
        var spec = LiveSourceSpec.Parse($"cam={clip}", 0);
        using var metrics = new LiveMetrics();
        var status = new StreamStatus(spec, metrics);
        var output = Channel.CreateUnbounded<VideoFrame>();
        var source = new LiveSource(spec, new LiveSourceOptions(), status, 0);
        var run = Task.Run(() => source.RunAsync(output.Writer, CancellationToken.None));

        var stamps = new List<long>();
        long starvedFrom = 0, starvedUntil = 0;
        var poolFree = new ManualResetEventSlim();
        await foreach (var frame in output.Reader.ReadAllAsync())
        {
            stamps.Add(frame.CapturedTicks);
            frame.Dispose();
            if (stamps.Count == 5)
            {
                // Every pool thread blocked for 1.2 s (a library's synchronous wait, a burst of
                // blocking I/O), and a few more items for the threads the pool adds meanwhile; the
                // marker queued behind them says when the pool could run anything again. Not more:
                // a starvation past the stall timeout (5 s) would rightly restart the source.
                starvedFrom = Stopwatch.GetTimestamp();
                for (int i = 0; i < ThreadPool.ThreadCount + 4; i++)
                    ThreadPool.UnsafeQueueUserWorkItem(_ => Thread.Sleep(1200), null);
                ThreadPool.UnsafeQueueUserWorkItem(_ => { starvedUntil = Stopwatch.GetTimestamp(); poolFree.Set(); }, null);
            }
        }
        await run;
        poolFree.Wait(TimeSpan.FromSeconds(30));

        Assert.Equal(frames, stamps.Count);
        double starved = Stopwatch.GetElapsedTime(starvedFrom, starvedUntil).TotalSeconds;
        // The test proves nothing unless the pool really was unable to run a continuation.
        Assert.True(starved >= 1.0, $"the pool was starved for only {starved:0.00} s");
        // Gaps between consecutive stamps while it was: ffmpeg sends a frame every 0.1 s. Read by an
        // await, the frames of the starved second were stamped together when the pool came back
        // (a gap of a second or more, then frames 0 ms apart).
        var gaps = stamps.Zip(stamps.Skip(1), (a, b) => (At: b, Gap: Stopwatch.GetElapsedTime(a, b).TotalSeconds))
            .Where(g => g.At > starvedFrom && g.At <= starvedUntil + Stopwatch.Frequency / 10).Select(g => g.Gap).ToList();
        Assert.True(gaps.Count >= 8, $"only {gaps.Count} frames came while the pool was starved for {starved:0.00} s");
        Assert.True(gaps.Max() < 0.35, $"while the pool was starved, frames were stamped up to {gaps.Max():0.00} s apart (sent every {1.0 / fps:0.0} s): {string.Join(' ', gaps.Select(g => g.ToString("0.00")))}");
    }
}
