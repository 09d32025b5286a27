using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using FFMpegCore;
using VideoAffect.Media;

namespace VideoAffect.Live;

/// <summary>
/// A stream's sound going into one encoder beside its annotated frames (the recording's, the
/// restream's), placed on the frames' timeline: the encoder's frames are at their capture times
/// from its first frame's (<see cref="AnnotatedVideoOutput"/>), and each piece of sound goes where
/// its arrival by the same clock puts it. Raw sound has no timestamps (its time is its sample
/// count), so the feed keeps it continuous: a piece later than where the sound has got to, by more
/// than <see cref="Slack"/>, is preceded by silence (a camera's outage, its sound dropped by a
/// busy network); one earlier is cut by its overlap (a burst at a connection's start); and while
/// none comes (a camera without sound after a reconnection, an outage) silence is written up to
/// <see cref="Lag"/> behind now, so that the encoder, which interleaves the two, never waits on the
/// sound. The encoder reads it from a loopback TCP port it connects to (<see cref="Inputs"/>).
/// When the frames end (<see cref="FinishAsync"/>), the sound is written up to the frames' end and closed.
/// </summary>
internal sealed class AudioFeed : IAsyncDisposable
{
    /// <summary>How far a piece may be from where the sound has got to and still be written as it comes.</summary>
    internal const double Slack = 0.3;

    /// <summary>How far behind now the sound is kept while no piece comes (pieces come within tens of ms).</summary>
    internal const double Lag = 0.5;

    const int SampleRate = StreamAudio.SampleRate;
    const int FrameBytes = StreamAudio.FrameBytes;
    static readonly byte[] Silence = new byte[SampleRate / 10 * FrameBytes];

    readonly StreamAudio _audio;
    readonly ChannelReader<AudioPiece> _pieces;
    double _origin;
    readonly TcpListener _listener;
    readonly CancellationTokenSource _stop = new();
    readonly TaskCompletionSource<double> _end = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly Task _writing;
    /// <summary>How much later the sound is to be placed than its arrival says (<see cref="CarryAsync"/>), known after the encoder's first frames.</summary>
    readonly TaskCompletionSource<double> _shift = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The silence ffmpeg's AAC encoder starts with (1024 samples), by which an MP4 track without an edit list starts late.</summary>
    const double AacPriming = 1024.0 / SampleRate;
    /// <summary>Sample frames written so far: the sound's position on the encoder's timeline.</summary>
    long _written;

    /// <param name="origin">the encoder's first frame's time, by the stream's clock: time 0 of its output</param>
    public AudioFeed(StreamAudio audio, double origin)
    {
        _audio = audio;
        _origin = origin;
        _pieces = audio.Take();
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(1);
        _writing = Task.Run(WriteAsync);
    }

