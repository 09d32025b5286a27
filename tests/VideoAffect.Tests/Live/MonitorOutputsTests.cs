using System.Globalization;
using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>The monitor's files as `analyze` writes them: CSV records, tracking options, x264 recordings of any frame size.</summary>
[Collection(LiveCollection.Name)]
public sealed class MonitorOutputsTests
{
    [Fact]
    public void Csv_records_without_tracking_and_an_odd_sized_stream_recorded_padded_to_even()
    {
        using var dir = TestPaths.NewTempFolder();
        // An odd-sized camera: 4:2:0 H.264 cannot hold one, so the source is FFV1 (lossless, any size).
        string even = Clips.MovingFace(dir.File("even.mp4"), 30, fps: 15, width: 322, height: 242, audio: false);
        string clip = dir.File("odd.mkv");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", even, "-vf", "scale=321:241,setsar=1", "-c:v", "ffv1", clip);
        var run = ProcessRunner.Cli(["monitor", $"odd={clip}", "--backend", "cpu", "--json", "--no-tracking",
            "--records", dir.File("records"), "--records-format", "csv", "--record", dir.File("video")], timeoutSeconds: 90);
        Assert.True(run.ExitCode == 0, run.StandardError);
        var stream = JsonDocument.Parse(run.StandardOutput).RootElement.GetProperty("streams")[0];
        int processed = stream.GetProperty("processed").GetInt32();
        Assert.True(processed > 0);

        // The CSV of `analyze --events NAME.csv`: its header, a row per face, no track ids without tracking.
        var rows = File.ReadAllLines(Path.Combine(dir.File("records"), "odd.csv"));
        // ... with each frame's capture time after `time`, as the JSON lines' "utc".
        Assert.StartsWith("time,utc,frame,track,detected,x,y,w,h,label,confidence,p_angry", rows[0]);
        Assert.True(rows.Length > 1, "no face rows");
        foreach (var row in rows.Skip(1))
        {
            var cells = row.Split(',');
            Assert.Equal(rows[0].Split(',').Length, cells.Length);
            Assert.Equal("", cells[3]);
            Assert.True(DateTime.TryParse(cells[1], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var utc) && utc.Kind == DateTimeKind.Utc && Math.Abs((DateTime.UtcNow - utc).TotalMinutes) < 5, row);
            Assert.True(double.TryParse(cells[10], CultureInfo.InvariantCulture, out double confidence) && confidence is > 0 and <= 1, row);
        }

        // Every processed frame recorded, 321x241 padded by one black edge pixel to 322x242 (4:2:0).
        var segment = Assert.Single(Directory.GetFiles(dir.File("video"), "odd-*.mp4"));
        Assert.Equal("322,242", ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", segment).Trim());
        Assert.Equal(processed - stream.GetProperty("not_recorded").GetInt32(), Clips.CountFrames(segment));
        // Each frame at its capture time, 15 fps here (66.7 ms): before 0.30 the encoder's time base
        // was the nominal 1/25 s, which put the frames at steps of 40 and 80 ms, some at one time.
        var times = Clips.FrameTimes(segment).Select(t => t!.Value).Order().ToList();
        var steps = times.Zip(times.Skip(1), (a, b) => b - a).Order().ToList();
        Assert.True(steps[0] > 0, "two recorded frames at one time");
        Assert.InRange(steps[steps.Count / 2], 0.060, 0.073);
    }

    /// <summary>
    /// Power lost mid-segment (the monitor and its recording ffmpeg killed at once): the segment
    /// plays up to its last second. A plain MP4 writes its index when it closes, so before 0.16
    /// the whole segment (up to --segment-seconds of it) was unplayable.
    /// </summary>
    [Fact]
    public async Task A_recording_cut_by_a_power_loss_plays_up_to_its_last_second()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("cam.mp4"), 30, fps: 10, width: 320, height: 240, audio: false);
        string recordings = Directory.CreateDirectory(dir.File("rec")).FullName;
        using var cli = new RunningCli(["monitor", $"cam={clip}", "--loop", "--backend", "cpu", "--record", recordings],
            environment: new Dictionary<string, string> { ["TZ"] = "America/New_York" });
        await cli.WaitForAsync("cam: connected", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(5)); // ~50 frames recorded, in the first (300 s) segment
        var recorder = ProcessRunner.Run("pgrep", ["-f", $"ffmpeg.*{recordings}"], TimeSpan.FromSeconds(5)).StandardOutput.Trim();
        Assert.False(recorder == "", $"no recording ffmpeg found: {cli.StandardError}");
        ProcessRunner.Run("kill", ["-KILL", cli.Id.ToString(), .. recorder.Split('\n')], TimeSpan.FromSeconds(5));
        cli.WaitForExit(TimeSpan.FromSeconds(10), "SIGKILL");
        var segment = Assert.Single(Directory.GetFiles(recordings, "cam-*.mp4"));
        Assert.InRange(Clips.CountFrames(segment), 10, 80); // ~50 recorded; fewer if the live queue dropped some under load
        // Named by the local time with its offset from UTC, so the hour repeated when summer time
        // ends gets names of its own (-0400 in summer, -0500 in winter) instead of overwriting.
        var named = System.Text.RegularExpressions.Regex.Match(Path.GetFileName(segment), @"^cam-(\d{8}-\d{6})(-0[45]00)\.mp4$");
        Assert.True(named.Success, segment);
        var local = DateTime.ParseExact(named.Groups[1].Value + named.Groups[2].Value, "yyyyMMdd-HHmmsszzz", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        Assert.InRange((DateTime.UtcNow - local).TotalSeconds, 0, 120);
    }

