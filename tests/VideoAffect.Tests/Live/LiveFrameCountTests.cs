using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// A camera that pauses or slows down (a variable frame rate: low light, motion-triggered encoders,
/// a stalled RTSP session that resumes) gets every picture it sent once, and no picture it did not
/// send. Before 0.18 the live decoder's raw output ran at a constant rate and filled a pause with
/// copies of the last frame, each detected, classified and recorded as a moment of its own.
/// </summary>
public class LiveFrameCountTests
{
    [Fact]
    public void A_camera_that_pauses_gets_its_own_frames_and_no_copies()
    {
        using var dir = TestPaths.NewTempFolder();
        string even = Clips.MovingFace(dir.File("even.mp4"), 20, audio: false);
        // The same 20 frames with a 1.5 s pause before frame 10.
        string paused = dir.File("paused.mp4");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", even, "-vf", "setpts=N/15/TB+gte(N\\,10)*1.5/TB",
            "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", paused);
        int sent = Clips.CountFrames(paused);
        Assert.Equal(20, sent);

        var run = ProcessRunner.Cli(["monitor", $"cam={paused}", "--backend", "cpu", "--no-tracking", "--records", dir.File("records"), "--json"]);
        Assert.True(run.ExitCode == 0, run.StandardError);
        var stream = JsonDocument.Parse(run.StandardOutput).RootElement.GetProperty("streams")[0];
        Assert.Equal(sent, stream.GetProperty("frames").GetInt32()); // was 42: 22 copies filled the pause
        var records = File.ReadAllLines(Path.Combine(dir.File("records"), "cam.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(records, r => Assert.InRange(r.GetProperty("frame").GetInt32(), 0, sent - 1));
        // The pause is in the records' capture times, once (ffmpeg playing a file in real time hands
        // a frame over when it reads the next one's packet: the gap shows a frame early).
        var times = records.GroupBy(r => r.GetProperty("frame").GetInt32()).OrderBy(g => g.Key).Select(g => g.First().GetProperty("time").GetDouble()).ToList();
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
        Assert.Single(gaps, g => g > 1.2);
    }
}
