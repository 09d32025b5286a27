using System.Diagnostics;
using VideoAffect.Live;
using VideoAffect.Media;

namespace VideoAffect.Tests.Live;

/// <summary>
/// The live queue before detection: nothing lost while the stream starts (its first frames are
/// slow), then at most its capacity of arrivals waiting (frames that came together count as one),
/// the oldest dropped and the newest always kept.
/// </summary>
public class LiveQueueTests
{
    static readonly FrameBufferPool Pool = new(640 * 480 * 3);
    static readonly long Origin = Stopwatch.GetTimestamp();

    /// <summary>
    /// A 24 fps camera's frame, read at its pace unless <paramref name="readAt"/> (seconds) says
    /// otherwise, and placed at its reading, as the stream's clock places a burst after a stall
    /// (SourceTimeline): frames that came together are told by their own times in the source.
    /// </summary>
    static VideoFrame Frame(long index, int width = 640, int height = 480, double? readAt = null) =>
        new(index, readAt ?? index / 24.0, width, height, Pool) { SourceTime = index / 24.0, CapturedTicks = Origin + (long)((readAt ?? index / 24.0) * Stopwatch.Frequency) };

    [Fact]
    public void Nothing_is_dropped_while_the_stream_starts_then_the_oldest_beyond_the_capacity_go()
    {
        bool started = false;
        var dropped = new List<long>();
        var queue = new LiveQueue(1, () => started, f => { dropped.Add(f.Index); f.Dispose(); });
        for (int i = 0; i < 10; i++) Assert.True(queue.Writer.TryWrite(Frame(i)));
        Assert.Empty(dropped);
        Assert.Equal(10, queue.Count);

        // The first frame came out, but the frames queued meanwhile are still owed: kept.
        started = true;
        Assert.True(queue.Writer.TryWrite(Frame(10)));
        Assert.Empty(dropped);
        // Caught up: from now on at most one frame waits, the newest.
        while (queue.Reader.TryRead(out var f)) f.Dispose();
        for (int i = 11; i < 15; i++) Assert.True(queue.Writer.TryWrite(Frame(i)));
        Assert.Equal([11, 12, 13], dropped);
        Assert.True(queue.Reader.TryRead(out var newest));
        Assert.Equal(14, newest.Index);
        newest.Dispose();
    }

    [Fact]
    public void Frames_that_came_together_wait_as_one_arrival_until_the_next_arrival_comes()
    {
        var dropped = new List<long>();
        var queue = new LiveQueue(1, () => true, f => { dropped.Add(f.Index); f.Dispose(); });
        queue.Writer.TryWrite(Frame(0));
        Take(queue, 0);
        // Frames 1-3 (a source that sends its frames in bunches, 1/24 s apart by its own times)
        // read within 2 ms of each other, after 3 frame periods: detection took the first at once,
        // and the other two wait behind it as one arrival.
        for (int i = 1; i <= 3; i++) queue.Writer.TryWrite(Frame(i, readAt: 3 / 24.0 + 0.001 * i));
        Assert.Empty(dropped);
        Take(queue, 1);
        Assert.Equal(2, queue.Count);
        // The next arrival (read at its pace) came before they were taken: they go, it waits alone.
        queue.Writer.TryWrite(Frame(4, readAt: 4 / 24.0 + 0.004));
        Assert.Equal([2, 3], dropped);
        Take(queue, 4);

        // Read a quarter of their period apart or more, frames are arrivals of their own.
        queue.Writer.TryWrite(Frame(5, readAt: 5 / 24.0));
        queue.Writer.TryWrite(Frame(6, readAt: 5 / 24.0 + 1 / 96.0 + 0.0005));
        Assert.Equal([2, 3, 5], dropped);
        Take(queue, 6);
    }

