using System.Runtime.InteropServices;
using System.Text;

namespace VideoAffect.Outputs;

/// <summary>
/// An exclusive claim on one output path, held from before its partial file is created until the
/// finished file has its final name, so two runs never write the same output. It is an flock(2) on a
/// hidden lock file beside the output: the kernel drops it when the process dies, however it dies,
/// so a crash never leaves a claim behind. The lock file is unlinked while still locked; a run that
/// opened it just before then notices that the path now names another file and tries again.
/// </summary>
internal sealed partial class OutputLock : IDisposable
{
    readonly string _path;
    int _fd;

    OutputLock(string path, int fd) { _path = path; _fd = fd; }

    /// <summary>The hidden lock file of an output: DIR/.NAME.videoaffect-lock.</summary>
    public static string LockPathFor(string canonicalOutput) =>
        Path.Combine(Path.GetDirectoryName(canonicalOutput)!, $".{Path.GetFileName(canonicalOutput)}.videoaffect-lock");

    /// <summary>Claims <paramref name="canonicalOutput"/>, or throws naming the run that holds it.</summary>
    public static OutputLock Acquire(string canonicalOutput, string what)
    {
        string path = LockPathFor(canonicalOutput);
        for (int attempt = 0; ; attempt++)
        {
            int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0b110_100_100);
            if (fd < 0)
                throw new VideoAffectException($"cannot claim {what} '{canonicalOutput}': cannot create '{path}' ({Marshal.GetLastPInvokeErrorMessage()})");
            if (flock(fd, LOCK_EX | LOCK_NB) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                string holder = ReadHolder(fd);
                if (errno != EWOULDBLOCK)
                {
                    // A file system without flock (some network mounts): run unclaimed rather than refuse to run.
                    close(fd);
                    unlink(path);
                    return new OutputLock(path, -1);
                }
                close(fd);
                throw new VideoAffectException($"{what} '{canonicalOutput}' is being written by another videoaffect run{holder}; wait for it to finish or choose another path");
            }
            // The holder before us may have unlinked the file between our open and our lock.
            var ours = FileFacts.OfDescriptor(fd);
            var there = FileFacts.OfEntry(path);
            if (there.Exists && there.Device == ours.Device && there.Inode == ours.Inode)
            {
                WriteHolder(fd);
                return new OutputLock(path, fd);
            }
            close(fd);
            if (attempt > 100) throw new VideoAffectException($"cannot claim {what} '{canonicalOutput}': its lock file keeps changing");
        }
    }

    public void Dispose()
    {
        if (_fd < 0) return;
        unlink(_path); // while still locked: see the class comment
        close(_fd);
        _fd = -1;
    }

    static void WriteHolder(int fd)
    {
        byte[] text = Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n");
        ftruncate(fd, 0);
        pwrite(fd, text, text.Length, 0);
    }

    static string ReadHolder(int fd)
    {
        var buffer = new byte[32];
        long n = pread(fd, buffer, buffer.Length, 0);
        string text = n > 0 ? Encoding.ASCII.GetString(buffer, 0, (int)n).Trim() : "";
        return int.TryParse(text, out int pid) ? $" (process {pid})" : "";
    }

    const int O_RDWR = 2, O_CREAT = 0x40, O_CLOEXEC = 0x80000, LOCK_EX = 2, LOCK_NB = 4, EWOULDBLOCK = 11;
    const string Libc = "libc";
    [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)] private static partial int open(string path, int flags, int mode);
    [LibraryImport(Libc, SetLastError = true)] private static partial int flock(int fd, int operation);
    [LibraryImport(Libc)] private static partial int close(int fd);
    [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8)] private static partial int unlink(string path);
    [LibraryImport(Libc)] private static partial int ftruncate(int fd, long length);
    [LibraryImport(Libc)] private static partial long pwrite(int fd, byte[] buffer, long count, long offset);
    [LibraryImport(Libc)] private static partial long pread(int fd, [Out] byte[] buffer, long count, long offset);
}
