using System.Diagnostics;
using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// `monitor --records -` (or a pipe): every stream's records on one stream of JSON lines as frames
/// are done, each naming its stream, for `monitor ... --records - | jq`; the summary keeps to stderr,
/// and a reader that goes away stops the monitor as it stops analyze (exit code 141).
/// </summary>
public class MonitorRecordsStreamTests
{
    [Fact]
    public void Every_streams_records_come_on_standard_output_each_naming_its_stream()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 15, fps: 15, audio: false);
        var r = ProcessRunner.Cli(["monitor", $"door={clip}", $"hall={clip}", "--backend", "cpu", "--records", "-", "--json"], timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        var records = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        // The summary went to stderr: its streams' face counts are the records each stream wrote.
        string summaryJson = Assert.Single(r.StandardError.Split('\n'), l => l.StartsWith("{\"status\""));
        var streams = JsonDocument.Parse(summaryJson).RootElement.GetProperty("streams").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        foreach (string name in new[] { "door", "hall" })
        {
            var mine = records.Where(x => x.GetProperty("stream").GetString() == name).ToList();
            Assert.NotEmpty(mine);
            Assert.Equal(streams[name].GetProperty("faces").GetInt64(), mine.Count);
            var frames = mine.Select(x => x.GetProperty("frame").GetInt64()).ToList();
            Assert.Equal(frames.Order(), frames);
            Assert.All(mine, x => Assert.True(x.TryGetProperty("utc", out _)));
        }
        Assert.Equal(records.Count, records.Count(x => x.GetProperty("stream").GetString() is "door" or "hall"));
        Assert.False(Directory.Exists(Path.Combine(Environment.CurrentDirectory, "-")));
    }

    [Fact]
    public void A_reader_that_goes_away_stops_the_monitor_and_csv_is_refused_on_a_stream()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 15, fps: 15, audio: false);
        string fifo = dir.File("records.jsonl");
        ProcessRunner.Tool("mkfifo", fifo);
        using var reader = Process.Start(new ProcessStartInfo("bash", ["-c", $"head -n 3 '{fifo}' > '{dir.File("head.jsonl")}'"]) { UseShellExecute = false })!;
        // Looping files never end by themselves: only the reader going away can stop this one.
        var r = ProcessRunner.Cli(["monitor", $"door={clip}", "--loop", "--backend", "cpu", "--records", fifo], timeoutSeconds: 90);
        Assert.False(r.TimedOut, "the monitor went on with nobody reading its records");
        Assert.Equal(141, r.ExitCode);
        Assert.Contains($"videoaffect: the program reading the records stream '{fifo}' closed it; stopped", r.StandardError);
        Assert.DoesNotContain("   at ", r.StandardError);
        Assert.True(reader.WaitForExit(10_000));
        Assert.Equal(3, File.ReadAllLines(dir.File("head.jsonl")).Length);

        var csv = ProcessRunner.Cli(["monitor", $"door={clip}", "--backend", "cpu", "--records", "-", "--records-format", "csv"], timeoutSeconds: 60);
        Assert.Equal(2, csv.ExitCode);
        Assert.Contains("are JSON lines, each naming its stream; --records-format csv takes a folder", csv.StandardError);
    }
}
