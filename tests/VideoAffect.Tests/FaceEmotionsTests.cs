using System.Diagnostics;
using System.Text;
using VideoAffect.Pipeline;
using VideoAffect.Records;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>The library's front door: frames as an async stream, the same records as `analyze`, the caller's pace, an early exit that stops the run.</summary>
public class FaceEmotionsTests
{
    static readonly RecognitionOptions Cpu = new() { Backend = "cpu" };

    [Fact]
    public async Task A_file_gives_every_frame_in_order_with_analyzes_records()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 30, fps: 15, audio: false);
        var frames = new List<FrameRecord>();
        await foreach (var frame in FaceEmotions.FromFileAsync(clip, Cpu))
        {
            frames.Add(frame);
            await Task.Delay(10); // a slow caller: the pipeline waits, nothing is dropped
        }
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), frames.Select(f => f.Frame));

        await new VideoAnalyzer(new AnalyzeOptions { InputPath = clip, OutputPath = dir.File("out.mp4"), EventsPath = dir.File("out.jsonl"), Recognition = new() { Backend = "cpu" } })
            .RunAsync(CancellationToken.None);
        var lines = frames.SelectMany(f => f.Faces.Select(face => Encoding.UTF8.GetString(RecordJson.ToUtf8(f, face))));
        Assert.Equal(File.ReadAllLines(dir.File("out.jsonl")), lines);
    }

    [Fact]
    public async Task Leaving_early_stops_the_run_and_its_ffmpeg()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("long.mp4"), 450, fps: 15, audio: false);
        var clock = Stopwatch.StartNew();
        int seen = 0;
        await foreach (var frame in FaceEmotions.FromFileAsync(clip, Cpu))
            if (++seen == 5) break;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"leaving took {clock.Elapsed.TotalSeconds:0.0} s");
        var left = ProcessRunner.Run("pgrep", ["-f", clip], TimeSpan.FromSeconds(5));
        Assert.True(left.StandardOutput.Trim() == "", $"processes still reading the clip: {left.StandardOutput}");
    }

    [Fact]
    public async Task A_live_source_gives_frames_with_their_capture_time_until_cancelled()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("cam.mp4"), 30, fps: 15, audio: false);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var frames = new List<FrameRecord>();
        var error = await Record.ExceptionAsync(async () =>
        {
            await foreach (var frame in FaceEmotions.FromLiveAsync(clip, Cpu, stop.Token))
            {
                frames.Add(frame);
                if (frames.Count == 10) stop.Cancel();
            }
        });
        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.True(frames.Count >= 10);
        Assert.All(frames, f => Assert.NotNull(f.Utc));
        Assert.Equal("cam", frames[0].Stream); // named after the file
        Assert.Contains(frames, f => f.Faces.Any(face => face.Display.Label == "happy"));
    }

    [Fact]
    public async Task A_file_that_is_not_a_video_is_the_usual_one_line_error()
    {
        using var dir = TestPaths.NewTempFolder();
        File.WriteAllText(dir.File("notes.mp4"), "not a video");
        var e = await Assert.ThrowsAnyAsync<VideoAffectException>(async () =>
        {
            await foreach (var _ in FaceEmotions.FromFileAsync(dir.File("notes.mp4"), Cpu)) { }
        });
        Assert.DoesNotContain('\n', e.Message);
    }
}