    /// <summary>
    /// The disk of the records and recordings fills up: the monitor goes on watching (before 0.16
    /// it stopped, every camera with it, and a failed recording never started again), says so
    /// once, loses those frames' records whole, writes again once there is room (saying how many
    /// frames' records were lost), and starts a new recording segment 5 s after the failed one.
    /// </summary>
    [SkippableFact]
    public async Task A_full_disk_loses_records_and_recording_not_the_monitor()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("cam.mp4"), 20, fps: 10, width: 320, height: 240, audio: false);
        string disk = dir.File("disk");
        using var mount = Mount.Tiny(disk, 512);
        string filler = Path.Combine(disk, "filler");
        File.WriteAllBytes(filler, new byte[490 * 1024]); // room for a second or two; without it, for the whole run
        string records = Path.Combine(disk, "records"), recordings = Path.Combine(disk, "video");
        int port = RtspTestServer.FreePort();
        using var cli = new RunningCli(["monitor", $"cam={clip}", "--loop", "--backend", "cpu", "--records", records, "--record", recordings, "--duration", "90s", "--json",
            "--http", $"127.0.0.1:{port}"]);
        await cli.WaitForAsync("its records are lost until they can be written again", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // a second and more of frames without records
        // The live page says so on the camera's card (before 0.18 only /streams and the metrics did).
        string dom = HeadlessChromium.Dom($"http://127.0.0.1:{port}/", dir.File("chromium"));
        Assert.Matches("<dt class=\"warn\">records lost</dt><dd class=\"warn\">of [1-9]\\d* frames", dom);
        var before = Directory.GetFiles(recordings, "cam-*.mp4").ToHashSet(); // the cut segment, where it holds a frame
        File.Delete(filler);
        // Stopped once a try with room has recorded two seconds more than its first fragment (a
        // fragment a second, written as it comes), not at a fixed --duration: on a loaded machine
        // (Chromium's start above) a try could still meet the full disk, and the next came with too
        // little of a 14 s run left to record 10 frames.
        await cli.WaitForAsync("cam: records written again", TimeSpan.FromSeconds(30));
        var retried = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < retried && Directory.GetFiles(recordings, "cam-*.mp4").Except(before).All(f => new FileInfo(f).Length < 10_000)) await Task.Delay(200);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var (exitCode, output) = cli.Terminate(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, cli.StandardError);
        // Said once per stretch of full disk, not per record: each "writing ... No space" has its
        // "written again". (A failed recording deletes its segment cut before a whole frame, which
        // frees a few KB: the records may then fill the disk a second time.)
        var log = cli.StandardError.Split('\n');
        int filled = log.Count(l => l.Contains("cam: writing") && l.Contains("No space left on device"));
        int recovered = log.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"cam: records written again \(\d+ frames' records lost\)"));
        Assert.True(filled is >= 1 and <= 3 && recovered == filled, cli.StandardError);
        Assert.Matches(@"cam: recording failed: .*No space left on device; trying again in 5 s", cli.StandardError);
        var cam = JsonDocument.Parse(output).RootElement.GetProperty("streams")[0];
        Assert.Equal("stopped", cam.GetProperty("state").GetString()); // watched until SIGTERM
        Assert.True(cam.GetProperty("records_lost").GetInt32() >= 5, cam.ToString()); // 1.5 s at 10 fps, counted
        var lines = File.ReadAllLines(Path.Combine(records, "cam.jsonl"));
        foreach (var line in lines) JsonDocument.Parse(line).Dispose(); // whole records only, none cut by the full disk
        var times = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("utc").GetDateTime()).ToList();
        Assert.True(times.Zip(times.Skip(1)).Max(p => p.Second - p.First) > TimeSpan.FromSeconds(0.5), "the lost records leave a gap");
        Assert.True(times[^1] - times[0] > TimeSpan.FromSeconds(5), "records before the disk filled and after it had room");
        // The segment the full disk cut (where it holds a frame), and a new one from the next try on;
        // a try that met the full disk leaves nothing (before 0.26.4 an empty file), nor does one cut
        // before its first frame was whole (before 0.26.5 a ~4 KB file no player shows).
        var segments = Directory.GetFiles(recordings, "cam-*.mp4").Order().ToList();
        Assert.NotEmpty(segments);
        Assert.All(segments, f => Assert.True(Clips.CountFrames(f) > 0, $"{f} ({new FileInfo(f).Length} bytes) holds no frame"));
        Assert.True(Clips.CountFrames(segments[^1]) > 10, "the new segment records");
    }
}
