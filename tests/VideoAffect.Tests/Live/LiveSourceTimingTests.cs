using System.Diagnostics;
using System.Threading.Channels;
using VideoAffect.Live;
using VideoAffect.Media;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// A live frame is taken as soon as its packet is in. ffmpeg must hand it over then: its default
/// frame threading holds back one frame per extra thread in the decoder (2 on this 2-core machine,
/// 16 on a 16-core server) and one in the raw output, and every frame after it is that much late.
/// And the frame must be stamped then, whatever the thread pool is doing.
/// </summary>
[Collection(LiveCollection.Name)]
public class LiveSourceTimingTests
{
    [Fact]
    public async Task A_paced_H264_source_is_decoded_without_frames_held_back()
    {
        using var dir = TestPaths.NewTempFolder();
        // 1 fps: a frame held back costs a second, far more than a busy machine's noise.
        const int fps = 1, frames = 6;
        long connected = 0;
        // "connected" is logged just before ffmpeg starts; from there it reads packet N at N / fps (-re).
        var (source, output, metrics) = PacedFile(dir, fps, frames, line => { if (line.Contains("connected")) connected = Stopwatch.GetTimestamp(); });
        using var metricsOwned = metrics;

        // The test host keeps two thread-pool threads blocked in synchronous waits (xunit's runner,
        // the test platform's socket loop; seen with dotnet-stack), which on two cores leaves the
        // source's reads waiting up to a second for a thread: that would be measured, not the decoder.
        ThreadPool.GetMinThreads(out int workers, out int ports);
        ThreadPool.SetMinThreads(Math.Max(workers, 8), ports);
        var arrivals = new List<long>();
        try
        {
            var run = Task.Run(() => source.RunAsync(output.Writer, CancellationToken.None));
            await foreach (var frame in output.Reader.ReadAllAsync())
            {
                arrivals.Add(frame.CapturedTicks);
                frame.Dispose();
            }
            await run;
        }
        finally { ThreadPool.SetMinThreads(workers, ports); }

        Assert.Equal(frames, arrivals.Count);
        // How late each frame is after its packet was read: ffmpeg's start (ffmpeg -version, ffmpeg,
        // the pipe), plus whatever ffmpeg holds back. Measured here: 1.14-1.17 s with slice threads
        // before 0.22 (the raw output's frame threads held one frame), 3.16-3.17 s with frame
        // threading in the decoder too (2 frames more); 0.17-0.18 s with neither.
        var late = arrivals.Select((t, n) => Stopwatch.GetElapsedTime(connected, t).TotalSeconds - (double)n / fps).Order().ToList();
        double median = late[late.Count / 2];
        Assert.True(median < 0.9, $"frames come {median:0.00} s after their packets (a held-back frame adds {1.0 / fps:0.0} s); each: {string.Join(' ', late.Select(l => l.ToString("0.00")))}");
    }

    /// <summary>
    /// A frame's capture time is when its bytes came out of ffmpeg, whatever the thread pool is doing.
    /// Every latency figure (the monitor's p50/p95, the live page, the records' ages) and the
    /// drop-oldest queue's choices start from it; stamped late, latency reads lower than it is.
    /// </summary>
    [Fact]
    public async Task Frames_are_stamped_as_they_come_while_the_thread_pool_is_starved()
    {
        using var dir = TestPaths.NewTempFolder();
        const int fps = 10, frames = 40;
        var (source, output, metrics) = PacedFile(dir, fps, frames);
        using var metricsOwned = metrics;
        var stamps = new List<long>();
        long starvedFrom = 0, starvedUntil = 0;
        var poolFree = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        var run = Task.Run(() => source.RunAsync(output.Writer, CancellationToken.None));
        await foreach (var frame in output.Reader.ReadAllAsync())
        {
            stamps.Add(frame.CapturedTicks);
            frame.Dispose();
            if (stamps.Count == 5)
            {
                // Every pool thread held (a library's synchronous wait, a burst of blocking I/O):
                // work items that wait for the release are queued until one stays unstarted, then a
                // few more for the threads the pool adds meanwhile (one every half second or so); the
                // marker queued behind them says when the pool could run anything again. A test host
                // grows its pool to dozens of threads, so counting them beforehand left idle ones.
                int started = 0, queued = 0;
                void Hold() { queued++; ThreadPool.UnsafeQueueUserWorkItem(_ => { Interlocked.Increment(ref started); release.Wait(); }, null); }
                for (bool full = false; !full && queued < 1000;)
                {
                    Hold();
                    var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 20;
                    while (Volatile.Read(ref started) < queued && Stopwatch.GetTimestamp() < deadline) Thread.Sleep(1);
                    full = Volatile.Read(ref started) < queued;
                }
                for (int i = 0; i < 8; i++) Hold();
                starvedFrom = Stopwatch.GetTimestamp();
                ThreadPool.UnsafeQueueUserWorkItem(_ => { starvedUntil = Stopwatch.GetTimestamp(); poolFree.Set(); }, null);
                // Released after 1.2 s by a thread of its own: longer would pass the stall timeout (5 s) and rightly restart the source.
                new Thread(() => { Thread.Sleep(1200); release.Set(); }) { IsBackground = true }.Start();
            }
        }
        await run;
        release.Set();
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

    /// <summary>A face clip played as a camera at <paramref name="fps"/> (a file is paced as ffmpeg reads it, -re), its frames into an unbounded channel.</summary>
    static (LiveSource Source, Channel<VideoFrame> Output, LiveMetrics Metrics) PacedFile(TempFolder dir, int fps, int frames, Action<string>? log = null)
    {
        var clip = Clips.MovingFace(dir.File("paced.mp4"), frames, fps, 320, 240, audio: false);
        var spec = LiveSourceSpec.Parse($"cam={clip}", 0);
        var metrics = new LiveMetrics();
        return (new LiveSource(spec, new LiveSourceOptions(), new StreamStatus(spec, metrics), 0, log), Channel.CreateUnbounded<VideoFrame>(), metrics);
    }
}
