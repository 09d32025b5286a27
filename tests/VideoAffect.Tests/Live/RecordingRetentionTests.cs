using System.Text.Json;
using VideoAffect.Live;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// `monitor --record DIR --record-keep AGE --record-max-size SIZE`: a recorder running day and
/// night deletes its oldest segments, and nothing else: not another stream's segments, not a file
/// of the user's that looks like one, not the segment being written.
/// </summary>
public class RecordingRetentionTests
{
    static readonly DateTime Now = new(2026, 12, 4, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>A file of <paramref name="bytes"/> bytes whose last write was <paramref name="age"/> before <see cref="Now"/>.</summary>
    static void Segment(TempFolder dir, string name, TimeSpan age, int bytes = 1000)
    {
        File.WriteAllBytes(dir.File(name), new byte[bytes]);
        File.SetLastWriteTimeUtc(dir.File(name), Now - age);
    }

    [Fact]
    public void Only_this_streams_segments_past_the_age_go_and_never_the_newest()
    {
        using var dir = TestPaths.NewTempFolder();
        Segment(dir, "cam-20261120-080000+0100.mp4", TimeSpan.FromDays(14));
        Segment(dir, "cam-20261126-235500-0500.mp4", TimeSpan.FromDays(8));
        Segment(dir, "cam-20261203-120000+0000.mp4", TimeSpan.FromDays(1));
        Segment(dir, "cam-20261204-115500+0000.mp4", TimeSpan.FromMinutes(1));
        // Not ours to delete, however old: another stream's, names that only look alike, other files.
        foreach (var name in new[] { "cam2-20261120-080000+0100.mp4", "door-20261120-080000+0100.mp4", "cam-20261120-080000.mp4", "cam-notes.mp4",
            "cam-20261120-080000+0100.mp4.bak", "cam.jsonl", "Cam-20261120-080000+0100.mp4" })
            Segment(dir, name, TimeSpan.FromDays(30));

        var retention = new RecordingRetention(dir.Path, "cam", keep: TimeSpan.FromDays(7), maxBytes: null, TimeSpan.FromMinutes(1));
        Assert.Equal(["cam-20261120-080000+0100.mp4", "cam-20261126-235500-0500.mp4"], retention.Sweep(Now));
        Assert.Equal(9, Directory.GetFiles(dir.Path).Length);

        // Every segment old, the newest kept all the same: it may be the one being written.
        var stale = new RecordingRetention(dir.Path, "cam", keep: TimeSpan.FromSeconds(1), maxBytes: null, TimeSpan.FromMinutes(1));
        Assert.Equal(["cam-20261203-120000+0000.mp4"], stale.Sweep(Now));
        Assert.True(File.Exists(dir.File("cam-20261204-115500+0000.mp4")));
    }

    [Fact]
    public void Beyond_the_size_the_oldest_go_first_until_the_rest_fits()
    {
        using var dir = TestPaths.NewTempFolder();
        for (int i = 0; i < 6; i++) Segment(dir, $"cam-2026120{i + 1}-000000+0000.mp4", TimeSpan.FromDays(6 - i), bytes: 1000);
        Segment(dir, "cam2-20261201-000000+0000.mp4", TimeSpan.FromDays(9), bytes: 100_000);
        var retention = new RecordingRetention(dir.Path, "cam", keep: null, maxBytes: 3500, TimeSpan.FromMinutes(1));
        Assert.Equal(["cam-20261201-000000+0000.mp4", "cam-20261202-000000+0000.mp4", "cam-20261203-000000+0000.mp4"], retention.Sweep(Now));
        Assert.Equal(3000, Directory.GetFiles(dir.Path, "cam-*.mp4").Sum(f => new FileInfo(f).Length)); // 3,000 of 3,500 bytes: another would go too far
        Assert.True(File.Exists(dir.File("cam2-20261201-000000+0000.mp4"))); // another stream's size is its own
        Assert.Empty(retention.Sweep(Now));
    }

    /// <summary>Through the CLI: segments of 1 s kept 3 s, a month-old segment of an earlier run gone at the start, the user's files left.</summary>
    [Fact]
    public void Monitor_deletes_its_old_segments_as_it_records()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("cam.mp4"), 20, fps: 10, width: 320, height: 240, audio: false);
        string recordings = Directory.CreateDirectory(dir.File("rec")).FullName;
        File.WriteAllBytes(Path.Combine(recordings, "cam-20261104-080000+0000.mp4"), new byte[1000]);
        File.SetLastWriteTimeUtc(Path.Combine(recordings, "cam-20261104-080000+0000.mp4"), DateTime.UtcNow - TimeSpan.FromDays(30));
        File.WriteAllText(Path.Combine(recordings, "cam-notes.mp4"), "mine");
        File.WriteAllBytes(Path.Combine(recordings, "door-20261104-080000+0000.mp4"), new byte[1000]);
        File.SetLastWriteTimeUtc(Path.Combine(recordings, "door-20261104-080000+0000.mp4"), DateTime.UtcNow - TimeSpan.FromDays(30));

        var run = ProcessRunner.Cli(["monitor", $"cam={clip}", "--loop", "--backend", "cpu", "--record", recordings, "--segment-seconds", "1",
            "--record-keep", "3s", "--duration", "9s", "--json"], timeoutSeconds: 90);
        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Single(run.StandardError.Split('\n'), l => l.Contains("cam: deleting recordings older than 3 s (first: cam-20261104-080000+0000.mp4)"));
        var ended = DateTime.UtcNow;
        var left = Directory.GetFiles(recordings).Select(Path.GetFileName).ToList();
        Assert.DoesNotContain("cam-20261104-080000+0000.mp4", left);
        Assert.Contains("cam-notes.mp4", left);
        Assert.Contains("door-20261104-080000+0000.mp4", left);
        var segments = new DirectoryInfo(recordings).GetFiles("cam-2*.mp4").OrderBy(f => f.LastWriteTimeUtc).ToList();
        Assert.NotEmpty(segments);
        // Swept every 1 s while recording: what is left ended within the last 3 s of recording, the sweep's second and the close.
        Assert.All(segments, f => Assert.True(ended - f.LastWriteTimeUtc < TimeSpan.FromSeconds(6), $"{f.Name} ended {(ended - f.LastWriteTimeUtc).TotalSeconds:0.0} s ago"));
        // ... of the 8 or so segments 9 s of recording made.
        int processed = JsonDocument.Parse(run.StandardOutput).RootElement.GetProperty("streams")[0].GetProperty("processed").GetInt32();
        Assert.True(processed > 60, $"{processed} frames");
        Assert.True(segments.Count <= 6, $"{segments.Count} segments left: {string.Join(", ", segments.Select(s => s.Name))}");
    }
}
