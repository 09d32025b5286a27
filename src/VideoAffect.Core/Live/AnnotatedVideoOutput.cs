using System.Diagnostics;
using System.Threading.Channels;
using VideoAffect.Media;

namespace VideoAffect.Live;

/// <summary>
/// A stream's annotated frames going to one ffmpeg encoder that must never hold the stream back:
/// the recording in segments (<see cref="SegmentRecorder"/>) and the push to a media server
/// (<see cref="RestreamPush"/>). Frames wait in a short queue; when the encoder falls behind by
/// that queue, frames are left out and counted (<paramref name="skipped"/>). An encoder that fails
/// (a full disk, a server gone) is said and closed, and the next try starts 5 s later with a new
/// encoder, the frames meanwhile left out and counted. A new frame size (after a reconnect) closes
/// the encoder and starts the next, and so does sound that comes to an encoder started without
/// (a later connection that brings some: a pushed stream's next sender with a microphone, a
/// camera whose sound was switched on), which would otherwise record pictures alone until the next
/// new size. Sound that goes away does not: the encoder that has it writes silence meanwhile.
/// Closing finishes what the encoder holds.
/// </summary>
/// <param name="what">what the output is, in the logs: "the recording", "the restream"</param>
/// <param name="audio">the stream's sound, carried beside the frames by each encoder started while the stream brings some (<see cref="AudioFeed"/>); null: none</param>
internal abstract class AnnotatedVideoOutput(string streamName, string what, Action<string>? log, Action? skipped, StreamAudio? audio = null) : IAsyncDisposable
{
    bool _skipLogged;
    Channel<VideoFrame>? _frames;
    Task? _encoder;
    (int Width, int Height) _size;
    /// <summary>Whether the current encoder carries the stream's sound.</summary>
    bool _withSound;
    long _retryAt;

    /// <summary>Frames an encoder may be behind before frames are left out: half a second at 30 fps.</summary>
    const int QueueFrames = 16;

    /// <summary>
    /// While a new encoder starts, more may wait: its ffmpeg takes some 0.2 s to start, and a push
    /// to an RTMP server held it another 0.35 s after its first frame (measured here), while a
    /// connection's first frames come together (4 to 19 frames of each restream's start were left
    /// out so). Capped as the live queue's start is (<see cref="LiveQueue"/>).
    /// </summary>
    static int StartFrames(int frameBytes) =>
        Math.Clamp((int)(LiveQueue.StartupBytes / Math.Max(1, frameBytes)), QueueFrames, LiveQueue.StartupFrames);

    // The current encoder's start: when it started, frames given to it, and whether it has caught up.
    long _started;
    long _written;
    bool _caughtUp;

    /// <summary>A live stream's rate is not known ahead: the last frame an encoder gets lasts this long.</summary>
    protected const double NominalFrameSeconds = 1 / 25.0;

    /// <summary>How long after a failed encoder the next is tried (a full disk may have been cleared, a server restarted).</summary>
    protected static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    protected string StreamName => streamName;

    /// <summary>
    /// Each frame's time in the encoder's output: its capture, from the first frame's, so gaps show
    /// as they were; frames that came together (a connection's first, captured microseconds apart)
    /// are set 1 ms apart, the coarsest step of the containers written (FLV counts milliseconds),
    /// where two frames at one time are invalid (an MPEG-TS push lost 4 of 92 frames to it).
    /// </summary>
    protected static Func<VideoFrame, double> CaptureTimes()
    {
        double origin = double.NaN, last = double.NegativeInfinity;
        return frame =>
        {
            if (double.IsNaN(origin)) origin = frame.Timestamp;
            return last = Math.Max(frame.Timestamp - origin, last + 0.001);
        };
    }

    /// <summary>
    /// The encoder's time base, fine enough for capture times: left to ffmpeg it was the input's
    /// nominal 1/25 s, and a 30 fps camera's recording had its frames at multiples of 40 ms, two of
    /// every six at the same time.
    /// </summary>
    protected const string CaptureTimeBase = "-enc_time_base 1/90000";

    /// <summary>
    /// Encodes the frames of one size until the channel completes; a <see cref="VideoAffectException"/>
    /// says why it failed. <paramref name="stop"/> is cancelled when closing gives up waiting
    /// (<see cref="CloseLimit"/>): the encoder is then to be stopped at once.
    /// </summary>
    /// <param name="sound">the stream's sound to carry beside the frames (<see cref="AudioFeed.CarryAsync"/>); null: the stream brings none, or none is wanted</param>
    protected abstract Task EncodeAsync(ChannelReader<VideoFrame> input, int width, int height, AudioFeed? sound, CancellationToken stop);

