using System.Threading.Channels;
using VideoAffect.Media;

namespace VideoAffect.Live;

/// <summary>
/// A stream's queue before detection. Live, a frame never waits behind more than
/// <c>capacity</c> others: when detection falls behind, the oldest waiting frame is dropped, so
/// latency stays bounded. Until the stream's first frame has been through the whole pipeline and
/// the frames that queued meanwhile have been taken (or <see cref="CatchUpTime"/> after that first
/// frame, whichever comes first), though, nothing is dropped (up to <see cref="StartupFrames"/> frames and
/// <see cref="StartupBytes"/>): the first frames run code for the first time and take a few
/// hundred milliseconds, and dropping them (3-4 frames of a 24 fps camera, seen on every start)
/// would lose records without making the start any faster. A reconnection gets the same allowance
/// for <see cref="CatchUpTime"/> from its first frame: a new connection's first frames come
/// together (ffmpeg reads ahead to find the stream; a pushed stream's first 0.4 s is decoded at
/// once after the probe), and were dropped all but the newest though the pipeline was warm.
/// </summary>
internal sealed class LiveQueue
{
    public const int StartupFrames = 48;
    public const long StartupBytes = 256L << 20;
    /// <summary>How long after the first frame came out the start-up backlog may still be worked off.</summary>
    public static readonly TimeSpan CatchUpTime = TimeSpan.FromSeconds(1);

    readonly Channel<VideoFrame> _channel = Channel.CreateUnbounded<VideoFrame>(new UnboundedChannelOptions { SingleWriter = true });
    readonly int _capacity;
    readonly Func<bool> _started;
    readonly Action<VideoFrame> _dropped;
    bool _live;
    long _startedTicks, _reconnectedTicks;

    /// <param name="capacity">frames that may wait once the stream has started</param>
    /// <param name="started">whether the stream's first frame has come out of the pipeline</param>
    /// <param name="dropped">takes each dropped frame (to count and release it)</param>
    public LiveQueue(int capacity, Func<bool> started, Action<VideoFrame> dropped)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity));
        (_capacity, _started, _dropped) = (capacity, started, dropped);
        Writer = new DroppingWriter(this);
    }

    public ChannelReader<VideoFrame> Reader => _channel.Reader;
    public ChannelWriter<VideoFrame> Writer { get; }
    public int Count => _channel.Reader.Count;

    bool Write(VideoFrame frame)
    {
        if (!_channel.Writer.TryWrite(frame)) return false;
        // Live from the first time the queue is back within its capacity after the first frame came
        // out, or a catch-up time after that at the latest: a stream that never catches up (detection
        // slower than the camera) must not keep its start-up backlog, and its latency, for good.
        if (!_live && _started())
        {
            _startedTicks = _startedTicks == 0 ? System.Diagnostics.Stopwatch.GetTimestamp() : _startedTicks;
            _live = _channel.Reader.Count <= _capacity || System.Diagnostics.Stopwatch.GetElapsedTime(_startedTicks) >= CatchUpTime;
        }
        if (frame.FirstOfConnection && _live) _reconnectedTicks = System.Diagnostics.Stopwatch.GetTimestamp();
        bool reconnecting = _reconnectedTicks != 0 && System.Diagnostics.Stopwatch.GetElapsedTime(_reconnectedTicks) < CatchUpTime;
        int limit = _live && !reconnecting ? _capacity : (int)Math.Max(_capacity, Math.Min(StartupFrames, StartupBytes / Math.Max(1, frame.ByteCount)));
        // The reader may take frames meanwhile; whatever is still over the limit goes, oldest first.
        while (_channel.Reader.Count > limit && _channel.Reader.TryRead(out var oldest)) _dropped(oldest);
        return true;
    }

    /// <summary>Accepts every frame at once (a live source never waits), trimming the queue behind it.</summary>
    sealed class DroppingWriter(LiveQueue queue) : ChannelWriter<VideoFrame>
    {
        public override bool TryWrite(VideoFrame item) => queue.Write(item);
        public override ValueTask<bool> WaitToWriteAsync(CancellationToken token = default) => queue._channel.Writer.WaitToWriteAsync(token);
        public override bool TryComplete(Exception? error = null) => queue._channel.Writer.TryComplete(error);
    }
}
