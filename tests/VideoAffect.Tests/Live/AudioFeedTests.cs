using System.Net.Sockets;
using VideoAffect.Live;

namespace VideoAffect.Tests.Live;

/// <summary>
/// How the camera's sound is laid on the frames' timeline (<see cref="AudioFeed"/>), read back as
/// an encoder reads it, from its port: a piece where its time puts it; an outage as silence; a
/// burst's overlap cut; sound that comes seconds late kept; the end padded with silence to the
/// frames' end. The clock is the test's.
/// </summary>
public sealed class AudioFeedTests
{
    const int Rate = StreamAudio.SampleRate;

    [Fact]
    public async Task Pieces_go_where_they_came_with_silence_for_an_outage_and_a_burst_cut()
    {
        await using var feed = await Feed.StartAsync();
        // 0.3 s of sound as it came, then a burst: 0.7 s more at once that ends at 0.35 s, of which
        // only its last 0.05 s is new.
        feed.Publish(1000, seconds: 0.3, end: 10.3);
        feed.Publish(2000, seconds: 0.7, end: 10.35);
        // An outage until 1.0 s, then 0.2 s of sound, a piece of 0.1 s at a time.
        feed.Publish(3000, seconds: 0.1, end: 11.1);
        feed.Publish(3000, seconds: 0.1, end: 11.2);
        feed.Now = 11.5;
        var samples = await feed.FinishAsync(videoEnd: 1.5);

        Assert.Equal((int)(1.5 * Rate), samples.Length);
        Assert.Equal(1000, Level(samples, 0.0, 0.3));
        Assert.Equal(2000, Level(samples, 0.3, 0.35));
        Assert.Equal(0, Level(samples, 0.35, 1.0));
        Assert.Equal(3000, Level(samples, 1.0, 1.2));
        Assert.Equal(0, Level(samples, 1.2, 1.5));
    }

    /// <summary>
    /// Sound that comes seconds after its place (an HLS recording's segment: its sound after all its
    /// pictures) is not cut by the silence written while it had not come: after the first such
    /// piece, silence stays behind the sound's lateness. The first piece, whose place had been
    /// filled with silence already, is cut, not written late.
    /// </summary>
    [Fact]
    public async Task Sound_that_comes_late_is_placed_by_its_time_and_kept()
    {
        await using var feed = await Feed.StartAsync();
        feed.Now = 12.5;
        feed.WaitWritten(2.0); // no sound yet: silence up to 0.5 s behind now (a fixed sleep was too short on a loaded machine)
        feed.Publish(1000, seconds: 0.5, end: 10.5, arrived: 12.5); // its place (0-0.5 s) is written: cut
        feed.Publish(3000, seconds: 0.5, end: 12.5, arrived: 14.5); // 2.0-2.5 s, 2.5 s after its start like the first
        feed.Now = 15.2;
        Thread.Sleep(300);
        feed.Publish(4000, seconds: 0.5, end: 13.0, arrived: 15.5); // 2.5-3.0 s
        feed.Now = 16;
        var samples = await feed.FinishAsync(videoEnd: 3.5);

        Assert.Equal((int)(3.5 * Rate), samples.Length);
        Assert.Equal(0, Level(samples, 0.0, 2.0));
        Assert.Equal(3000, Level(samples, 2.0, 2.5));
        Assert.Equal(4000, Level(samples, 2.5, 3.0));
        Assert.Equal(0, Level(samples, 3.0, 3.5));
    }

    /// <summary>A stream's sound on the test's clock, fed to an <see cref="AudioFeed"/> whose first frame was at 10 s, and an encoder's reading of it.</summary>
    sealed class Feed : IAsyncDisposable
    {
        public double Now = 10;
        readonly StreamAudio _audio = new();
        AudioFeed _feed = null!;
        readonly TcpClient _encoder = new();
        Task<short[]> _reading = null!;

        public static async Task<Feed> StartAsync()
        {
            var f = new Feed();
            f._audio.UseClock(() => f.Now);
            f._audio.Connected(true);
            f._feed = new AudioFeed(f._audio, origin: 10);
            await f._encoder.ConnectAsync(f._feed.Url.Host, f._feed.Url.Port);
            f._reading = ReadAllAsync(f._encoder.GetStream());
            return f;
        }

        /// <summary>A piece of one level that comes at <paramref name="arrived"/> (at its end's time when not said) and belongs up to <paramref name="end"/>.</summary>
        public void Publish(short level, double seconds, double end, double? arrived = null)
        {
            Now = arrived ?? end;
            var pcm = new byte[(int)Math.Round(seconds * Rate) * StreamAudio.FrameBytes];
            for (int i = 0; i < pcm.Length; i += 2) BitConverter.TryWriteBytes(pcm.AsSpan(i), level);
            _audio.Publish(pcm, end, arrived: Now);
            Thread.Sleep(150); // the feed takes each piece before the next comes, as it does live
        }

        /// <summary>Waits (10 s at most) until the feed has written <paramref name="seconds"/> of sound or silence.</summary>
        public void WaitWritten(double seconds)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (_feed.Position < seconds - 1e-6 && clock.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(10);
            Assert.True(_feed.Position >= seconds - 1e-6, $"{_feed.Position:0.000} s written, {seconds} s expected");
            Thread.Sleep(50); // and not more than that: the feed writes no further while the clock stands
            Assert.True(Math.Abs(_feed.Position - seconds) < 1e-3, $"{_feed.Position:0.000} s written, {seconds} s expected");
        }

        /// <summary>The frames end at <paramref name="videoEnd"/>: the left channel's samples as the encoder read them.</summary>
        public async Task<short[]> FinishAsync(double videoEnd)
        {
            await _feed.FinishAsync(videoEnd);
            _encoder.Client.Shutdown(SocketShutdown.Send);
            return await _reading.WaitAsync(TimeSpan.FromSeconds(10));
        }

        public async ValueTask DisposeAsync()
        {
            await _feed.DisposeAsync();
            _encoder.Dispose();
        }

        static async Task<short[]> ReadAllAsync(NetworkStream stream)
        {
            using var bytes = new MemoryStream();
            await stream.CopyToAsync(bytes);
            var all = bytes.ToArray();
            return Enumerable.Range(0, all.Length / StreamAudio.FrameBytes).Select(i => BitConverter.ToInt16(all, i * StreamAudio.FrameBytes)).ToArray();
        }
    }

    /// <summary>The one level of the left channel's samples from..to (s), or -1 where they differ.</summary>
    static int Level(short[] left, double from, double to)
    {
        var part = left[(int)Math.Round(from * Rate)..(int)Math.Round(to * Rate)];
        return part.All(s => s == part[0]) ? part[0] : -1;
    }
}
