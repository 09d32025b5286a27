using System.Globalization;
using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// `analyze --start S --end E` takes exactly the frames whose own times fall in [S, E) after the
/// video's start (ffprobe's frame times are the reference), gives each the record a run over the
/// whole video gives it at that time, writes an annotated video of those frames that starts at 0,
/// and keeps the audio with its pictures. MP4 with a keyframe every 7 frames (ffmpeg seeks to the
/// one before the start; the frames before the start are dropped), and MPEG-TS with a single
/// keyframe at 1.4 s (ffmpeg 5.1's seek lands past the start there: decoded again from the top).
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class AnalyzePartTests
{
    // A start past 5 s: the audio is then read from a seek too (from 5 s before the part).
    const double Start = 6, End = 8.5, BeepAt = 7, BeepLength = 0.5;

    static string Clip(TempFolder dir, string container)
    {
        string face = Clips.MovingFace(dir.File("face.mp4"), frames: 150, fps: 15, audio: false); // 10 s
        string path = dir.File($"clip.{container}");
        // A beep at 7.0-7.5 s of silence: where it lands in the part's video shows the audio's alignment.
        string[] video = container == "mp4" ? ["-c:v", "libx264", "-preset", "ultrafast", "-g", "7"] : ["-c:v", "copy"];
        ProcessRunner.Tool("ffmpeg", ["-nostdin", "-v", "error", "-y", "-i", face, "-f", "lavfi", "-i",
            $"aevalsrc='if(between(t,{BeepAt},{BeepAt + BeepLength}),0.5*sin(2*PI*1000*t),0)':s=48000:d=10",
            "-map", "0:v", "-map", "1:a", "-c:a", "aac", "-shortest", .. video, path]);
        return path;
    }

    static List<JsonElement> Records(string path) =>
        File.ReadLines(path).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    static double Number(string text) => double.Parse(text.Trim().TrimEnd(','), CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("mp4")]
    [InlineData("ts")]
    public void A_part_has_exactly_its_frames_with_the_whole_runs_records_and_its_audio(string container)
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clip(dir, container);
        var whole = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("whole.mp4"), "--backend", "cpu"]);
        Assert.True(whole.ExitCode == 0, whole.StandardError);
        var part = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("part.mp4"), "--start", $"{Start}", "--end", $"{End}", "--backend", "cpu", "--json"]);
        Assert.True(part.ExitCode == 0, part.StandardError);
        Assert.Contains("part 6 s to 8.5 s", part.StandardError);

        // The frames: ffprobe's, from the container's start time on.
        double origin = Number(ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "format=start_time", "-of", "csv=p=0", clip));
        if (container == "ts") Assert.InRange(origin, 1.3, 1.5);
        var expected = Clips.FrameTimes(clip).Select(t => t!.Value).Where(t => t >= origin + Start - 1e-6 && t < origin + End - 1e-6).ToList();
        Assert.InRange(expected.Count, 37, 38); // 2.5 s at 15 fps
        var records = Records(dir.File("part.jsonl"));
        var times = records.Select(r => r.GetProperty("time").GetDouble()).Distinct().ToList();
        Assert.Equal(expected.Select(t => Math.Round(t, 6)), times.Select(t => Math.Round(t, 6)));
        Assert.Equal(Enumerable.Range(0, expected.Count), records.Select(r => r.GetProperty("frame").GetInt32()).Distinct());
        using var summary = JsonDocument.Parse(part.StandardOutput);
        Assert.Equal(expected.Count, summary.RootElement.GetProperty("frames_decoded").GetInt32());
        Assert.Equal(End - Start, summary.RootElement.GetProperty("video_seconds").GetDouble(), tolerance: 1e-3);
        // ffmpeg, stopped at the part's end, fails to write to the closed pipe: that is no damage to the video.
        Assert.False(summary.RootElement.TryGetProperty("decode_errors", out var errors) && errors.GetInt64() > 0, $"decode errors: {part.StandardOutput}");
        Assert.DoesNotContain("damaged", part.StandardError);

        // Each detected face as the whole run saw it at the same time.
        var wholeByTime = Records(dir.File("whole.jsonl")).ToLookup(r => Math.Round(r.GetProperty("time").GetDouble(), 6));
        int compared = 0;
        foreach (var r in records.Where(r => r.GetProperty("detected").GetBoolean()))
        {
            var same = wholeByTime[Math.Round(r.GetProperty("time").GetDouble(), 6)].Single(w => w.GetProperty("box").ToString() == r.GetProperty("box").ToString());
            foreach (var p in r.GetProperty("probabilities").EnumerateObject())
                Assert.Equal(same.GetProperty("probabilities").GetProperty(p.Name).GetDouble(), p.Value.GetDouble(), tolerance: 1e-4);
            compared++;
        }
        Assert.True(compared >= expected.Count - 2, $"{compared} detected faces compared");

        // The part's video: its frames from 0 (the first one at its offset from the part's start), and the beep 1 s in.
        Assert.Equal(expected.Count, Clips.CountFrames(dir.File("part.mp4")));
        double videoStart = Number(ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=start_time", "-of", "csv=p=0", dir.File("part.mp4")));
        Assert.Equal(expected[0] - origin - Start, videoStart, tolerance: 1e-3);
        var silence = ProcessRunner.Run("ffmpeg", ["-nostdin", "-i", dir.File("part.mp4"), "-af", "silencedetect=n=-30dB:d=0.2", "-f", "null", "-"], TimeSpan.FromSeconds(60)).StandardError;
        double beepStart = Number(silence.Split("silence_end: ")[1].Split(' ')[0]);
        double beepEnd = Number(silence.Split("silence_start: ")[2].Split('\n')[0]);
        // In the source the beep is 7 s after the video's own start; in the part, 1 s after the part's.
        double sourceVideoStart = Clips.FrameTimes(clip)[0]!.Value - origin;
        Assert.Equal(BeepAt - Start + sourceVideoStart, beepStart, 0.03);
        Assert.Equal(BeepAt + BeepLength - Start + sourceVideoStart, beepEnd, 0.03);
        double audioLength = Number(ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=duration", "-of", "csv=p=0", dir.File("part.mp4")));
        Assert.Equal(End - Start, audioLength, 0.05);
    }

    [Theory]
    [InlineData("--start 20", "--start 20 s is past the end of")]
    [InlineData("--start 3 --end 2", "--end (2 s) must come after --start (3 s)")]
    [InlineData("--end 0", "--end (0 s) must come after --start (0 s)")]
    [InlineData("--start 5.99 --end 5.995", "has no video frames in the part asked for")]
    public void A_part_that_cannot_be_analysed_is_one_line(string range, string expected)
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("face.mp4"), frames: 90, fps: 15, audio: false);
        var r = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("out.mp4"), "--backend", "cpu", .. range.Split(' ')], timeoutSeconds: 60);
        Assert.Equal(2, r.ExitCode);
        var errors = r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("videoaffect:", StringComparison.Ordinal)).ToList();
        Assert.Contains(expected, Assert.Single(errors));
        Assert.False(File.Exists(dir.File("out.mp4")));
    }
}