    /// <summary>An encoder with the sound it carries, which is let go when the encoder ends.</summary>
    async Task EncodeWithSoundAsync(ChannelReader<VideoFrame> input, int width, int height, AudioFeed? sound, CancellationToken stop)
    {
        await using (sound) await EncodeAsync(input, width, height, sound, stop);
    }

    /// <summary>
    /// How long closing waits for the encoder to finish what it holds before stopping it; null: as
    /// long as it takes (ffmpeg's own timeouts end a stuck one).
    /// </summary>
    protected virtual TimeSpan? CloseLimit => null;

    CancellationTokenSource? _stop;

    /// <summary>Called for every frame offered, written or not (the recording's retention runs here).</summary>
    protected virtual void BeforeFrame() { }

    /// <summary>Takes the frame (and disposes it once written, or at once when it is left out).</summary>
    public async Task WriteAsync(VideoFrame frame)
    {
        BeforeFrame();
        if (_encoder is { IsCompleted: true } && _frames is not null)
        {
            await CloseAsync();
            _retryAt = Stopwatch.GetTimestamp() + (long)(RetryAfter.TotalSeconds * Stopwatch.Frequency);
        }
        if (_frames is null && Stopwatch.GetTimestamp() < _retryAt)
        {
            frame.Dispose();
            skipped?.Invoke();
            return;
        }
        if (_frames is null || _size != (frame.Width, frame.Height) || (!_withSound && audio is { Present: true }))
        {
            await CloseAsync();
            _size = (frame.Width, frame.Height);
            _frames = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(StartFrames(frame.ByteCount)) { SingleReader = true, SingleWriter = true });
            _written = 0;
            _caughtUp = false;
            _started = Stopwatch.GetTimestamp();
            _stop = new CancellationTokenSource();
            // The sound's time 0 is this first frame's capture, as the frames' is (CaptureTimes).
            var sound = audio is { Present: true } ? new AudioFeed(audio, frame.Timestamp) : null;
            _withSound = sound is not null;
            _encoder = EncodeWithSoundAsync(_frames.Reader, frame.Width, frame.Height, sound, _stop.Token);
        }
        // The start's allowance lasts for a second from the encoder's start (ffmpeg takes a frame or
        // two, then opens its output: a push connects, publishes and may wait for the server), and
        // then until it has taken a frame and the backlog is worked off.
        _caughtUp |= Stopwatch.GetElapsedTime(_started) >= LiveQueue.CatchUpTime && _written > _frames.Reader.Count && _frames.Reader.Count < QueueFrames;
        if ((!_caughtUp || _frames.Reader.Count < QueueFrames) && _frames.Writer.TryWrite(frame))
        {
            _written++;
            return;
        }
        frame.Dispose();
        skipped?.Invoke();
        if (!_skipLogged) log?.Invoke($"{streamName}: {what} falls behind; frames are left out of it (counted), the stream goes on");
        _skipLogged = true;
    }

    async Task CloseAsync()
    {
        if (_frames is null) return;
        _frames.Writer.TryComplete();
        bool stopped = false;
        if (CloseLimit is { } limit && await Task.WhenAny(_encoder!, Task.Delay(limit)) != _encoder)
        {
            log?.Invoke($"{streamName}: {FailedWhat} had not finished {limit.TotalSeconds:0.#} s after its close; stopped");
            _stop!.CancelQuietly();
            stopped = true;
        }
        try { await _encoder!; }
        catch (Exception) when (stopped) { } // its failure is the stop that was asked for
        catch (VideoAffectException e) { log?.Invoke($"{streamName}: {FailedWhat} failed: {e.Message}; trying again in {RetryAfter.TotalSeconds:0} s, the stream goes on"); }
        finally
        {
            _stop!.Dispose();
            _stop = null;
        }
        // What ffmpeg did not take (a failed encoder stops reading): left out too, and counted, and
        // every frame goes back to its pool.
        while (_frames.Reader.TryRead(out var left))
        {
            left.Dispose();
            skipped?.Invoke();
        }
        _frames = null;
    }

    /// <summary>The output named at the start of its failure line ("recording", "restream to rtmp://...").</summary>
    protected abstract string FailedWhat { get; }

    public async ValueTask DisposeAsync() => await CloseAsync();
}
