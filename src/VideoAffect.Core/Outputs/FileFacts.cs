using System.Runtime.InteropServices;

namespace VideoAffect.Outputs;

/// <summary>What kind of thing a path names, as lstat/stat see it.</summary>
internal enum FileKind { Missing, Regular, Directory, CharacterDevice, BlockDevice, Fifo, Socket, SymbolicLink }

/// <summary>A file's identity (device and inode numbers) and kind; two paths name one file when their identities are equal.</summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, FileKind Kind)
{
    public bool Exists => Kind != FileKind.Missing;
}

/// <summary>
/// The few POSIX facts .NET does not expose: a file's kind (is it a device?), its identity (is it the
/// same file as another path, through links?) and its canonical path. Linux only, like the project.
/// </summary>
internal static partial class FileFacts
{
    /// <summary>The file a path leads to, following symbolic links (stat).</summary>
    public static FileIdentity Of(string path) => Stat(path, followLinks: true);

    /// <summary>The directory entry itself, not following a final symbolic link (lstat).</summary>
    public static FileIdentity OfEntry(string path) => Stat(path, followLinks: false);

    /// <summary>Absolute path with every symbolic link and "..", resolved for the longest part that exists.</summary>
    public static string Canonical(string path) => Canonical(path, hops: 0);

    /// <summary>How many symbolic links are followed before a chain is taken for a loop (Linux's own limit).</summary>
    const int MostLinksFollowed = 40;

    static string Canonical(string path, int hops)
    {
        string full = Path.GetFullPath(path);
        if (RealPath(full) is { } real) return real;
        // A symbolic link to a file that does not exist yet leads where a shell's `>` would write:
        // the file it names (so the link is kept, as for a link to an existing file). A loop stays
        // the link itself, which is never written over (OutputSet refuses it).
        if (hops < MostLinksFollowed && OfEntry(full).Kind == FileKind.SymbolicLink && new FileInfo(full).LinkTarget is { Length: > 0 } target)
            return Canonical(Path.Combine(Path.GetDirectoryName(full)!, target), hops + 1);
        // Not there (yet): canonicalise the folder and keep the name.
        string? dir = Path.GetDirectoryName(full);
        return dir is null ? full : Path.Combine(Canonical(dir, hops), Path.GetFileName(full));
    }

    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Fifo => "a named pipe (FIFO)",
        FileKind.Socket => "a socket",
        FileKind.Directory => "a folder",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Missing => "missing",
        _ => "a regular file",
    };

    static FileIdentity Stat(string path, bool followLinks)
    {
        var buffer = new byte[256]; // struct stat is 144 bytes on x86-64, 128 on arm64
        int rc = followLinks ? stat(path, buffer) : lstat(path, buffer);
        return rc != 0 ? new FileIdentity(0, 0, FileKind.Missing) : Decode(buffer);
    }

    internal static FileIdentity Decode(ReadOnlySpan<byte> st)
    {
        ulong device = BitConverter.ToUInt64(st[..8]);
        ulong inode = BitConverter.ToUInt64(st[8..16]);
        // st_mode follows st_nlink (8 bytes) on x86-64; on arm64's generic layout it comes first (st_nlink is 4 bytes after it).
        int modeOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        uint mode = BitConverter.ToUInt32(st[modeOffset..(modeOffset + 4)]);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            0xA000 => FileKind.SymbolicLink,
            _ => FileKind.Regular,
        };
        return new FileIdentity(device, inode, kind);
    }

    /// <summary>
    /// Whether a path leads to a terminal (a console, a serial line, an ssh or terminal window's
    /// pseudo-terminal), told by its device number alone: opening a device to ask it can act on it
    /// (a watchdog starts counting, a tape rewinds on close), so nothing is opened here.
    /// </summary>
    public static bool IsTerminal(string path)
    {
        var buffer = new byte[256];
        if (stat(path, buffer) != 0 || Decode(buffer).Kind != FileKind.CharacterDevice) return false;
        // st_rdev follows st_uid, st_gid and padding on x86-64; on arm64's generic layout it follows st_gid.
        int rdevOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 40 : 32;
        ulong rdev = BitConverter.ToUInt64(buffer.AsSpan(rdevOffset, 8));
        ulong major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffUL);
        // Linux's devices.txt: 4 the virtual consoles and serial ports, 5 /dev/tty and /dev/console,
        // 136-143 the pseudo-terminals (/dev/pts/N).
        return major is 4 or 5 or (>= 136 and <= 143);
    }

    static string? RealPath(string path)
    {
        IntPtr resolved = realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return null;
        try { return Marshal.PtrToStringUTF8(resolved); }
        finally { free(resolved); }
    }

    internal static FileIdentity OfDescriptor(int fd)
    {
        var buffer = new byte[256];
        return fstat(fd, buffer) != 0 ? new FileIdentity(0, 0, FileKind.Missing) : Decode(buffer);
    }

    const string Libc = "libc";
    [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8)] private static partial int stat(string path, [Out] byte[] buffer);
    [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8)] private static partial int lstat(string path, [Out] byte[] buffer);
    [LibraryImport(Libc)] private static partial int fstat(int fd, [Out] byte[] buffer);
    [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8)] private static partial IntPtr realpath(string path, IntPtr resolved);
    [LibraryImport(Libc)] private static partial void free(IntPtr pointer);
}
