using System.Threading.Channels;
using FFMpegCore.Pipes;

namespace VideoAffect.Live;

/// <summary>
/// The bytes of a pushed source (see <see cref="LiveSourceSpec.IsPushed"/>) as they come, read once and
/// kept: the probe reads the first of them, and the decoder then gets the same bytes again from
/// the start, followed by the rest as it comes. A pushed stream cannot be opened twice (a one-shot
/// sender's connection is gone once read), so nothing read may be lost between the two.
/// Reading happens on a thread of its own, blocked in the read, so the sender is never held back
/// by a busy thread pool; up to <see cref="MostQueued"/> bytes wait for a slow decoder before the
/// reader waits in turn (a TCP sender then slows down; a UDP one loses datagrams in the kernel, as
/// any receiver that falls behind does).
/// </summary>
internal sealed class PushedBytes
{
    /// <summary>What may wait for the decoder: 1024 reads, at most 64 KiB each (64 MiB, about two minutes of a 4 Mbit/s camera stream; less for small reads such as UDP datagrams).</summary>
    const int MostQueued = 1024, ChunkBytes = 64 << 10;

    readonly Channel<byte[]> _incoming = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(MostQueued) { SingleReader = true, SingleWriter = true });
    /// <summary>Bytes taken out of the channel before the decoder started: the probe's look ahead, replayed to the decoder.</summary>
    readonly List<byte[]> _held = [];
    readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    long _total;

    /// <summary>Starts reading <paramref name="input"/> to its end (or until it fails) on a thread of its own.</summary>
    public PushedBytes(Stream input, string threadName)
    {
        var thread = new Thread(() => Pump(input)) { IsBackground = true, Name = threadName };
        thread.Start();
    }

    /// <summary>Bytes read so far.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Why reading stopped before the end, if it failed (null at a clean end or while reading).</summary>
    public string? Failure { get; private set; }

    void Pump(Stream input)
    {
        try
        {
            var buffer = new byte[ChunkBytes];
            while (true)
            {
                int n = input.Read(buffer);
                if (n == 0) break;
                Interlocked.Add(ref _total, n);
                _first.TrySetResult();
                // A full buffer is handed over as it is and replaced; a short read (a datagram, a
                // pipe's few bytes) is copied out, so the buffer is not allocated anew for each.
                byte[] chunk = n == buffer.Length ? buffer : buffer[..n];
                if (n == buffer.Length) buffer = new byte[ChunkBytes];
                // Blocks while the queue is full; fails once the queue was completed (the attempt is over).
                _incoming.Writer.WriteAsync(chunk).AsTask().GetAwaiter().GetResult();
            }
        }
        catch (ChannelClosedException) { }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { Failure = e.Message; }
        finally
        {
            _incoming.Writer.TryComplete();
            _first.TrySetResult();
        }
    }

    /// <summary>Waits until the first bytes came (true) or the input ended without any (false).</summary>
    public async Task<bool> WaitForFirstAsync(CancellationToken token)
    {
        await _first.Task.WaitAsync(token);
        return Total > 0;
    }

    /// <summary>
    /// Waits until bytes are here for the probe (true), or the input has ended with none left
    /// (false): standard input whose writer paused longer than the stall timeout is waited for.
    /// </summary>
    public async Task<bool> WaitForBytesAsync(CancellationToken token) =>
        _held.Count > 0 || await _incoming.Reader.WaitToReadAsync(token);

    /// <summary>
    /// The bytes held so far, after waiting until at least <paramref name="bytes"/> of them are held,
    /// <paramref name="within"/> has passed, or the input ended. They stay held for the decoder.
    /// </summary>
    public async Task<byte[]> LookAheadAsync(long bytes, TimeSpan within, CancellationToken token)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(within);
        try
        {
            while (_held.Sum(c => (long)c.Length) < bytes && await _incoming.Reader.WaitToReadAsync(deadline.Token))
                while (_incoming.Reader.TryRead(out var chunk)) _held.Add(chunk);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested) { }
        return _held.SelectMany(c => c).ToArray();
    }

    /// <summary>True once the input has ended and every byte was taken out (nothing more will come).</summary>
    public bool Ended => _incoming.Reader.Completion.IsCompleted;

    /// <summary>
    /// The held bytes and then the rest as it comes, as an ffmpeg input pipe (the container is
    /// whatever the sender sent: ffmpeg tells it from the bytes). Once ffmpeg has them they are
    /// gone: a later attempt on the same input (standard input after a decoder failed) goes on
    /// from where this one stopped. <paramref name="attempt"/> ends the replay with its attempt, so
    /// that a replay left behind by a killed ffmpeg takes none of the next attempt's bytes.
    /// </summary>
    public IPipeSource Replay(CancellationToken attempt) => new ReplaySource(this, attempt);

    /// <summary>Lets the held bytes go: a probe found no video in them, and the next looks at newer ones.</summary>
    public void DropHeld() => _held.Clear();

    /// <summary>Stops the reading: what is still queued is let go and the reader's next write ends it.</summary>
    public void Abandon() => _incoming.Writer.TryComplete();

    sealed class ReplaySource(PushedBytes bytes, CancellationToken attempt) : IPipeSource
    {
        public string GetStreamArguments() => "";

        public async Task WriteAsync(Stream output, CancellationToken ffmpegExited)
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(ffmpegExited, attempt);
            var token = both.Token;
            try
            {
                foreach (var chunk in bytes._held) await output.WriteAsync(chunk, token);
                bytes._held.Clear();
                while (await bytes._incoming.Reader.WaitToReadAsync(token))
                    while (bytes._incoming.Reader.TryRead(out var chunk))
                        await output.WriteAsync(chunk, token);
            }
            // ffmpeg went away (the attempt was stopped, or it failed: its exit code says why).
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { }
        }
    }
}
