using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Reliability;

/// <summary>
/// An input at the edge (see <see cref="ExtremeInputTests"/>): an 8K video, analysed with every
/// frame accounted for. Three 8K frames are ~30 s of CPU and no timing, so it is a job for the live
/// tests' idle time (<see cref="IdleTime"/>).
/// </summary>
[Collection(IdleTimeCollection.Name)]
public class EightKVideoTests
{
    [Fact]
    public Task An_8K_video_is_analysed_frame_for_frame_with_bounded_queues() => IdleTime.Run(AnalyzeAnEightKVideo);

    /// <summary>The test's work and checks, a job run in the live tests' idle time.</summary>
    internal static void AnalyzeAnEightKVideo()
    {
        using var dir = TestPaths.NewTempFolder();
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-loop", "1", "-i", TestPaths.Photo("astronaut.png"),
            "-vf", "scale=7680:4320,setsar=1,format=yuv420p", "-frames:v", "3", "-r", "10", "-c:v", "libx264", "-preset", "ultrafast", dir.File("8k.mp4"));
        var r = ExtremeInputTests.Analyze(dir, dir.File("8k.mp4"), timeoutSeconds: 300);
        ExtremeInputTests.AssertCompleteWithEveryFrame(dir, r, 3);
        Assert.Equal(3, File.ReadAllLines(dir.File("out.jsonl")).Length); // the astronaut, 8K-sized, on each frame
    }
}
