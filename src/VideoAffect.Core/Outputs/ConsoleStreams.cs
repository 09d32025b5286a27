using Microsoft.Win32.SafeHandles;

namespace VideoAffect.Outputs;

/// <summary>
/// Standard output that says when its reader has gone. .NET's own console stream ignores a
/// broken pipe (EPIPE) and drops what is written, so `analyze long.mp4 --events - | head` or
/// `classify photos/ --json | head` went on to the end of the input with nobody reading, and the
/// shell waited for it. Here the first write after the reader has gone throws
/// <see cref="StandardOutputClosedException"/>, and later ones are dropped (so a writer flushed
/// again at exit does not fail a second time). A terminal that hung up (a dropped ssh session)
/// fails writes with EIO instead, and a descriptor closed before the start (`&gt;&amp;-`) with EBADF;
/// what nobody can see any more is dropped.
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
        if (!Console.IsOutputRedirected) return new GuardedConsoleStream(Console.OpenStandardOutput(), readerGone: null); // a terminal
        try
        {
            var fd = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            if (!fd.CanSeek) return new GuardedConsoleStream(fd, readerGone: () => new StandardOutputClosedException());
            fd.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { } // closed with `>&-`
        return new GuardedConsoleStream(Console.OpenStandardOutput(), readerGone: null);
    }

    /// <summary>Console.Out over <see cref="Open"/>: UTF-8, flushed at every write, safe from several threads.</summary>
    public static TextWriter Writer() => ConsoleStreams.Writer(Open());

    /// <summary>Whether a failure is, or was caused by, the reader of standard output or of a pipe output going away.</summary>
    public static bool Closed(Exception e) => ReaderGone(e) || (e.InnerException is { } inner && ReaderGone(inner));

    static bool ReaderGone(Exception e) => e is StandardOutputClosedException or PipeReaderGoneException;
}

/// <summary>
/// Standard error as a log that never stops a run: a line that cannot be written (the terminal
/// hung up: EIO; a file on a full disk) is dropped, and so is every later one. .NET's own stream
/// threw, and a progress bar drawn on a terminal that had gone crashed the process (SIGABRT,
/// outputs left with their lock files) instead of letting the run stop in order.
/// </summary>
internal static class StandardError
{
    /// <summary>Console.Error's replacement.</summary>
    public static TextWriter Writer() => ConsoleStreams.Writer(new GuardedConsoleStream(Console.OpenStandardError(), readerGone: null));
}

static class ConsoleStreams
{
    /// <summary>UTF-8 without a byte-order mark, flushed at every write, safe from several threads.</summary>
    public static TextWriter Writer(Stream stream) =>
        TextWriter.Synchronized(new StreamWriter(stream, new System.Text.UTF8Encoding(false)) { AutoFlush = true });
}

/// <summary>
/// A console stream whose first failed write ends its writing: a pipe whose reader went away
/// (EPIPE) throws <paramref name="readerGone"/>'s exception where that is news to act on;
/// anything else (a hung-up terminal's EIO) is dropped quietly, as is every write after it.
/// </summary>
sealed class GuardedConsoleStream(Stream inner, Func<Exception>? readerGone) : Stream
{
    /// <summary>EPIPE: the reading end of the pipe is closed (Linux and macOS both number it 32).</summary>
    const int BrokenPipe = 32;
    volatile bool _gone;

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_gone) return;
        try { inner.Write(buffer); }
        catch (IOException e)
        {
            _gone = true;
            if (readerGone is not null && (e.HResult == BrokenPipe || e.Message.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase)))
                throw readerGone();
        }
        // A descriptor closed before the start (`2>&-`): .NET says EBADF as "access denied". An error
        // line written to a closed stderr crashed the process (SIGABRT) instead of exiting with its code.
        catch (UnauthorizedAccessException) { _gone = true; }
    }

    public override void Flush()
    {
        if (_gone) return;
        try { inner.Flush(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { _gone = true; }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
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
