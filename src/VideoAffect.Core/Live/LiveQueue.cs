using System.Diagnostics;
using System.Threading.Channels;
using VideoAffect.Media;

namespace VideoAffect.Live;

/// <summary>
/// A stream's queue before detection. Live, a frame never waits behind more than
/// <c>capacity</c> arrivals: when detection falls behind, the oldest waiting frame is dropped, so
/// latency stays bounded. An arrival is a frame, or the frames that came together though the
/// source's own times (<see cref="VideoFrame.SourceTime"/>) put them a frame period apart or more
/// (<see cref="CameTogether"/>): an HLS
/// recording in MPEG-TS gives its frames three or four at a time, a B-frame camera's decoder in
/// pairs. That wait is the source's, not ours, and a one-frame queue kept only the newest of
/// each bunch (4 to 7 of 80 frames lost at 10 fps); a bunch is now worked off whole unless the
/// next arrival comes first. Until the stream's first frame has been through the whole pipeline and
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
    /// <summary>The arrival each waiting frame belongs to, in the channel's order; kept with it under <see cref="_gate"/>.</summary>
    readonly Queue<long> _arrivals = new();
    /// <summary>Taken by the writer and the reader, so that a frame is dropped for the arrival it was judged by, never one the reader took meanwhile.</summary>
    readonly Lock _gate = new();
    readonly int _capacity;
    readonly Func<bool> _started;
    readonly Action<VideoFrame> _dropped;
    bool _live;
    long _startedTicks, _reconnectedTicks;
    long _arrival, _lastTicks;
    double _lastSourceTime;

    /// <param name="capacity">arrivals that may wait once the stream has started</param>
    /// <param name="started">whether the stream's first frame has come out of the pipeline</param>
    /// <param name="dropped">takes each dropped frame (to count and release it)</param>
    public LiveQueue(int capacity, Func<bool> started, Action<VideoFrame> dropped)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity));
        (_capacity, _started, _dropped) = (capacity, started, dropped);
        Writer = new DroppingWriter(this);
        Reader = new GuardedReader(this);
    }

    public ChannelReader<VideoFrame> Reader { get; }
    public ChannelWriter<VideoFrame> Writer { get; }
    public int Count => _channel.Reader.Count;

    /// <summary>
    /// Whether a frame read <paramref name="readSeconds"/> after the one before it, whose own time
    /// is <paramref name="sourceSeconds"/> after that one's, came with it: read in under a quarter
    /// of the time the source put between them. A camera at its pace (frames read as far apart as
    /// their times, give or take its jitter) never is; frames that waited for each other are.
    /// </summary>
    public static bool CameTogether(double readSeconds, double sourceSeconds) => sourceSeconds > 0 && readSeconds * 4 < sourceSeconds;

    bool Write(VideoFrame frame)
    {
        // Allocated only when a frame goes: this runs for every frame of every stream.
        List<VideoFrame>? dropped = null;
        lock (_gate)
        {
            if (!_channel.Writer.TryWrite(frame)) return false;
            // Live from the first time the queue is back within its capacity after the first frame came
            // out, or a catch-up time after that at the latest: a stream that never catches up (detection
            // slower than the camera) must not keep its start-up backlog, and its latency, for good.
            if (!_live && _started())
            {
                _startedTicks = _startedTicks == 0 ? Stopwatch.GetTimestamp() : _startedTicks;
                _live = _channel.Reader.Count <= _capacity || Stopwatch.GetElapsedTime(_startedTicks) >= CatchUpTime;
            }
            if (frame.FirstOfConnection && _live) _reconnectedTicks = Stopwatch.GetTimestamp();
            bool reconnecting = _reconnectedTicks != 0 && Stopwatch.GetElapsedTime(_reconnectedTicks) < CatchUpTime;
            bool together = !frame.FirstOfConnection && frame.CapturedTicks != 0 && _lastTicks != 0
                && CameTogether(Stopwatch.GetElapsedTime(_lastTicks, frame.CapturedTicks).TotalSeconds, frame.SourceTime - _lastSourceTime);
            if (!together) _arrival++;
            (_lastTicks, _lastSourceTime) = (frame.CapturedTicks, frame.SourceTime);
            _arrivals.Enqueue(_arrival);
            // However they came, no more frames wait than the start-up allowance holds.
            int most = (int)Math.Max(_capacity, Math.Min(StartupFrames, StartupBytes / Math.Max(1, frame.ByteCount)));
            bool trimArrivals = _live && !reconnecting;
            // Whatever is over the limit goes, oldest first.
            while (_arrivals.TryPeek(out long oldest) && (_arrivals.Count > most || (trimArrivals && oldest <= _arrival - _capacity))
                && _channel.Reader.TryRead(out var old))
            {
                _arrivals.Dequeue();
                (dropped ??= []).Add(old);
            }
        }
        if (dropped is not null) foreach (var old in dropped) _dropped(old);
        return true;
    }

    bool TryRead(out VideoFrame frame)
    {
        lock (_gate)
        {
            if (!_channel.Reader.TryRead(out frame!)) return false;
            _arrivals.Dequeue();
            return true;
        }
    }

    /// <summary>Accepts every frame at once (a live source never waits), trimming the queue behind it.</summary>
    sealed class DroppingWriter(LiveQueue queue) : ChannelWriter<VideoFrame>
    {
        public override bool TryWrite(VideoFrame item) => queue.Write(item);
        public override ValueTask<bool> WaitToWriteAsync(CancellationToken token = default) => queue._channel.Writer.WaitToWriteAsync(token);
        public override bool TryComplete(Exception? error = null) => queue._channel.Writer.TryComplete(error);
    }

    /// <summary>The channel's reader, taking each frame under the queue's lock (see <see cref="_gate"/>).</summary>
    sealed class GuardedReader(LiveQueue queue) : ChannelReader<VideoFrame>
    {
        public override bool TryRead(out VideoFrame item) => queue.TryRead(out item);
        public override ValueTask<bool> WaitToReadAsync(CancellationToken token = default) => queue._channel.Reader.WaitToReadAsync(token);
        public override Task Completion => queue._channel.Reader.Completion;
        public override bool CanCount => true;
        public override int Count => queue._channel.Reader.Count;
    }
}
