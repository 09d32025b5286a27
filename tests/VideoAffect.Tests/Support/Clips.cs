using System.Globalization;

namespace VideoAffect.Tests.Support;

/// <summary>Test clips made with ffmpeg from the setup's real photos, so frame counts and rates are known.</summary>
static class Clips
{
    /// <summary>One picture as an endless 25 fps stream.</summary>
    const string Repeated = "loop=loop=-1:size=1:start=0,setpts=N/(25*TB)";

    /// <summary>
    /// The astronaut's face sliding over a blurred face-free background; optional sine audio. Each
    /// clip is encoded once per test run and copied to <paramref name="path"/> after that: the suite
    /// asks for ~180 clips of ~40 kinds, and each encoding is an ffmpeg start and an x264 run.
    /// </summary>
    public static string MovingFace(string path, int frames, int fps = 15, int width = 480, int height = 360, bool audio = true)
    {
        string kind = FormattableString.Invariant($"{frames}f-{fps}fps-{width}x{height}-{(audio ? "audio" : "mute")}{Path.GetExtension(path).ToLowerInvariant()}");
        string made = Made.GetOrAdd(kind, k => new Lazy<string>(() => EncodeMovingFace(Path.Combine(CacheFolder.Value, k), frames, fps, width, height, audio))).Value;
        File.Copy(made, path, overwrite: true);
        return path;
    }

    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<string>> Made = new();

    /// <summary>This test process's clips, removed when it exits.</summary>
    static readonly Lazy<string> CacheFolder = new(() =>
    {
        string root = Path.Combine(Path.GetTempPath(), "videoaffect-tests");
        string folder = Path.Combine(root, $"clips-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        // Those of killed test processes go too.
        foreach (string stale in Directory.GetDirectories(root, "clips-*"))
            if (int.TryParse(Path.GetFileName(stale)["clips-".Length..], out int pid) && !Directory.Exists($"/proc/{pid}"))
                try { Directory.Delete(stale, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return folder;
    });

    static string EncodeMovingFace(string path, int frames, int fps, int width, int height, bool audio)
    {
        double seconds = (double)frames / fps;
        var args = new List<string>
        {
            "-nostdin", "-v", "error", "-y",
            "-i", TestPaths.Photo("coffee.png"),
            "-i", TestPaths.Photo("astronaut.png"),
        };
        if (audio) args.AddRange(["-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100"]);
        int face = height * 3 / 4;
        args.AddRange([
            "-filter_complex",
            // Each photo is decoded, scaled and blurred once and its frame repeated at 25 fps (what
            // `-loop 1` on the input gave, decoding and blurring every frame again: 9 times slower
            // for a 900-frame clip, the same bytes out).
            $"[0:v]scale={width}:{height},setsar=1,boxblur=3,{Repeated}[bg];[1:v]scale={face}:{face},{Repeated}[fg];"
                + $"[bg][fg]overlay=x='{(width - face) / 2}+{(width - face) / 3}*sin(2*PI*t/2)':y=0,format=yuv420p[v]",
            "-map", "[v]",
        ]);
        if (audio) args.AddRange(["-map", "2:a", "-c:a", "aac"]);
        args.AddRange(["-frames:v", frames.ToString(CultureInfo.InvariantCulture), "-t", seconds.ToString("R", CultureInfo.InvariantCulture),
            "-r", fps.ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "ultrafast", path]);
        ProcessRunner.Tool("ffmpeg", args.ToArray());
        return path;
    }

    /// <summary>
    /// The setup's sample clip (a real face, 640x480 at 30 fps, 10 s) cut to its first
    /// <paramref name="seconds"/> without re-encoding (to the packet: 2 s gives 62 frames). Tests that
    /// need a real video but not all ten seconds of it: a whole clip's analysis costs ~15 CPU-s here.
    /// </summary>
    public static string SampleStart(string path, int seconds)
    {
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", TestPaths.SampleClip, "-t", seconds.ToString(CultureInfo.InvariantCulture), "-c", "copy", path);
        return path;
    }

    /// <summary>
    /// <paramref name="seconds"/> of the setup's sample clip from <paramref name="start"/>, re-encoded
    /// (x264 at CRF 18, sound copied) so that the cut starts where asked: the clip has keyframes at 0
    /// and 8.3 s only, and a copy from 6 s would start at 0. For tests that need a stretch from the
    /// middle of the real video (its few sad frames are at 7 s), not the ~15 CPU-s of all ten seconds.
    /// </summary>
    public static string SampleCut(string path, double start, double seconds)
    {
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-ss", start.ToString("R", CultureInfo.InvariantCulture), "-i", TestPaths.SampleClip,
            "-t", seconds.ToString("R", CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-c:a", "copy", path);
        return path;
    }

    /// <summary>Frames ffprobe counts by decoding the whole stream (not the header's claim).</summary>
    public static int CountFrames(string path) =>
        // MPEG-TS prints the stream once per program as well: the first line is the stream's
        // (with an empty column after it where the stream has side data, as MPEG-2's).
        int.Parse(ProcessRunner.Tool("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path).Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].Trim().TrimEnd(','), CultureInfo.InvariantCulture);

    public static string StreamTypes(string path) =>
        ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", path).Replace("\n", " ").Trim();

    /// <summary>Each frame's presentation time as ffprobe's decoder gives it (best_effort_timestamp); null where it has none.</summary>
    public static double?[] FrameTimes(string path) =>
        ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp_time", "-of", "csv=p=0", path)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim().TrimEnd(','))
            .Select(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : (double?)null)
            .ToArray();
}
