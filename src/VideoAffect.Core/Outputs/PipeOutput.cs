using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace VideoAffect.Outputs;

/// <summary>
/// Records written into a named pipe or a terminal as the run goes, as into standard output: a
/// program reading a FIFO, bash's <c>--events &gt;(jq ...)</c> (a pipe at /dev/fd/N), /dev/stderr,
/// /dev/tty. The pipe is written into, never replaced, and a FIFO nobody reads is one line at
/// once, not a run that hangs waiting for a reader.
/// </summary>
internal static partial class PipeOutput
{
    /// <summary>The names of this process's standard output: the same as '-'.</summary>
    public static bool IsStandardOutput(string path) => path is "/dev/stdout" or "/dev/fd/1" or "/proc/self/fd/1";

    /// <summary>The names of this process's standard error, written to where it stands (a log file too, at its end).</summary>
    public static bool IsStandardError(string path) => path is "/dev/stderr" or "/dev/fd/2" or "/proc/self/fd/2";

    /// <summary>Whether a path names a stream to write lines into ('-', standard output or error, an existing FIFO or terminal), not a file or folder.</summary>
    public static bool IsStream(string path) =>
        path == "-" || IsStandardOutput(path) || IsStandardError(path) || FileFacts.Of(path).Kind == FileKind.Fifo || FileFacts.IsTerminal(path);

    /// <summary>Opens <paramref name="target"/> (a <see cref="OutputTarget.Pipe"/>) for writing.</summary>
    public static Stream Open(OutputTarget target)
    {
        Func<Exception> readerGone = () => new PipeReaderGoneException(target.What, target.Given);
        // The console's own stream: it writes at the descriptor's shared offset, where a FileStream
        // over a log file (2> run.log) would keep a position of its own and write over the log's lines.
        if (IsStandardError(target.Given))
            return new GuardedConsoleStream(Console.OpenStandardError(), readerGone: null);
        // Non-blocking only to open: a FIFO with no reader fails at once (ENXIO) where a blocking
        // open would wait for one for ever. Writes then block as a pipeline's do, for a slow reader.
        int fd = open(target.Final, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new VideoAffectException(errno == ENXIO
                ? $"{target.What} '{target.Given}' is a named pipe that no program reads; start its reader first"
                : $"cannot write the {target.What} '{target.Given}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (fcntl(fd, F_SETFL, 0) != 0)
        {
            handle.Dispose();
            throw new VideoAffectException($"cannot write the {target.What} '{target.Given}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        return new GuardedConsoleStream(new FileStream(handle, FileAccess.Write, bufferSize: 0), readerGone);
    }

    // Linux's values (x86-64 and arm64 alike).
    const int O_WRONLY = 0x1, O_NOCTTY = 0x100, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000, F_SETFL = 4, ENXIO = 6;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);
}

/// <summary>The program reading a pipe output went away: the run stops as for standard output's reader (exit code 141).</summary>
internal sealed class PipeReaderGoneException(string what, string path)
    : VideoAffectException($"the program reading the {what} '{path}' closed it; stopped");
