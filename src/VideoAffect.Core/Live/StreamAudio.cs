using System.Threading.Channels;

namespace VideoAffect.Live;

/// <summary>
/// A live stream's sound, for the outputs that carry it beside the annotated frames (the
/// recording, the restream): the source's decoder hands it over (<see cref="AudioTap"/>), each
/// piece placed by its own time on the clock that stamps the stream's frames, and each output
/// that takes it (<see cref="AudioFeed"/>) places it there. It is always in one format:
/// 16-bit stereo at 48 kHz (a camera's 8 kHz G.711 mono and a file's 5.1 alike), so an output's
/// encoder, started once, takes every connection's sound however the camera changes.
/// </summary>
internal sealed class StreamAudio
{
    public const int SampleRate = 48_000;
    public const int Channels = 2;
    /// <summary>Bytes of one sample frame: two 16-bit channels.</summary>
    public const int FrameBytes = 2 * Channels;
    /// <summary>The raw sound's rate and channels, as ffmpeg's options (an output's, and an input's after -f s16le).</summary>
    public const string RawLayout = "-ar 48000 -ac 2";
    /// <summary>What ffmpeg is told the raw sound is, on both sides.</summary>
    public const string RawFormat = $"-f s16le {RawLayout}";

    /// <summary>
    /// Pieces an output may hold before its oldest are let go: about 10 s (ffmpeg gives a piece
    /// per decoded packet, 21 ms of AAC, 20-40 ms of G.711), while an encoder starts or falls behind.
    /// </summary>
    const int HeldPieces = 500;

    readonly List<Channel<AudioPiece>> _takers = [];
    Func<double> _clock = () => 0;
    volatile bool _present;

    /// <summary>Whether the stream's current connection brings sound (an output started now carries it).</summary>
    public bool Present => _present;

    /// <summary>Now, by the clock of the stream's frames (<see cref="Media.VideoFrame.Timestamp"/>).</summary>
    public double Now => _clock();

    /// <summary>Set by the source: the clock its frames are stamped by.</summary>
    public void UseClock(Func<double> clock) => _clock = clock;

    /// <summary>Each connection says whether it brings sound.</summary>
    public void Connected(bool withSound) => _present = withSound;

    /// <summary>A piece of sound that has just come (at <paramref name="arrived"/>), whose end belongs at <paramref name="end"/>, both by <see cref="Now"/>'s clock.</summary>
    public void Publish(byte[] pcm, double end, double arrived)
    {
        lock (_takers)
            foreach (var taker in _takers) taker.Writer.TryWrite(new AudioPiece(pcm, end, arrived));
    }

    /// <summary>The pieces from now on, for one output, until <see cref="Leave"/>.</summary>
    public ChannelReader<AudioPiece> Take()
    {
        var taker = Channel.CreateBounded<AudioPiece>(new BoundedChannelOptions(HeldPieces) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_takers) _takers.Add(taker);
        return taker.Reader;
    }

    public void Leave(ChannelReader<AudioPiece> reader)
    {
        lock (_takers) _takers.RemoveAll(t => t.Reader == reader);
    }
}

/// <summary>Raw sound (<see cref="StreamAudio.RawFormat"/>) whose end belongs at <paramref name="End"/> and that came at <paramref name="Arrived"/>, by the stream's clock.</summary>
internal readonly record struct AudioPiece(byte[] Pcm, double End, double Arrived)
{
    public double Seconds => Pcm.Length / (double)(StreamAudio.FrameBytes * StreamAudio.SampleRate);
}
