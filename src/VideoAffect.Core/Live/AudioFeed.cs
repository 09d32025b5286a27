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
/// its time on the same clock puts it (<see cref="AudioTap"/>). Raw sound has no timestamps (its
/// time is its sample count), so the feed keeps it continuous: a piece later than where the sound
/// has got to, by more than <see cref="Slack"/>, is preceded by silence (a camera's outage, its
/// sound dropped by a busy network); one earlier is cut by its overlap (a new connection's first
/// pieces); and while none comes (a camera without sound after a reconnection, an outage) silence
/// is written up to <see cref="Lag"/> behind now, or further behind where the sound comes later
/// than that after its place (an HLS segment's sound comes after all its pictures), so that the
/// encoder, which interleaves the two, waits on the sound no longer than it must. The encoder reads it from a loopback TCP port it connects to (<see cref="Inputs"/>).
/// When the frames end (<see cref="FinishAsync"/>), the sound is written up to the frames' end and closed.
/// </summary>
internal sealed class AudioFeed : IAsyncDisposable
{
    /// <summary>How far a piece may be from where the sound has got to and still be written as it comes.</summary>
    internal const double Slack = 0.1;

    /// <summary>How far behind now the sound is kept at least while no piece comes (pieces come within tens of ms).</summary>
    internal const double Lag = 0.5;

    /// <summary>How long the latest arrivals are remembered, to keep the silence behind the sound's usual lateness.</summary>
    const double LatenessMemory = 10;

    /// <summary>How late (s after their place's start) the pieces of the last <see cref="LatenessMemory"/> seconds came, in arrival order.</summary>
    readonly Queue<(double Arrived, double Late)> _arrivals = new();

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
    /// <summary>How much later the sound is to be placed than its time says (<see cref="CarryAsync"/>), known after the encoder's first frames.</summary>
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
                await SilenceUntilAsync(output, _audio.Now - _origin - Behind());
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
    /// How far the last pieces' places were from where the sound had got to. Each piece's place
    /// follows the frames' arrival, which jitters (the decoder's work, a B-frame camera's frames in
    /// pairs), so no one piece says where the sound should be; the median of a window does, and
    /// the sound is moved by it when it is off by more than <see cref="Drift"/> (the source's sound
    /// runs slower or faster than its pictures, or its place was its arrival after a jump in the
    /// source's times, <see cref="AudioTap.MostApart"/>).
    /// </summary>
    readonly List<double> _lateness = [];
    const int DriftWindow = 10;
    const double Drift = 0.015;
    bool _placed;
    /// <summary>How much later the sound was moved (<see cref="ShiftAsync"/>).</summary>
    double _shifted;
    /// <summary>Whether the pieces overlap the sound already written, each to be cut by its own overlap.</summary>
    bool _cutting;

    /// <summary>How far behind now silence may be written: <see cref="Lag"/>, or the sound's latest lateness and a little more.</summary>
    double Behind()
    {
        double now = _audio.Now;
        while (_arrivals.Count > 0 && _arrivals.Peek().Arrived < now - LatenessMemory) _arrivals.Dequeue();
        return _arrivals.Count == 0 ? Lag : Math.Max(Lag, _arrivals.Max(a => a.Late) + Lag / 2);
    }

    /// <summary>Writes a piece where its time puts it (within <see cref="Slack"/>; <see cref="Drift"/> over a window), none of it past <paramref name="limit"/>.</summary>
    async Task PlaceAsync(Stream output, AudioPiece piece, double limit)
    {
        _arrivals.Enqueue((piece.Arrived, piece.Arrived - (piece.End - piece.Seconds)));
        double start = piece.End - piece.Seconds - _origin;
        double late = start - Position;
        double skipSeconds = 0;
        // The first piece where it belongs; after an outage, where it belongs again.
        if (late > Slack || (!_placed && late > 0))
        {
            await SilenceUntilAsync(output, start);
            _cutting = false;
        }
        // Sound for a time already written (a new connection's first pieces; the first piece, after
        // the silence written while it had not come): what overlaps is cut, from this piece and the
        // next ones (a piece is 20-40 ms, the overlap up to seconds), each by its own overlap.
        else if (late < -Slack || (!_placed && late < 0)) _cutting = true;
        else if (!_cutting)
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
        if (_cutting)
        {
            skipSeconds = Math.Max(0, -late);
            _cutting = skipSeconds > piece.Seconds; // the overlap goes on into the next piece
            _lateness.Clear();
        }
        _placed = true;
        int skip = (int)Math.Min(piece.Pcm.Length, Math.Round(skipSeconds * SampleRate) * FrameBytes);
        int count = piece.Pcm.Length - skip;
        if (!double.IsPositiveInfinity(limit)) count = (int)Math.Clamp(Math.Round((limit - Position) * SampleRate) * FrameBytes, 0, count);
        if (count <= 0) return;
        await output.WriteAsync(piece.Pcm.AsMemory(skip, count), _stop.Token);
        Interlocked.Add(ref _written, count / FrameBytes);
    }

    /// <summary>Moves the sound later by <paramref name="seconds"/> from here on (a silence that long); earlier (AAC's priming, 21 ms) is left as it is.</summary>
    async Task ShiftAsync(Stream output, double seconds)
    {
        if (seconds <= 0) return;
        _origin -= seconds;
        _shifted = seconds;
        await SilenceUntilAsync(output, Position + seconds);
    }

    /// <summary>Seconds of sound and silence written so far, from the first frame's time.</summary>
    internal double Position => Interlocked.Read(ref _written) / (double)SampleRate;

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
