using VideoAffect.Live;
using VideoAffect.Media;

namespace VideoAffect.Tests.Live;

/// <summary>
/// The live queue before detection: nothing lost while the stream starts (its first frames are
/// slow), then at most its capacity waiting, the oldest dropped and the newest always kept.
/// </summary>
public class LiveQueueTests
{
    static readonly FrameBufferPool Pool = new(640 * 480 * 3);
    static VideoFrame Frame(long index, int width = 640, int height = 480) => new(index, index / 24.0, width, height, Pool);

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
