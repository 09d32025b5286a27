namespace VideoAffect.Tests.Support;

/// <summary>
/// Small file systems made by the tests themselves: a read-only bind mount and a tiny tmpfs that
/// fills up. Mounting needs root (this project's machines run tests as root); where it is not
/// allowed, the tests that need it are skipped with the reason.
/// </summary>
sealed class Mount : IDisposable
{
    readonly string _path;

    Mount(string path) => _path = path;

    /// <summary>The folder, remounted read-only onto itself.</summary>
    public static Mount ReadOnly(string folder)
    {
        Directory.CreateDirectory(folder);
        Run("mount", "--bind", folder, folder);
        var mount = new Mount(folder);
        try { Run("mount", "-o", "remount,bind,ro", folder); }
        catch { mount.Dispose(); throw; }
        return mount;
    }

    /// <summary>A tmpfs of <paramref name="kilobytes"/> on the folder: writing more fails with "No space left on device".</summary>
    public static Mount Tiny(string folder, int kilobytes)
    {
        Directory.CreateDirectory(folder);
        Run("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k", "tmpfs", folder);
        return new Mount(folder);
    }

    static void Run(string tool, params string[] arguments)
    {
        var r = ProcessRunner.Run(tool, arguments, TimeSpan.FromSeconds(20));
        Skip.If(r.ExitCode != 0, $"cannot {tool} {string.Join(' ', arguments)} here: {r.StandardError.Trim()}");
    }

    public void Dispose() => ProcessRunner.Run("umount", ["-l", _path], TimeSpan.FromSeconds(20));
}
