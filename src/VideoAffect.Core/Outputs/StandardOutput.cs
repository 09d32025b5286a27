using Microsoft.Win32.SafeHandles;

namespace VideoAffect.Outputs;

/// <summary>
/// Standard output that says when its reader has gone. .NET's own console stream ignores a
/// broken pipe (EPIPE) and drops what is written, so `analyze long.mp4 --events - | head` or
/// `classify photos/ --json | head` went on to the end of the input with nobody reading, and the
/// shell waited for it. Here the first write after the reader has gone throws
/// <see cref="StandardOutputClosedException"/>, and later ones are dropped (so a writer flushed
/// again at exit does not fail a second time).
/// </summary>
internal static class StandardOutput
{
    /// <summary>
    /// File descriptor 1 when it is a pipe or a socket (the only kinds whose reader can go away),
    /// unbuffered and not closed with the stream; otherwise the console's own stream: a file
    /// stream over a regular file would write at a position of its own, over what stderr wrote
    /// to the same file (`&gt; log 2&gt;&amp;1`).
    /// </summary>
    public static Stream Open()
    {
        if (!Console.IsOutputRedirected) return Console.OpenStandardOutput(); // a terminal
        try
        {
            var fd = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            if (!fd.CanSeek) return new ClosableByReader(fd);
            fd.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { } // closed with `>&-`
        return Console.OpenStandardOutput();
    }

    /// <summary>Console.Out over <see cref="Open"/>: UTF-8, flushed at every write, safe from several threads.</summary>
    public static TextWriter Writer() =>
        TextWriter.Synchronized(new StreamWriter(Open(), new System.Text.UTF8Encoding(false)) { AutoFlush = true });

    /// <summary>Whether a failure is, or was caused by, standard output's reader going away.</summary>
    public static bool Closed(Exception e) => e is StandardOutputClosedException || e.InnerException is StandardOutputClosedException;

    /// <summary>EPIPE: the reading end of the pipe is closed (Linux and macOS both number it 32).</summary>
    const int BrokenPipe = 32;

    sealed class ClosableByReader(FileStream fd) : Stream
    {
        bool _readerGone;

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_readerGone) return;
            try { fd.Write(buffer); }
            catch (IOException e) when (e.HResult == BrokenPipe || e.Message.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase))
            {
                _readerGone = true;
                throw new StandardOutputClosedException();
            }
        }

        public override void Flush()
        {
            if (!_readerGone) fd.Flush();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) fd.Dispose();
            base.Dispose(disposing);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
