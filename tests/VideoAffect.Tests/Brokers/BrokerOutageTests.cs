using System.Net;
using System.Net.Sockets;
using VideoAffect.Tests.Live;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Brokers.BrokerRecords;

namespace VideoAffect.Tests.Brokers;

/// <summary>
/// A broker that dies, or never answers, costs its messages and nothing else: the run goes on at
/// its own speed. Real time matters here, so these run alone (the live collection).
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class BrokerOutageTests
{
    [Fact]
    public async Task Mosquitto_killed_and_restarted_mid_run_gets_the_messages_after_it_and_the_run_goes_on()
    {
        using var dir = TestPaths.NewTempFolder();
        using var mqtt = new MosquittoServer();
        string clip = Clips.MovingFace(dir.File("hall.mp4"), 30, fps: 15, audio: false);
        int httpPort = RtspTestServer.FreePort();
        using var cli = new RunningCli(["monitor", $"hall={clip}", "--loop", "--backend", "cpu", "--duration", "9s", "--json", "--publish", mqtt.Url("va"),
            "--http", $"127.0.0.1:{httpPort}"]);
        await cli.WaitForAsync("monitoring 1 stream", TimeSpan.FromSeconds(60));
        using (var before = new MqttSubscriber(mqtt, "va/hall/status"))
            Assert.NotEmpty(before.WaitFor(m => m.Count >= 1, TimeSpan.FromSeconds(5)));

        mqtt.Kill();
        await Task.Delay(TimeSpan.FromSeconds(2));
        mqtt.Start();
        using var after = new MqttSubscriber(mqtt, "va/#");
        // Messages made after the restart arrive: fresh status, with frames still being processed,
        // and the availability the sink says again on the new broker (which lost everything).
        var arrived = after.WaitFor(m => m.Count(x => x.Topic == "va/hall/status") >= 2, TimeSpan.FromSeconds(10));
        var statuses = arrived.Where(m => m.Topic == "va/hall/status").Select(m => Json(m.Payload)).ToList();
        Assert.True(statuses.Count >= 2, $"{statuses.Count} status messages after the restart: {cli.StandardError}");
        Assert.Contains(("va/available", "online"), arrived);
        Assert.All(statuses.Take(2), s => Assert.Equal("live", s.GetProperty("state").GetString()));
        // /metrics has the sink's counters, with the send that failed when the broker died.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        string metrics = await http.GetStringAsync("/metrics");
        var dropped = System.Text.RegularExpressions.Regex.Match(metrics, @"videoaffect_sink_messages_dropped_total\{[^}]*sink=""mqtt://127\.0\.0\.1:\d+/va""[^}]*\} (\d+)");
        Assert.True(dropped.Success, metrics);
        Assert.Matches(@"videoaffect_sink_messages_sent_total\{[^}]*sink=""mqtt://", metrics);

        var (exitCode, output) = cli.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, cli.StandardError);
        var processed = statuses.Select(s => s.GetProperty("frames_processed").GetInt64()).ToList();
        Assert.True(processed[^1] > processed[0], "frames went on being processed while the broker was away");
        var sink = Sink(Json(output), "mqtt");
        Assert.True(sink.GetProperty("reconnects").GetInt32() >= 1, sink.ToString());
        Assert.True(sink.GetProperty("errors").GetInt32() >= 1, sink.ToString()); // the lost connection, counted
        // The send that met the dead broker: its messages are counted as dropped, never sent twice.
        Assert.True(sink.GetProperty("dropped").GetInt32() >= 1, sink.ToString());
        Assert.True(sink.GetProperty("dropped").GetInt64() >= long.Parse(dropped.Groups[1].Value));
        Assert.Contains("connection lost", cli.StandardError);
        Assert.Contains("connected again", cli.StandardError);
        Assert.Contains(("va/available", "offline"), after.WaitFor(m => m.Contains(("va/available", "offline")), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_broker_that_never_answers_does_not_slow_the_run()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("quiet.mp4"), 90, fps: 15, audio: false);
        // The kernel completes the connection, nobody ever answers: an MQTT or Redis server hung for good.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;

        var plain = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("plain.mp4"), "--backend", "cpu", "--json"]);
        var published = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("published.mp4"), "--backend", "cpu", "--json",
            "--publish", $"mqtt://127.0.0.1:{port}/va", "--publish", $"redis://127.0.0.1:{port}/va"]);
        Assert.True(plain.ExitCode == 0, plain.StandardError);
        Assert.True(published.ExitCode == 0, published.StandardError);

        var (withBrokers, without) = (Json(published.StandardOutput), Json(plain.StandardOutput));
        double slow = withBrokers.GetProperty("wall_seconds").GetDouble(), fast = without.GetProperty("wall_seconds").GetDouble();
        // The end of the run gives an unconnected sink one second, or up to three while its first
        // attempt is under way (a short run's end may come before Redis's 3 s connect timeout);
        // the rest is the machine's noise.
        Assert.True(slow <= fast * 1.3 + 4, $"{slow:0.00} s with a silent broker vs {fast:0.00} s without");
        Assert.Equal(File.ReadAllLines(dir.File("plain.jsonl")), File.ReadAllLines(dir.File("published.jsonl")));
        foreach (var scheme in new[] { "mqtt", "redis" })
        {
            var sink = Sink(withBrokers, scheme);
            Assert.Equal(0, sink.GetProperty("sent").GetInt32());
            Assert.True(sink.GetProperty("dropped").GetInt32() > 0, sink.ToString()); // every message, counted
        }
    }
}
