using System.Globalization;
using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// A stream's records file as a log: kept and added to across restarts, cut back to whole lines,
/// written on from the start when emptied under the monitor. Not timed, so not in the serial
/// live collection.
/// </summary>
public sealed class MonitorRecordsLogTests
{
    /// <summary>
    /// A monitor is a service: restarted (an upgrade, a reboot, a camera moved to another node),
    /// it adds to its streams' records instead of emptying them, as it did at once before 0.16.
    /// </summary>
    [Fact]
    public void A_restarted_monitor_adds_to_its_records_and_keeps_what_was_there()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("cam.mp4"), 12, fps: 12, width: 320, height: 240, audio: false);
        string records = dir.File("records");
        (int Exit, string Error) Watch(params string[] more)
        {
            var run = ProcessRunner.Cli(["monitor", $"cam={clip}", "--backend", "cpu", "--records", records, .. more], timeoutSeconds: 90);
            return (run.ExitCode, run.StandardError);
        }

        var first = Watch();
        Assert.True(first.Exit == 0, first.Error);
        string jsonl = Path.Combine(records, "cam.jsonl");
        var before = File.ReadAllBytes(jsonl);
        Assert.NotEmpty(before);
        // The first run died mid-write (power lost): an unfinished line, no record, is cut off.
        File.AppendAllText(jsonl, "{\"frame\":12,\"ti");
        var second = Watch();
        Assert.True(second.Exit == 0, second.Error);
        var after = File.ReadAllBytes(jsonl);
        Assert.Equal(before, after[..before.Length]);
        var lines = File.ReadAllLines(jsonl);
        Assert.True(lines.Length > before.Count(b => b == (byte)'\n'), "the second run added records"); // (each parses, below)
        var times = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("utc").GetDateTime()).ToList();
        Assert.True(times[^1] > times[0], "the second run's records come after the first's");

        // CSV: one header, the second run's rows under it; a file with other columns is refused, untouched.
        Assert.Equal(0, Watch("--records-format", "csv").Exit);
        string csv = Path.Combine(records, "cam.csv");
        var firstCsv = File.ReadAllLines(csv);
        Assert.Equal(0, Watch("--records-format", "csv").Exit);
        var bothCsv = File.ReadAllLines(csv);
        Assert.Equal(firstCsv, bothCsv[..firstCsv.Length]);
        Assert.True(bothCsv.Length > firstCsv.Length, "the second run added rows");
        Assert.Single(bothCsv, l => l.StartsWith("time,"));
        // One that 0.15 wrote: no utc column.
        string[] older = ["time,frame,track,detected,x,y,w,h,label,confidence,p_angry,p_disgust,p_fear,p_happy,p_sad,p_surprise,p_neutral,smoothed_label,tentative",
            "0.1,3,1,1,10,10,40,40,happy,0.9,0,0,0,0.9,0,0,0.1,happy,0"];
        File.WriteAllLines(csv, older);
        var other = Watch("--records-format", "csv");
        Assert.Equal(2, other.Exit);
        Assert.Contains($"records file '{csv}' has other columns than this run writes", other.Error);
        Assert.Equal(older, File.ReadAllLines(csv));
    }

    /// <summary>
    /// logrotate's copytruncate empties a running monitor's records file under it: the next records
    /// go at the new start, not at the old position behind a gap of zero bytes.
    /// </summary>
    [Fact]
    public async Task Records_truncated_while_the_monitor_runs_go_on_from_the_new_start()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("cam.mp4"), 20, fps: 10, width: 320, height: 240, audio: false);
        string records = dir.File("cam.jsonl");
        using var cli = new RunningCli(["monitor", $"cam={clip}", "--loop", "--backend", "cpu", "--records", dir.Path, "--duration", "8s"]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(records) || new FileInfo(records).Length < 4096)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"no records within 60 s: {cli.StandardError}");
            await Task.Delay(100);
        }
        using (File.Open(records, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite)) { }
        var (exitCode, _) = cli.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, cli.StandardError);
        var bytes = File.ReadAllBytes(records);
        Assert.DoesNotContain((byte)0, bytes);
        Assert.NotEmpty(bytes);
        foreach (var line in File.ReadAllLines(records))
            Assert.True(JsonDocument.Parse(line).RootElement.TryGetProperty("utc", out _), line);
    }

    /// <summary>
    /// logrotate's default rotation (and a plain `mv`) renames a running monitor's records file
    /// away: the monitor goes on in a new file at the path, a CSV with its header, within a second
    /// or so; before 0.17 it wrote into the renamed file for the rest of its run.
    /// </summary>
    [Fact]
    public async Task Records_renamed_away_while_the_monitor_runs_go_on_in_a_new_file()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("cam.mp4"), 20, fps: 10, width: 320, height: 240, audio: false);
        string records = dir.File("cam.csv"), rotated = dir.File("cam.csv.1");
        using var cli = new RunningCli(["monitor", $"cam={clip}", "--loop", "--backend", "cpu", "--records", dir.Path, "--records-format", "csv", "--duration", "8s"]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(records) || File.ReadLines(records).Count() < 10)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"no records within 60 s: {cli.StandardError}");
            await Task.Delay(100);
        }
        File.Move(records, rotated);
        var (exitCode, _) = cli.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, cli.StandardError);

        var before = File.ReadAllLines(rotated);
        Assert.True(File.Exists(records), "a new records file at the path");
        var after = File.ReadAllLines(records);
        Assert.StartsWith("time,utc,frame,", after[0]);
        Assert.StartsWith("time,utc,frame,", before[0]);
        Assert.True(after.Length > 1, "records after the rotation");
        static long Frame(string row) => long.Parse(row.Split(',')[2], CultureInfo.InvariantCulture);
        // The renamed file got at most the second before the monitor noticed; nothing is in both.
        long lastBefore = Frame(before[^1]), firstAfter = Frame(after[1]);
        Assert.True(firstAfter > lastBefore, $"rows go on in the new file: {lastBefore} then {firstAfter}");
        Assert.True(firstAfter - lastBefore <= 15, $"no second's rows lost between the files: frame {lastBefore}, then {firstAfter}");
    }

    /// <summary>
    /// A monitor started on a full records disk watches all the same, as it does when the disk
    /// fills later: its CSV records are lost, counted and said, until there is room, and the file
    /// then starts with its header. Before 0.17 the header's failed write stopped the monitor at
    /// its start (a service: restarted into the same full disk, its cameras unwatched).
    /// </summary>
    [SkippableFact]
    public async Task A_monitor_started_on_a_full_disk_watches_and_writes_its_csv_once_there_is_room()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("cam.mp4"), 20, fps: 10, width: 320, height: 240, audio: false);
        string disk = dir.File("disk");
        using var mount = Mount.Tiny(disk, 256);
        string filler = Path.Combine(disk, "filler");
        try { File.WriteAllBytes(filler, new byte[1024 * 1024]); } catch (IOException) { } // as much as fits: the disk is full
        string csv = Path.Combine(disk, "cam.csv");
        using var cli = new RunningCli(["monitor", $"cam={clip}", "--loop", "--backend", "cpu", "--records", disk, "--records-format", "csv", "--duration", "6s", "--json"]);
        await cli.WaitForAsync("its records are lost until they can be written again", TimeSpan.FromSeconds(60));
        File.Delete(filler);
        var (exitCode, output) = cli.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, cli.StandardError);
        Assert.Matches(@"cam: records written again \(\d+ frames' records lost\)", cli.StandardError);
        var cam = JsonDocument.Parse(output).RootElement.GetProperty("streams")[0];
        Assert.True(cam.GetProperty("records_lost").GetInt32() >= 1, cam.ToString());
        var rows = File.ReadAllLines(csv);
        Assert.StartsWith("time,utc,frame,", rows[0]);
        Assert.Single(rows, r => r.StartsWith("time,"));
        Assert.True(rows.Length > 10, $"rows once there was room: {rows.Length}");
    }
}
