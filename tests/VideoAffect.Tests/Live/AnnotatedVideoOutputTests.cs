using System.Threading.Channels;
using VideoAffect.Live;
using VideoAffect.Media;

namespace VideoAffect.Tests.Live;

/// <summary>
/// The queue before a recording's or a restream's encoder: a new encoder's start (ffmpeg starting,
/// a push connecting after its first frame) while a connection's first frames come together loses
/// nothing; once it has caught up, an encoder 16 frames behind has frames left out, each counted;
/// an output with a close limit (the restream) whose encoder is stuck is stopped at it.
/// </summary>
public sealed class AnnotatedVideoOutputTests
{
    /// <summary>Takes a frame, then waits as a push connecting to its server does, then takes every frame as it comes, unless held.</summary>
    sealed class SlowStartOutput(Action skipped) : AnnotatedVideoOutput("cam", "the test output", log: null, skipped)
    {
        public readonly ManualResetEventSlim Running = new(true);
        public int Taken;

        protected override string FailedWhat => "test output";

        protected override async Task EncodeAsync(ChannelReader<VideoFrame> input, int width, int height, AudioFeed? sound, CancellationToken stop)
        {
            bool first = true;
            await foreach (var frame in input.ReadAllAsync())
            {
                frame.Dispose();
                Interlocked.Increment(ref Taken);
                if (first) await Task.Delay(700);
                first = false;
                while (!Running.IsSet) await Task.Delay(10);
            }
        }
    }

    [Fact]
    public async Task A_start_loses_no_frame_and_an_encoder_behind_after_it_has_frames_left_out_and_counted()
    {
        int skipped = 0;
        var output = new SlowStartOutput(() => Interlocked.Increment(ref skipped));
        var pool = new FrameBufferPool(32 * 24 * 3);
        long index = 0;
        async Task Feed(int frames)
        {
            for (int i = 0; i < frames; i++, index++) await output.WriteAsync(new VideoFrame(index, index / 30.0, 32, 24, pool));
        }

        // A connection's first 40 frames at once, while the encoder takes one and then stalls 0.7 s.
        await Feed(40);
        Assert.Equal(0, skipped);
        for (int i = 0; i < 300 && Volatile.Read(ref output.Taken) < 40; i++) await Task.Delay(10);
        Assert.Equal(40, Volatile.Read(ref output.Taken));

        // Caught up (a second after its first frame, its backlog worked off), the encoder is held:
        // 16 frames wait, the next 4 are left out and counted.
        await Task.Delay(1100);
        output.Running.Reset();
        await Feed(1);
        for (int i = 0; i < 300 && Volatile.Read(ref output.Taken) < 41; i++) await Task.Delay(10);
        await Feed(20);
        Assert.Equal(4, skipped);

        // Closing lets the encoder finish what waits: nothing more is lost.
        output.Running.Set();
        await output.DisposeAsync();
        Assert.Equal(57, Volatile.Read(ref output.Taken));
        Assert.Equal(4, skipped);
    }

    /// <summary>Takes one frame, then hangs as ffmpeg writing to a server that reads nothing does, until stopped.</summary>
    sealed class StuckOutput(Action skipped, Action<string> log) : AnnotatedVideoOutput("cam", "the test push", log, skipped)
    {
        public int Taken;
        public bool Stopped;

        protected override string FailedWhat => "push to test";

        protected override TimeSpan? CloseLimit => TimeSpan.FromMilliseconds(300);

        protected override async Task EncodeAsync(ChannelReader<VideoFrame> input, int width, int height, AudioFeed? sound, CancellationToken stop)
        {
            var frame = await input.ReadAsync();
            frame.Dispose();
            Interlocked.Increment(ref Taken);
            try { await Task.Delay(Timeout.Infinite, stop); }
            finally { Stopped = stop.IsCancellationRequested; }
        }
    }

    [Fact]
    public async Task A_stuck_encoder_is_stopped_at_its_close_limit_and_what_it_did_not_take_is_counted()
    {
        int skipped = 0;
        var lines = new List<string>();
        var output = new StuckOutput(() => Interlocked.Increment(ref skipped), line => { lock (lines) lines.Add(line); });
        var pool = new FrameBufferPool(32 * 24 * 3);
        for (int i = 0; i < 6; i++) await output.WriteAsync(new VideoFrame(i, i / 30.0, 32, 24, pool));
        for (int i = 0; i < 300 && Volatile.Read(ref output.Taken) < 1; i++) await Task.Delay(10);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await output.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the close took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"the close gave up after {clock.Elapsed.TotalMilliseconds:0} ms"); // it waited its limit first
        Assert.True(output.Stopped);
        Assert.Equal(5, skipped); // one taken, five left waiting
        Assert.Equal("cam: push to test had not finished 0.3 s after its close; stopped", Assert.Single(lines));
    }
}
