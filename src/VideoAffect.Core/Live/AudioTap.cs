using System.Net;
using System.Net.Sockets;

namespace VideoAffect.Live;

/// <summary>
/// Where a live source's decoder sends the stream's sound: a second output of the same ffmpeg
/// (one connection to the camera, one clock), raw (<see cref="StreamAudio.RawFormat"/>) over a
/// loopback TCP port we listen on for that one connection. Read on a thread of its own, blocked in
/// the read, so each piece is stamped the moment it comes, as the frames are (LiveSource's
/// FrameSink); ffmpeg flushes each decoded packet at once (<see cref="OutputArguments"/>).
/// </summary>
internal sealed class AudioTap : IDisposable
{
    readonly TcpListener _listener;
    readonly StreamAudio _audio;
    readonly Thread _reader;
    volatile Socket? _connection;
    volatile bool _closed;

    readonly Func<double> _videoLate;

    AudioTap(StreamAudio audio, Func<double> videoLate)
    {
        _audio = audio;
        _videoLate = videoLate;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(1);
        _reader = new Thread(Read) { IsBackground = true, Name = "live source sound" };
        _reader.Start();
    }

    /// <summary>Listens for the decoder's sound of one connection; <see cref="Dispose"/> when the connection ends.</summary>
    /// <param name="videoLate">how much later than its sound the decoder gives a frame (s): each piece is stamped that much later</param>
    public static AudioTap Open(StreamAudio audio, Func<double> videoLate) => new(audio, videoLate);

    /// <summary>
    /// ffmpeg's output of the first audio track, before the frames' own output: every packet written
    /// and sent as decoded (its TCP output otherwise waits for 32 KB, 170 ms of sound).
    /// </summary>
    public string OutputArguments =>
        $"-map 0:a:0 -vn -sn -dn -c:a pcm_s16le {StreamAudio.RawLayout} -flush_packets 1 -f s16le tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    void Read()
    {
        try
        {
            using var connection = _connection = _listener.AcceptSocket();
            if (_closed) return;
            var buffer = new byte[64 << 10];
            int held = 0; // bytes of a sample frame cut by the read, kept for the next piece
            while (true)
            {
                int read = connection.Receive(buffer, held, buffer.Length - held, SocketFlags.None);
                if (read == 0) return;
                // What ffmpeg wrote at once (several packets, read in turns) is one piece that ends
                // now: read as separate pieces, each "ending now", they overlapped and were cut.
                while (connection.Available > 0 && held + read < buffer.Length)
                {
                    int more = connection.Receive(buffer, held + read, buffer.Length - held - read, SocketFlags.None);
                    if (more == 0) break;
                    read += more;
                }
                double now = _audio.Now + _videoLate();
                int whole = (held + read) / StreamAudio.FrameBytes * StreamAudio.FrameBytes;
                if (whole > 0) _audio.Publish(buffer.AsSpan(0, whole).ToArray(), now);
                held = held + read - whole;
                buffer.AsSpan(whole, held).CopyTo(buffer);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException) { } // closed: the connection has ended
    }

    public void Dispose()
    {
        _closed = true;
        _listener.Stop();
        try { _connection?.Dispose(); } catch (ObjectDisposedException) { }
        _reader.Join(TimeSpan.FromSeconds(2));
    }
}
