using System.Runtime.InteropServices;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// The Debian packages the tool needs, checked before a command starts: one line per missing
/// package, with the name to install, instead of a failure deep inside ffmpeg or OpenCV.
/// </summary>
static class SystemPackages
{
    /// <param name="ffmpeg">the command runs ffmpeg and ffprobe (video in or out)</param>
    /// <param name="cascadePath">the Haar cascade the command will load</param>
    public static void Require(bool ffmpeg, string cascadePath)
    {
        var missing = new List<string>();
        if (ffmpeg && (!OnPath("ffmpeg") || !OnPath("ffprobe")))
            missing.Add("ffmpeg and ffprobe are not installed (Debian package: ffmpeg)");
        if (cascadePath == new Detection.DetectorOptions().CascadePath && !File.Exists(cascadePath))
            missing.Add($"OpenCV's Haar cascades are not installed ({cascadePath} is missing; Debian package: opencv-data)");
        // Left loaded when present: OpenCV's library, loaded next by most commands, needs it, and
        // loading GTK's ~100 libraries a second time after a free cost ~50 ms of every run.
        if (!NativeLibrary.TryLoad("libgtk-3.so.0", out _))
            missing.Add("GTK 3, which OpenCV's native library links, is not installed (Debian package: libgtk-3-0)");
        if (missing.Count > 0) throw new VideoAffectException(string.Join('\n', missing));
    }

    static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
}
