using System.Net;
using System.Net.Sockets;

namespace VideoAffect.Live;

/// <summary>
/// Where a live source's decoder sends the stream's sound: a second output of the same ffmpeg
/// (one connection to the camera, one clock), raw sound (<see cref="StreamAudio.RawLayout"/>) in
/// NUT packets that carry its times, over a loopback TCP port we listen on for that one connection.
/// Each piece is placed on the stream's clock by its time, where the connection's frames of the
/// same moment came (<see cref="SourceTimeline"/>), not when ffmpeg happened to hand it over.
/// </summary>
internal sealed class AudioTap : IDisposable
{
    /// <summary>
    /// A piece whose time puts it further than this from its arrival is placed at its arrival: the
    /// source's times jumped (a camera's clock reset), and the map has not caught up yet.
    /// </summary>
    internal const double MostApart = 5;

    /// <summary>Sound held while the connection's frames have not yet settled to their pace to place it by: about 10 s (pieces of 20-40 ms).</summary>
    const int MostHeld = 500;

    readonly TcpListener _listener;
    readonly StreamAudio _audio;
    readonly SourceTimeline _timeline;
    readonly Thread _reader;
    volatile Socket? _connection;
    volatile bool _closed;

    AudioTap(StreamAudio audio, SourceTimeline timeline)
    {
        _audio = audio;
        _timeline = timeline;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(1);
        _reader = new Thread(Read) { IsBackground = true, Name = "live source sound" };
        _reader.Start();
    }

    /// <summary>Listens for the decoder's sound of one connection; <see cref="Dispose"/> when the connection ends.</summary>
    /// <param name="timeline">the connection's map from source times to the stream's clock, which its frames keep</param>
    public static AudioTap Open(StreamAudio audio, SourceTimeline timeline) => new(audio, timeline);

    /// <summary>
    /// ffmpeg's output of the first audio track, before the frames' own output: every packet written
    /// and sent as decoded (its TCP output otherwise waits for 32 KB, 170 ms of sound).
    /// </summary>
    public string OutputArguments =>
        $"-map 0:a:0 -vn -sn -dn -c:a pcm_s16le {StreamAudio.RawLayout} {SourceTimeline.OutputOffset} -flush_packets 1 -f nut tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    void Read()
    {
        try
        {
            using var connection = _connection = _listener.AcceptSocket();
            if (_closed) return;
            using var stream = new NetworkStream(connection, ownsSocket: false);
            var reader = new Media.Nut.NutReader(stream);
            var held = new Queue<(byte[] Pcm, double End)>();
            while (reader.Next(out var packet))
            {
                var pcm = new byte[packet.Size];
                reader.ReadData(pcm);
                if (pcm.Length / StreamAudio.FrameBytes == 0) continue;
                double end = packet.Time + pcm.Length / (double)(StreamAudio.FrameBytes * StreamAudio.SampleRate);
                held.Enqueue((pcm, end));
                if (held.Count > MostHeld) held.Dequeue();
                double now = _audio.Now;
                while (held.Count > 0 && _timeline.ToClock(held.Peek().End) is { } placed)
                {
                    var piece = held.Dequeue();
                    _audio.Publish(piece.Pcm, Math.Abs(placed - now) <= MostApart ? placed : now, arrived: now);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException or IOException or InvalidDataException) { } // closed: the connection has ended
    }

    public void Dispose()
    {
        _closed = true;
        _listener.Stop();
        try { _connection?.Dispose(); } catch (ObjectDisposedException) { }
        _reader.Join(TimeSpan.FromSeconds(2));
    }
}
