using FFMpegCore;

namespace VideoAffect.Media;

/// <summary>
/// How the ffmpeg and ffprobe children are started, so that a stop is ours to make:
/// <list type="bullet">
/// <item>Each child runs in a session of its own (setsid). A terminal's Ctrl-C goes to the whole
/// foreground process group; children in it would die at once, before the frames already decoded
/// reach the encoder, and the run would end as a failure. In their own session only we stop them,
/// after the pipeline has drained. (They still end by themselves if we die: their pipes close.)</item>
/// <item>The pipes FFMpegCore creates (Unix sockets, CoreFxPipe_*) go into a folder of this
/// process's own under the user's cache, and folders left by processes that were killed are removed
/// at the next start, so a SIGKILL leaves no socket behind in /tmp for long.</item>
/// </list>
/// FFMpegCore runs "ffmpeg" and "ffprobe" from one folder, so the folder given to it holds two
/// small scripts that exec the real programs under setsid.
/// </summary>
internal static class FfmpegProcesses
{
    static readonly object Gate = new();
    static string? _runFolder;

    /// <summary>Sets both up for this process; call once at start. Without setsid or ffmpeg on PATH it changes nothing.</summary>
    public static void Isolate()
    {
        lock (Gate)
        {
            if (_runFolder is not null || !OperatingSystem.IsLinux()) return;
            string root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "videoaffect");
            try
            {
                string? setsid = FindOnPath("setsid"), ffmpeg = FindOnPath("ffmpeg"), ffprobe = FindOnPath("ffprobe");
                if (setsid is not null && ffmpeg is not null && ffprobe is not null)
                {
                    string bin = Path.Combine(root, "bin");
                    Directory.CreateDirectory(bin);
                    WriteScript(Path.Combine(bin, "ffmpeg"), setsid, ffmpeg);
                    WriteScript(Path.Combine(bin, "ffprobe"), setsid, ffprobe);
                    GlobalFFOptions.Configure(o => o.BinaryFolder = bin);
                    SkipVersionCheck(Path.Combine(bin, "ffmpeg"));
                }
                _runFolder = PipeFolder(Path.Combine(root, "run"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _runFolder = ""; // a read-only home: run as before, with the system's temporary folder
            }
        }
    }

    /// <summary>
    /// Tells FFMpegCore that <paramref name="ffmpeg"/> was checked, as its own check would record it
    /// after running <c>ffmpeg -version</c>: an ffmpeg start (~0.1 s of CPU, 215 shared libraries
    /// to link) in every run, for what the scripts just written and the found ffmpeg already show.
    /// A broken ffmpeg still fails the run, as the decoder's or encoder's own error. FFMpegCore
    /// offers no option for it, so this writes its private cache (FFMpegHelper._verifiedBinaries,
    /// FFMpegCore 6); should a later version move it, nothing is written and its check runs again.
    /// </summary>
    static void SkipVersionCheck(string ffmpeg)
    {
        var cache = typeof(GlobalFFOptions).Assembly.GetType("FFMpegCore.Helpers.FFMpegHelper")
            ?.GetField("_verifiedBinaries", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)
            ?.GetValue(null) as System.Collections.Concurrent.ConcurrentDictionary<string, bool>;
        cache?.TryAdd(ffmpeg, true);
    }

    /// <summary>
    /// A new file name for a run's own scratch file (a part's cut subtitles) in this process's run
    /// folder, removed with it (and, after a kill, at the next start), or in the system's temporary
    /// folder without one: never beside a user's files, where a name could be one of theirs.
    /// </summary>
    public static string ScratchFile(string extension)
    {
        lock (Gate)
        {
            string folder = string.IsNullOrEmpty(_runFolder) ? Path.GetTempPath() : _runFolder;
            return Path.Combine(folder, $"videoaffect-{Guid.NewGuid():N}{extension}");
        }
    }

    static readonly object FirstStart = new();
    static volatile bool _started;

    /// <summary>
    /// Runs an ffmpeg command as <c>ProcessAsynchronously(throwOnError: false)</c> does, but lets
    /// the process's first command start alone. Before a process's first command FFMpegCore checks
    /// that ffmpeg starts (<c>ffmpeg -version</c>, synchronously, before the call returns its task,
    /// and kept once it passed); the decoder and the encoder start together, so each ran that check:
    /// an extra ffmpeg start of ~0.1 s CPU, a tenth of a short run's work. Should a later FFMpegCore
    /// check after its first await, both commands would run the check again: slower, never wrong.
    /// </summary>
    public static Task<FFMpegResult> RunAsync(this FFMpegArgumentProcessor command)
    {
        if (_started) return command.ProcessAsynchronously(throwOnError: false);
        lock (FirstStart)
        {
            var run = command.ProcessAsynchronously(throwOnError: false);
            _started = true;
            return run;
        }
    }

    /// <summary>Removes this process's pipe folder; call at exit.</summary>
    public static void Release()
    {
        lock (Gate)
        {
            if (string.IsNullOrEmpty(_runFolder)) return;
            try { Directory.Delete(_runFolder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    static string PipeFolder(string runs)
    {
        Directory.CreateDirectory(runs);
        foreach (string dir in Directory.GetDirectories(runs))
            if (int.TryParse(Path.GetFileName(dir), out int pid) && !Directory.Exists($"/proc/{pid}"))
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        string mine = Path.Combine(runs, Environment.ProcessId.ToString());
        // A Unix socket path holds at most 107 bytes; FFMpegCore's names take about 60 of them.
        if (mine.Length > 44) return "";
        Directory.CreateDirectory(mine, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Environment.SetEnvironmentVariable("TMPDIR", mine + "/");
        return mine;
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    static void WriteScript(string path, string setsid, string program)
    {
        string text = $"#!/bin/sh\n# Written by VideoAffect: runs {program} in a session of its own (see FfmpegProcesses).\nexec {setsid} -w {program} \"$@\"\n";
        if (File.Exists(path) && File.ReadAllText(path) == text) return;
        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, text);
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.Move(temporary, path, overwrite: true);
    }

    static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(p => File.Exists(p) && !p.StartsWith(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "videoaffect")));
}