    [Fact]
    public void A_capacity_of_two_keeps_the_last_two_arrivals_whole()
    {
        var dropped = new List<long>();
        var queue = new LiveQueue(2, () => true, f => { dropped.Add(f.Index); f.Dispose(); });
        // Three bunches of two (10 fps by the source's times, read 0.5 ms apart within a bunch), none taken.
        for (int i = 0; i < 6; i++)
            queue.Writer.TryWrite(new VideoFrame(i, i / 10.0, 64, 48, Pool) { SourceTime = i / 10.0, CapturedTicks = Origin + (long)((i / 2 * 0.2 + i % 2 * 0.0005) * Stopwatch.Frequency) });
        Assert.Equal([0, 1], dropped);
        Assert.Equal(4, queue.Count);
        Take(queue, 2);
    }

    static void Take(LiveQueue queue, long expected)
    {
        Assert.True(queue.Reader.TryRead(out var frame));
        Assert.Equal(expected, frame.Index);
        frame.Dispose();
    }

    [Fact]
    public void A_stream_that_never_catches_up_goes_live_after_the_catch_up_time()
    {
        bool started = false;
        int dropped = 0;
        var queue = new LiveQueue(1, () => started, f => { dropped++; f.Dispose(); });
        for (int i = 0; i < 10; i++) queue.Writer.TryWrite(Frame(i));
        started = true;
        queue.Writer.TryWrite(Frame(10));
        Assert.Equal(0, dropped); // the backlog may still be worked off...
        Thread.Sleep(LiveQueue.CatchUpTime + TimeSpan.FromMilliseconds(100));
        queue.Writer.TryWrite(Frame(11));
        // ...but not for good: the oldest go, the newest stays.
        Assert.Equal(11, dropped);
        Assert.True(queue.Reader.TryRead(out var newest));
        Assert.Equal(11, newest.Index);
        newest.Dispose();
    }

    [Fact]
    public void A_reconnections_first_frames_get_the_start_up_allowance_for_the_catch_up_time()
    {
        var dropped = new List<long>();
        var queue = new LiveQueue(1, () => true, f => { dropped.Add(f.Index); f.Dispose(); });
        for (int i = 0; i < 3; i++) queue.Writer.TryWrite(Frame(i));
        Assert.Equal([0, 1], dropped); // live: the newest waits alone
        while (queue.Reader.TryRead(out var f)) f.Dispose();
        // A new connection: its first frames come together, and are kept...
        var first = Frame(3);
        first.FirstOfConnection = true;
        queue.Writer.TryWrite(first);
        for (int i = 4; i < 12; i++) queue.Writer.TryWrite(Frame(i));
        Assert.Equal([0, 1], dropped);
        Assert.Equal(9, queue.Count);
        // ...for the catch-up time: then the oldest go again.
        Thread.Sleep(LiveQueue.CatchUpTime + TimeSpan.FromMilliseconds(100));
        queue.Writer.TryWrite(Frame(12));
        Assert.Equal(1, queue.Count);
        Assert.Equal(Enumerable.Range(3, 9).Select(i => (long)i).Prepend(1).Prepend(0), dropped);
        while (queue.Reader.TryRead(out var f)) f.Dispose();
    }

    [Fact]
    public void The_start_up_allowance_is_bounded_in_frames_and_in_bytes()
    {
        int dropped = 0;
        var queue = new LiveQueue(2, () => false, f => { dropped++; f.Dispose(); });
        for (int i = 0; i < LiveQueue.StartupFrames + 5; i++) queue.Writer.TryWrite(Frame(i));
        Assert.Equal(LiveQueue.StartupFrames, queue.Count);
        Assert.Equal(5, dropped);

        // 8K frames: the allowance is what fits in StartupBytes.
        var big = new FrameBufferPool(7680 * 4320 * 3);
        var eightK = new LiveQueue(1, () => false, f => f.Dispose());
        for (int i = 0; i < 20; i++) eightK.Writer.TryWrite(new VideoFrame(i, 0, 7680, 4320, big));
        Assert.Equal((int)(LiveQueue.StartupBytes / (7680 * 4320 * 3)), eightK.Count);
    }

    [Fact]
    public void A_completed_queue_refuses_frames()
    {
        var queue = new LiveQueue(1, () => true, f => f.Dispose());
        queue.Writer.TryComplete();
        using var frame = Frame(0);
        Assert.False(queue.Writer.TryWrite(frame));
    }
}