    internal Uri Url => new($"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>The encoder's inputs: its frames, and the sound from our port when there is one.</summary>
    public static FFMpegArguments Inputs(TimedFramePipe frames, AudioFeed? sound)
    {
        var inputs = FFMpegArguments.FromPipeInput(frames);
        return sound is null ? inputs : inputs.AddUrlInput(sound.Url, o => o.WithCustomArgument(StreamAudio.RawFormat));
    }

    /// <summary>
    /// The encoder's output options for the sound: AAC, which every container written live holds
    /// (MP4, FLV, MPEG-TS, RTSP), at 96 kbit/s, as much as a camera's sound needs.
    /// </summary>
    public static string OutputArguments(AudioFeed? sound) => sound is null ? "" : "-map 0:v:0 -map 1:a:0 -c:a aac -b:a 96k";

    /// <summary>
    /// Writes the sound while the encoder runs, and ends it where the frames end, so the encoder
    /// sees both inputs end and finishes its file. Returns when the sound is done or the encoder has gone.
    /// </summary>
    /// <param name="fragmentedMp4">
    /// the encoder writes fragmented MP4, which starts each track at 0 on its own: the video track
    /// moved later by x264's reordering (<see cref="TimedFramePipe.ReorderDelay"/>), the sound by
    /// AAC's priming (<see cref="AacPriming"/>). The sound is moved by the difference, so the two
    /// play together: before this, a 10 fps camera's sound came 180 ms before its pictures.
    /// Other containers (FLV, MPEG-TS, RTSP) move both tracks alike.
    /// </param>
    public async Task CarryAsync(TimedFramePipe frames, Task encoder, bool fragmentedMp4)
    {
        if (!fragmentedMp4) _shift.TrySetResult(0);
        else if (await Task.WhenAny(frames.ReorderDelay, encoder) == encoder) return;
        else _shift.TrySetResult(frames.ReorderDelay.Result - AacPriming);
        if (await Task.WhenAny(frames.Ended, encoder) == encoder) return;
        await Task.WhenAny(FinishAsync(frames.VideoEnd ?? 0), encoder);
    }

    /// <summary>The frames have ended at <paramref name="videoEnd"/> (output seconds): the sound is written up to there and closed.</summary>
    internal async Task FinishAsync(double videoEnd)
    {
        _end.TrySetResult(videoEnd);
        await _writing;
    }

    async Task WriteAsync()
    {
        try
        {
            using var connection = await _listener.AcceptSocketAsync(_stop.Token);
            await using var output = new NetworkStream(connection, ownsSocket: false);
            bool shifted = false;
            while (!_end.Task.IsCompleted)
            {
                // The shift is known after the encoder's first frames, but the encoder opens the
                // sound before it reads them all (it waits for sound to start): so the sound starts
                // unshifted, and the shift, known within the first few frames, is made once.
                if (!shifted && _shift.Task.IsCompleted)
                {
                    shifted = true;
                    await ShiftAsync(output, _shift.Task.Result);
                }
                // A piece, or a tenth of a second without one (then silence up to the lag).
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                tick.CancelAfter(TimeSpan.FromMilliseconds(100));
                var waiting = _pieces.WaitToReadAsync(tick.Token).AsTask();
                await Task.WhenAny(waiting, _end.Task, shifted ? _end.Task : _shift.Task);
                while (_pieces.TryRead(out var piece)) await PlaceAsync(output, piece, limit: double.PositiveInfinity);
                await SilenceUntilAsync(output, _audio.Now - _origin - Lag);
            }
            // The frames' end, on the sound's timeline (moved by the shift made).
            double end = await _end.Task + _shifted;
            while (_pieces.TryRead(out var piece)) await PlaceAsync(output, piece, limit: end);
            await SilenceUntilAsync(output, end);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException) { } // the encoder went away or was stopped: its own error says why
        finally
        {
            _audio.Leave(_pieces);
            _listener.Stop();
        }
    }

    /// <summary>
    /// How late the last pieces came against where the sound had got to. ffmpeg hands the sound
    /// over in irregular bursts (a file played in real time: up to 90 ms either way of where it
    /// belongs, pieces read apart that were written together), so no one piece says where the
    /// sound should be; the median of a window does, and the sound is moved by it when it is off
    /// by more than <see cref="Drift"/> (the sound started off, or the source's sound clock runs
    /// slower or faster than ours).
    /// </summary>
    readonly List<double> _lateness = [];
    const int DriftWindow = 10;
    const double Drift = 0.015;
    bool _placed;
    /// <summary>How much later the sound was moved (<see cref="ShiftAsync"/>).</summary>
    double _shifted;

    /// <summary>Writes a piece where its arrival puts it (within <see cref="Slack"/>; <see cref="Drift"/> over a window), none of it past <paramref name="limit"/>.</summary>
    async Task PlaceAsync(Stream output, AudioPiece piece, double limit)
    {
        double start = piece.End - piece.Seconds - _origin;
        double late = start - Position;
        double skipSeconds = 0;
        // The first piece where it came; after an outage, where it came again.
        if (!_placed || late > Slack) await SilenceUntilAsync(output, start);
        // A burst (a connection's first pieces, read together): what overlaps is cut.
        else if (late < -Slack) skipSeconds = -late;
        else
        {
            _lateness.Add(late);
            if (_lateness.Count == DriftWindow)
            {
                double median = _lateness.Order().ElementAt(DriftWindow / 2);
                if (median > Drift) await SilenceUntilAsync(output, Position + median);
                else if (median < -Drift) skipSeconds = -median;
                _lateness.Clear();
            }
        }
        _placed = true;
        int skip = (int)Math.Min(piece.Pcm.Length, Math.Round(skipSeconds * SampleRate) * FrameBytes);
        int count = piece.Pcm.Length - skip;
        if (!double.IsPositiveInfinity(limit)) count = (int)Math.Clamp(Math.Round((limit - Position) * SampleRate) * FrameBytes, 0, count);
        if (count <= 0) return;
        await output.WriteAsync(piece.Pcm.AsMemory(skip, count), _stop.Token);
        Interlocked.Add(ref _written, count / FrameBytes);
    }

    /// <summary>Moves the sound later by <paramref name="seconds"/> from here on (a silence that long); earlier (by less than <see cref="Slack"/>, AAC's priming) is left as it is.</summary>
    async Task ShiftAsync(Stream output, double seconds)
    {
        if (seconds <= 0) return;
        _origin -= seconds;
        _shifted = seconds;
        await SilenceUntilAsync(output, Position + seconds);
    }

    double Position => Interlocked.Read(ref _written) / (double)SampleRate;

    async Task SilenceUntilAsync(Stream output, double until)
    {
        long frames = (long)Math.Round(until * SampleRate) - Interlocked.Read(ref _written);
        while (frames > 0)
        {
            int now = (int)Math.Min(frames, Silence.Length / FrameBytes);
            await output.WriteAsync(Silence.AsMemory(0, now * FrameBytes), _stop.Token);
            Interlocked.Add(ref _written, now);
            frames -= now;
        }
    }

    /// <summary>Stops at once (the encoder failed or was stopped): nothing more is written.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _end.TrySetResult(0);
        _shift.TrySetResult(0);
        try { await _writing; } catch (Exception) { }
        _stop.Dispose();
    }
}
