using VideoAffect.Live;
using VideoAffect.Media;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// A recording's segments are named for the second each starts in (NAME-YYYYmmdd-HHMMSS+ZZZZ.mp4)
/// and ffmpeg writes over a file of that name: an encoder started again within the second its last
/// segment started (a new frame size, or sound, right after a connection's start) replaced that
/// segment, frames and all. Real ffmpeg; outside the live collection (no stream's timing).
/// </summary>
public class SegmentNamingTests
{
    [Fact]
    public async Task An_encoder_started_in_the_second_the_last_segment_started_does_not_write_over_it()
    {
        using var dir = TestPaths.NewTempFolder();
        string video = Directory.CreateDirectory(dir.File("video")).FullName;
        var recorder = new SegmentRecorder(video, "cam", TimeSpan.FromMinutes(5));
        Assert.Equal(Path.Combine(video, "cam-20261207-053001+0100.mp4"), recorder.SegmentPath(new DateTimeOffset(2026, 12, 7, 5, 30, 1, 250, TimeSpan.FromHours(1))));
        Assert.Equal(Path.Combine(video, "cam-20261207-053001-0330.mp4"), recorder.SegmentPath(new DateTimeOffset(2026, 12, 7, 5, 30, 1, TimeSpan.FromHours(-3.5))));
        var small = new FrameBufferPool(160 * 120 * 3);
        var large = new FrameBufferPool(192 * 144 * 3);
        // At a second's start, so that the second encoder (a new frame size) starts within the first one's second.
        await Task.Delay(1000 - DateTime.Now.Millisecond);
        for (int i = 0; i < 3; i++) await recorder.WriteAsync(new VideoFrame(i, i / 10.0, 160, 120, small));
        for (int wait = 0; wait < 100 && Directory.GetFiles(video).Length == 0; wait++) await Task.Delay(10);
        var first = Assert.Single(Directory.GetFiles(video));
        for (int i = 3; i < 6; i++) await recorder.WriteAsync(new VideoFrame(i, i / 10.0, 192, 144, large));
        await recorder.DisposeAsync();

        var segments = Directory.GetFiles(video, "cam-*.mp4").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, segments.Count);
        Assert.Equal(first, segments[0]);
        Assert.Equal((3, "160x120"), (Clips.CountFrames(segments[0]), Size(segments[0])));
        Assert.Equal((3, "192x144"), (Clips.CountFrames(segments[1]), Size(segments[1])));
    }

    static string Size(string path) =>
        ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0:s=x", path).Trim();
}
