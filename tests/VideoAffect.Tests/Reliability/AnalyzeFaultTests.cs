using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Reliability;

/// <summary>
/// `analyze` interrupted from outside, through the real CLI: SIGTERM part-way, and its ffmpeg
/// decoder killed part-way. Either way the frames done are kept in a playable MP4 and whole record
/// lines, both still named .partial, and no ffmpeg process is left behind.
/// </summary>
[Collection(Live.LiveCollection.Name)] // timing: the signal must land mid-run
public class AnalyzeFaultTests
{
    /// <summary>Long enough that a stop two seconds in always falls mid-run (the pipeline does 60-80 fps at 480x360 here).</summary>
    const int Frames = 900;

    static (TempFolder Dir, string Input) LongClip()
    {
        var dir = TestPaths.NewTempFolder();
        // No audio: the encoder would otherwise read the input too, and only the decoder is to die.
        return (dir, Clips.MovingFace(dir.File("long.mp4"), Frames, fps: 15, width: 480, height: 360, audio: false));
    }

    static void AssertKeptWhatWasDone(TempFolder dir, string input)
    {
        Assert.False(File.Exists(dir.File("out.mp4")), "an interrupted run must not look complete");
        int frames = Clips.CountFrames(dir.File("out.partial.mp4"));
        Assert.InRange(frames, 1, Frames - 1);
        var records = File.ReadAllLines(dir.File("out.partial.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.NotEmpty(records);
        Assert.True(records.Max(r => r.GetProperty("frame").GetInt32()) < frames, "every record's frame is in the kept video");
        var left = ProcessRunner.Run("pgrep", ["-f", input], TimeSpan.FromSeconds(5));
        Assert.True(left.StandardOutput.Trim() == "", $"processes still using the input: {left.StandardOutput}");
    }

    [Fact]
    public async Task SIGTERM_keeps_a_playable_partial_video_and_whole_records()
    {
        var (dir, input) = LongClip();
        using var _ = dir;
        using var cli = new RunningCli(["analyze", input, "-o", dir.File("out.mp4"), "--backend", "cpu"]);
        await cli.WaitForAsync("backend cpu", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var (exitCode, output) = cli.Terminate(TimeSpan.FromSeconds(30));
        Assert.Equal(130, exitCode);
        Assert.Contains("cancelled", output);
        AssertKeptWhatWasDone(dir, input);
    }

    [Fact]
    public async Task Ctrl_C_to_the_whole_process_group_is_a_cancellation_that_keeps_every_frame_done()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("long.mp4"), Frames, fps: 15, width: 480, height: 360, audio: true);
        using var cli = new RunningCli(["analyze", input, "-o", dir.File("out.mp4"), "--backend", "cpu"], ownProcessGroup: true);
        await cli.WaitForAsync("backend cpu", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var (exitCode, output) = cli.InterruptGroup(TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 130, $"exit {exitCode}: {cli.StandardError}");
        // The summary's count is the partial video's: the ffmpeg children were not cut short.
        var counted = System.Text.RegularExpressions.Regex.Match(output, @"cancelled: (\d+)/(\d+) frames");
        Assert.True(counted.Success, output);
        int written = int.Parse(counted.Groups[1].Value);
        Assert.Equal(written, Clips.CountFrames(dir.File("out.partial.mp4")));
        Assert.Equal(int.Parse(counted.Groups[2].Value), written);
        // The decoder, stopped by this side, fails to write to the closed pipe: that is no damage to the video.
        Assert.DoesNotContain("damaged", output);
        AssertKeptWhatWasDone(dir, input);
        // The copied audio ends with the kept video, not with the source.
        var durations = ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "stream=codec_type,duration", "-of", "csv=p=0", dir.File("out.partial.mp4"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(',')).ToDictionary(f => f[0], f => double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(durations["audio"], durations["video"] - 0.2, durations["video"] + 0.1);
    }

    [Fact]
    public async Task A_killed_decoder_is_a_clear_error_and_keeps_the_partial_output()
    {
        var (dir, input) = LongClip();
        using var _ = dir;
        using var cli = new RunningCli(["analyze", input, "-o", dir.File("out.mp4"), "--backend", "cpu"]);
        await cli.WaitForAsync("backend cpu", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2));
        // The decoder is the ffmpeg turning the input into raw frames (the encoder reads the input
        // too, for its tags and chapters); SIGKILL, as the OOM killer would.
        var decoder = ProcessRunner.Run("pgrep", ["-f", $"ffmpeg.*-i {input}.*-c:v rawvideo"], TimeSpan.FromSeconds(5)).StandardOutput.Trim();
        Assert.DoesNotContain('\n', decoder);
        Assert.False(decoder == "", $"no decoder found: {cli.StandardError}");
        ProcessRunner.Run("kill", ["-KILL", .. decoder.Split('\n')], TimeSpan.FromSeconds(5));
        var (exitCode, _) = cli.WaitForExit(TimeSpan.FromSeconds(30), "the decoder's death");
        Assert.Equal(2, exitCode);
        var error = Assert.Single(cli.StandardError.Split('\n'), l => l.StartsWith("videoaffect: error:"));
        Assert.Contains("decoding", error);
        Assert.Contains("out.partial.mp4", error);
        Assert.DoesNotContain("   at ", cli.StandardError);
        AssertKeptWhatWasDone(dir, input);
    }
}
