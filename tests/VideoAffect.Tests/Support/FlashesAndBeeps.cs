using System.Diagnostics;
using System.Globalization;

namespace VideoAffect.Tests.Support;

/// <summary>
/// Test material for sound kept in step with pictures: a black clip that flashes white and beeps
/// (1 kHz) at the same moments, every 1.5 s for 0.2 s, and the moments each is found again in a
/// file, read by ffmpeg and ffprobe alone (the frames' times as ffprobe gives them, the sound's by
/// its samples from its track's start time).
/// </summary>
static class FlashesAndBeeps
{
    public const double Every = 1.5;
    const string Lit = "lt(mod(t\\,1.5)\\,0.2)";

    /// <summary>The clip, 320x240 at <paramref name="fps"/>, as an MP4 with AAC sound, or (<paramref name="separateSound"/>) an MP4 of its pictures alone and a WAV of its sound.</summary>
    /// <param name="bFrames">whether x264 may use B-frames (a file's usual encoding; cameras send none)</param>
    public static (string Video, string? Sound) Make(string folder, int fps, double seconds, bool bFrames, bool separateSound = false)
    {
        string video = Path.Combine(folder, $"flashes-{fps}.mp4");
        string d = seconds.ToString(CultureInfo.InvariantCulture);
        var args = new List<string>
        {
            "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", $"color=c=black:s=320x240:r={fps}:d={d}",
            "-f", "lavfi", "-i", $"aevalsrc='if({Lit}\\,0.5*sin(2*PI*1000*t)\\,0)':s=44100:d={d}",
            "-vf", $"drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='{Lit}'",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", fps.ToString(CultureInfo.InvariantCulture), "-pix_fmt", "yuv420p",
            // ultrafast has no B-frames: a file's usual encoding has them (the preset's default, 3).
            "-bf", bFrames ? "3" : "0",
        };
        if (!separateSound) args.AddRange(["-map", "0:v", "-map", "1:a", "-c:a", "aac", "-shortest", video]);
        else args.AddRange(["-map", "0:v", video, "-map", "1:a", "-c:a", "pcm_s16le", Path.ChangeExtension(video, ".wav")]);
        ProcessRunner.Tool("ffmpeg", args.ToArray());
        return (video, separateSound ? Path.ChangeExtension(video, ".wav") : null);
    }

    /// <summary>When each flash starts: the time of the first bright frame after a dark one.</summary>
    public static List<double> Flashes(string path)
    {
        var times = Clips.FrameTimes(path);
        var pixels = Decode(path, "-map", "0:v:0", "-fps_mode", "passthrough", "-vf", "scale=8:8", "-pix_fmt", "gray", "-f", "rawvideo");
        Assert.Equal(times.Length * 64, pixels.Length);
        var found = new List<double>();
        bool wasLit = false;
        for (int i = 0; i < times.Length; i++)
        {
            bool lit = pixels.AsSpan(i * 64, 64).ToArray().Average(b => b) > 128;
            if (lit && !wasLit && times[i] is { } t) found.Add(t);
            wasLit = lit;
        }
        return found;
    }

    /// <summary>When each beep starts: the first loud sample after 0.5 s of quiet, from the track's start time.</summary>
    public static List<double> Beeps(string path)
    {
        const int rate = 8000;
        var pcm = Decode(path, "-map", "0:a:0", "-ac", "1", "-ar", rate.ToString(CultureInfo.InvariantCulture), "-f", "s16le");
        // MPEG-TS lists the stream again under its program: the first line.
        string startTime = ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=start_time", "-of", "csv=p=0", path)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        double start = double.TryParse(startTime, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) ? s : 0;
        var found = new List<double>();
        int lastLoud = -rate;
        for (int i = 0; i + 1 < pcm.Length; i += 2)
        {
            int sample = Math.Abs((short)(pcm[i] | pcm[i + 1] << 8));
            if (sample < 3000) continue;
            int n = i / 2;
            if (n - lastLoud > rate / 2) found.Add(start + n / (double)rate);
            lastLoud = n;
        }
        return found;
    }

    /// <summary>
    /// Each flash with the beep nearest it, as (flash, beep - flash); flashes in the first and last
    /// half second are left out (the sound starts where the first frame's capture was and ends
    /// where the last frame's was: a beep under way then is cut).
    /// </summary>
    public static List<(double Flash, double Offset)> Pairs(string path)
    {
        var beeps = Beeps(path);
        var times = Clips.FrameTimes(path).OfType<double>().ToList();
        double first = times.Min(), last = times.Max();
        return Flashes(path).Where(f => f > first + 0.5 && f < last - 0.5 && beeps.Count > 0).Select(f => (f, beeps.MinBy(b => Math.Abs(b - f)) - f)).ToList();
    }

    static byte[] Decode(string path, params string[] output)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-i", path }.Concat(output).Append("-")) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        using var bytes = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(bytes);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, errors.Result);
        return bytes.ToArray();
    }
}
