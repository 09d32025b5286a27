using System.Runtime.InteropServices;
using System.Text;

namespace VideoAffect.Classification;

/// <summary>
/// What native code writes to the process's standard error while one call runs, taken instead of
/// printed. libjpeg (inside OpenCV) prints its warnings itself, and OpenCV gives no hook for them:
/// "Corrupt JPEG data: 41 extraneous bytes before marker 0xd9" reached the terminal without the
/// name of the photo it came from, so a folder's run said that one of its photos was damaged but
/// not which. File descriptor 2 is pointed at an in-memory file for the call (a lock keeps the
/// calls one at a time) and put back after it; what was written is returned, for the caller to
/// say in its own words. Meanwhile <see cref="Console.Error"/> writes to the real standard error,
/// so that what the process's other threads say through it is neither taken nor held back (a
/// service's log lines). Where the in-memory file cannot be made, the call simply runs.
/// </summary>
internal static partial class NativeStderr
{
    static readonly Lock Gate = new();

    /// <summary>Runs <paramref name="call"/>; <paramref name="written"/> is what went to standard error meanwhile ("" for nothing).</summary>
    public static T Capture<T>(Func<T> call, out string written)
    {
        written = "";
        lock (Gate)
        {
            int memory = memfd_create("videoaffect-stderr", MFD_CLOEXEC);
            if (memory < 0) return call();
            int saved = fcntl(StandardError, F_DUPFD_CLOEXEC, 3);
            if (saved < 0) { close(memory); return call(); }
            var console = Console.Error;
            console.Flush();
            var direct = new StreamWriter(new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(saved, ownsHandle: false), FileAccess.Write, bufferSize: 0),
                new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true };
            Console.SetError(direct);
            dup2(memory, StandardError);
            try { return call(); }
            finally
            {
                fflush(IntPtr.Zero); // C's stderr is unbuffered, but a library may write through stdio's other streams' buffers
                dup2(saved, StandardError);
                Console.SetError(console);
                direct.Dispose(); // not the descriptor: closed next
                close(saved);
                written = ReadAll(memory);
                close(memory);
            }
        }
    }

    static string ReadAll(int fd)
    {
        long length = lseek(fd, 0, SEEK_END);
        if (length <= 0) return "";
        var buffer = new byte[Math.Min(length, 1 << 20)]; // a decoder that warns a megabyte's worth has said enough
        long n = pread(fd, buffer, buffer.Length, 0);
        return n > 0 ? Encoding.UTF8.GetString(buffer, 0, (int)n) : "";
    }

    const int StandardError = 2, MFD_CLOEXEC = 1, F_DUPFD_CLOEXEC = 1030, SEEK_END = 2;
    const string Libc = "libc";
    [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8)] private static partial int memfd_create(string name, uint flags);
    [LibraryImport(Libc)] private static partial int fcntl(int fd, int command, int argument);
    [LibraryImport(Libc)] private static partial int dup2(int from, int to);
    [LibraryImport(Libc)] private static partial int close(int fd);
    [LibraryImport(Libc)] private static partial int fflush(IntPtr stream);
    [LibraryImport(Libc)] private static partial long lseek(int fd, long offset, int whence);
    [LibraryImport(Libc)] private static partial long pread(int fd, [Out] byte[] buffer, long count, long offset);
}
