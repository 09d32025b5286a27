using VideoAffect.Live;
using VideoAffect.Media;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// A recording whose disk stays full: each try (one every 5 s) opened a segment file and could
/// not write a byte to it, and left it there, an .mp4 of 0 bytes (720 an hour). The tries now
/// leave nothing; once there is room, the next try records a segment that plays. Real ffmpeg on a
/// real full tmpfs (needs root to mount, as the monitor's full-disk test). Outside the live
/// collection: it waits on the 5 s retry, not on a stream's timing.
/// </summary>
public class SegmentRecorderFullDiskTests
{
    [SkippableFact]
    public async Task Tries_on_a_full_disk_leave_no_empty_segments_and_a_try_with_room_records()
    {
        using var dir = TestPaths.NewTempFolder();
        string disk = dir.File("disk");
        using var mount = Mount.Tiny(disk, 256);
        string video = Path.Combine(disk, "video");
        Directory.CreateDirectory(video);
        string filler = Path.Combine(disk, "filler");
        try { File.WriteAllBytes(filler, new byte[1 << 20]); } catch (IOException) { } // full to the last byte

        var failures = new List<string>();
        var recorder = new SegmentRecorder(video, "cam", TimeSpan.FromMinutes(5), log: l => { lock (failures) failures.Add(l); });
        var pool = new FrameBufferPool(160 * 120 * 3);
        long index = 0;
        async Task FeedUntil(Func<bool> done, TimeSpan limit)
        {
            var end = DateTime.UtcNow + limit;
            while (!done() && DateTime.UtcNow < end)
            {
                await recorder.WriteAsync(new VideoFrame(index, index / 10.0, 160, 120, pool));
                index++;
                await Task.Delay(100);
            }
        }
        int Failed() { lock (failures) return failures.Count(l => l.StartsWith("cam: recording failed: ", StringComparison.Ordinal)); }

        // The first try and the one 5 s later, both on the full disk.
        await FeedUntil(() => Failed() >= 2, TimeSpan.FromSeconds(30));
        Assert.True(Failed() >= 2, string.Join("\n", failures));
        Assert.Empty(Directory.GetFiles(video)); // two 0-byte cam-*.mp4 before

        // Room again: the next try records.
        File.Delete(filler);
        await FeedUntil(() => Directory.GetFiles(video).Any(f => new FileInfo(f).Length > 0), TimeSpan.FromSeconds(15));
        // 20 frames more, counted rather than timed: on a loaded machine 2 s of this loop fed fewer
        // (7 recorded in a suite run, 2026-12-07).
        long fedBefore = index;
        await FeedUntil(() => index >= fedBefore + 20, TimeSpan.FromSeconds(30));
        await recorder.DisposeAsync();
        string segment = Assert.Single(Directory.GetFiles(video, "cam-*.mp4"));
        Assert.InRange(Clips.CountFrames(segment), 10, 60); // those 20 (a busy encoder may drop some), and however much of the last try's wait was fed
    }
}
