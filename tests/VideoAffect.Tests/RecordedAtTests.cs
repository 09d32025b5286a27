using System.Globalization;
using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// `analyze --recorded-at`: a recording's records carry wall-clock times (`utc`), its start plus
/// each frame's position in it, checked against ffprobe's frame times and the container's own
/// start (an MPEG-TS starts at 1.4 s, so a record's `time` is not its position); "file" takes the
/// start from the container's creation_time, as cameras and phones write it.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class RecordedAtTests
{
    static List<JsonElement> Records(string path) =>
        File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    static double ContainerStart(string path) =>
        double.Parse(ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "format=start_time", "-of", "csv=p=0", path).Trim(), CultureInfo.InvariantCulture);

    [Fact]
    public void Records_get_the_recordings_start_plus_their_position_given_or_from_the_file()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 30, audio: false);
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-c", "copy", "-f", "mpegts", dir.File("cam.ts"));
        double start = ContainerStart(dir.File("cam.ts"));
        Assert.True(start > 1, $"an MPEG-TS starts late ({start} s)");

        // Given, with an offset: 08:00 at +01:00 is 07:00 UTC.
        var r = ProcessRunner.Cli(["analyze", dir.File("cam.ts"), "-o", dir.File("out.mp4"), "--backend", "cpu", "--recorded-at", "2026-12-04T08:00:00+01:00", "--json"]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        var recordedAt = new DateTime(2026, 12, 4, 7, 0, 0, DateTimeKind.Utc);
        Assert.Equal(recordedAt, JsonDocument.Parse(r.StandardOutput).RootElement.GetProperty("recorded_at").GetDateTime().ToUniversalTime());
        var times = Clips.FrameTimes(dir.File("cam.ts"));
        var records = Records(dir.File("out.jsonl"));
        Assert.Equal(times.Length, records.Select(x => x.GetProperty("frame").GetInt64()).Distinct().Count());
        foreach (var record in records)
        {
            double frameTime = times[record.GetProperty("frame").GetInt32()]!.Value; // ffprobe's, not ours
            var utc = DateTime.Parse(record.GetProperty("utc").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            Assert.True(Math.Abs((utc - recordedAt).TotalSeconds - (frameTime - start)) < 1e-5, $"frame at {frameTime} s (start {start} s): {utc:O}");
        }
        Assert.Equal(recordedAt, DateTime.Parse(records[0].GetProperty("utc").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal));

        // From the file: the creation_time a camera writes; CSV records get the utc column.
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-c", "copy", "-metadata", "creation_time=2026-01-02T03:04:05Z", dir.File("phone.mp4"));
        var fromFile = ProcessRunner.Cli(["analyze", dir.File("phone.mp4"), "-o", dir.File("phone.out.mp4"), "--events", dir.File("phone.csv"), "--backend", "cpu", "--recorded-at", "file"]);
        Assert.True(fromFile.ExitCode == 0, fromFile.StandardError);
        var rows = File.ReadAllLines(dir.File("phone.csv"));
        Assert.StartsWith("time,utc,frame,", rows[0]);
        var first = rows[1].Split(',');
        double position = double.Parse(first[0], CultureInfo.InvariantCulture) - ContainerStart(dir.File("phone.mp4"));
        var firstUtc = DateTime.Parse(first[1], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        Assert.True(Math.Abs((firstUtc - new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)).TotalSeconds - position) < 1e-5, rows[1]);

        // Without either, no utc: as before.
        var plain = ProcessRunner.Cli(["analyze", dir.File("cam.ts"), "-o", dir.File("plain.mp4"), "--backend", "cpu"]);
        Assert.True(plain.ExitCode == 0, plain.StandardError);
        Assert.All(Records(dir.File("plain.jsonl")), x => Assert.False(x.TryGetProperty("utc", out _)));
    }

    [Theory]
    [InlineData("yesterday", "--recorded-at 'yesterday' is neither 'file' nor a date and time such as 2026-12-04T08:00:00+01:00")]
    [InlineData("12/04/2026 08:00", "--recorded-at '12/04/2026 08:00' is neither 'file' nor a date and time")]
    [InlineData("file", "does not say when it was recorded (its container has no creation_time)")]
    public void A_start_that_cannot_be_known_is_one_line(string value, string expected)
    {
        using var dir = TestPaths.NewTempFolder();
        // ffmpeg's MPEG-TS muxer writes no creation_time.
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 3, audio: false);
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-c", "copy", "-f", "mpegts", dir.File("cam.ts"));
        var r = ProcessRunner.Cli(["analyze", dir.File("cam.ts"), "-o", dir.File("out.mp4"), "--backend", "cpu", "--recorded-at", value]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.StandardError);
        Assert.Single(r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(dir.File("out.mp4")));
    }

    [Fact]
    public void One_start_for_several_videos_is_refused()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("a.mp4"), 3, audio: false);
        File.Copy(clip, dir.File("b.mp4"));
        Directory.CreateDirectory(dir.File("out"));
        var r = ProcessRunner.Cli(["analyze", dir.File("a.mp4"), dir.File("b.mp4"), "-o", dir.File("out"), "--recorded-at", "2026-12-04T08:00"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--recorded-at 2026-12-04T08:00 is one video's start, and 2 videos are given", r.StandardError);
        Assert.Empty(Directory.GetFiles(dir.File("out")));
    }
}
