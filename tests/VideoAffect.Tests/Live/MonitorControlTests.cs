using System.Net;
using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// `monitor --control`: streams added and removed over HTTP while the monitor runs, sharing its
/// classifier; a removed stream's records are whole and closed when DELETE answers, its metrics
/// gone; bad requests answered with one line and a 4xx; the run goes on with no stream at all
/// until it is stopped.
/// </summary>
public class MonitorControlTests
{
    [Fact]
    public async Task Streams_join_and_leave_a_running_monitor()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("face.mp4"), frames: 30, fps: 10, width: 320, height: 240, audio: false);
        int port = RtspTestServer.FreePort();
        string records = Path.Combine(dir.Path, "records");
        using var cli = new RunningCli(["monitor", $"first={clip}", "--loop", "--control", "--backend", "cpu", "--http", $"127.0.0.1:{port}", "--records", records]);
        await cli.WaitForAsync("serving http://", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };

        var added = await http.PostAsync("/streams", new StringContent($"second={clip}"));
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        await WaitUntilAsync(async () => Processed(await http.GetStringAsync("/streams"), "second") > 5, "the added stream processes frames");
        // Beside it, the first goes on (waited for too: on a busy machine either may be a little behind).
        await WaitUntilAsync(async () => Processed(await http.GetStringAsync("/streams"), "first") > 5, "the first stream processes frames beside the added one");

        // Refused, each with one line: a name taken, a bad name, a file that is not there; an unknown stream.
        var taken = await http.PostAsync("/streams", new StringContent($"second={clip}"));
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        var badName = await http.PostAsync("/streams", new StringContent($"bad!name={clip}"));
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        Assert.Contains("may only hold letters", await badName.Content.ReadAsStringAsync());
        var missing = await http.PostAsync("/streams", new StringContent($"third={dir.File("missing.mp4")}"));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        // Standard input is the command line's own: never a stream added later.
        var piped = await http.PostAsync("/streams", new StringContent("third=-"));
        Assert.Equal(HttpStatusCode.BadRequest, piped.StatusCode);
        Assert.Contains("standard input ('-') can be a stream only on monitor's command line", await piped.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync("/streams/nosuch")).StatusCode);

        // The first leaves: its records are complete when DELETE answers, and its series are gone.
        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync("/streams/first")).StatusCode);
        var lines = File.ReadAllLines(Path.Combine(records, "first.jsonl"));
        Assert.NotEmpty(lines);
        foreach (var line in lines) JsonDocument.Parse(line).Dispose();
        string metrics = await http.GetStringAsync("/metrics");
        // Its gauges and counters are gone (the latency histogram keeps what it counted, as cumulative series do).
        Assert.DoesNotMatch(@"videoaffect_(up|frames_total|fps)\{[^}]*stream=""first""", metrics);
        Assert.Matches(@"videoaffect_up\{[^}]*stream=""second""[^}]*\} 1", metrics);
        long before = Processed(await http.GetStringAsync("/streams"), "second");
        await WaitUntilAsync(async () => Processed(await http.GetStringAsync("/streams"), "second") > before + 5, "the other stream goes on");

        // With no stream left the monitor keeps running; the name is free again.
        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync("/streams/second")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsync("/streams", new StringContent($"first={clip}"))).StatusCode);
        await WaitUntilAsync(async () => Processed(await http.GetStringAsync("/streams"), "first") > 3, "a stream added back under its old name");

        var (exitCode, output) = cli.Terminate(TimeSpan.FromSeconds(20));
        Assert.True(exitCode == 0, $"exit code {exitCode}: {cli.StandardError}");
        Assert.Contains("monitor stopped", output);
        foreach (var line in File.ReadAllLines(Path.Combine(records, "second.jsonl"))) JsonDocument.Parse(line).Dispose();
    }

    static long Processed(string status, string name)
    {
        using var json = JsonDocument.Parse(status);
        foreach (var s in json.RootElement.GetProperty("streams").EnumerateArray())
            if (s.GetProperty("name").GetString() == name) return s.GetProperty("processed").GetInt64();
        return -1;
    }

    static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting until {what}");
            await Task.Delay(250);
        }
    }
}
