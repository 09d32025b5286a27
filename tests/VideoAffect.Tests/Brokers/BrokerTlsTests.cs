using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Brokers.BrokerRecords;

namespace VideoAffect.Tests.Brokers;

/// <summary>
/// `--publish mqtts://` and `rediss://`: a run's events and records over TLS, to a real mosquitto
/// and a real redis-server that speak TLS only, with certificates from a CA of the test's own
/// (openssl), read back with Debian's own clients (mosquitto_sub, redis-cli) trusting that CA.
/// A broker whose certificate is not trusted (the system's store knows no such CA; another CA
/// given; the CA's certificate, but for another host) stops the run with one line before anything is sent.
/// </summary>
public class BrokerTlsTests
{
    [Fact]
    public void Events_and_records_reach_brokers_over_TLS_that_are_trusted_by_the_CA_given()
    {
        using var dir = TestPaths.NewTempFolder();
        var certificates = new TestCertificates(dir, "lab");
        using var mqtt = new MosquittoServer(tls: certificates);
        using var redis = new RedisServer(tls: certificates);
        using var events = new MqttSubscriber(mqtt, "va/#");
        string clip = Clips.MovingFace(dir.File("door.mp4"), 30, fps: 15, audio: false);

        var run = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("out.mp4"), "--backend", "cpu", "--json",
            "--publish", $"mqtts://127.0.0.1:{mqtt.Port}/va?records=true&ca={certificates.Ca}",
            "--publish", $"rediss://127.0.0.1:{redis.Port}/door?ca={certificates.Ca}"]);
        Assert.True(run.ExitCode == 0, run.StandardError);

        var summary = Json(run.StandardOutput);
        int records = File.ReadAllLines(dir.File("out.jsonl")).Length;
        Assert.True(records > 0, "the clip's face gave no records");
        Assert.Equal(0, Sink(summary, "mqtts").GetProperty("dropped").GetInt32());
        Assert.Equal(0, Sink(summary, "rediss").GetProperty("dropped").GetInt32());
        // Through the brokers, as their own clients read them over TLS.
        var messages = events.WaitFor(m => m.Count(x => x.Topic.EndsWith("/records", StringComparison.Ordinal)) >= records, TimeSpan.FromSeconds(20));
        Assert.Contains(("va/available", "online"), messages);
        Assert.Equal(records, messages.Count(m => m.Topic.EndsWith("/records", StringComparison.Ordinal)));
        Assert.Contains(messages, m => m.Topic == "va/events" && m.Payload.Contains("\"type\":\"new\"", StringComparison.Ordinal));
        Assert.Equal(records.ToString(), redis.Cli("XLEN", "door").Trim());
    }

    [Fact]
    public void A_broker_whose_certificate_is_not_trusted_stops_the_run_with_one_line()
    {
        using var dir = TestPaths.NewTempFolder();
        var certificates = new TestCertificates(dir, "lab");
        var other = new TestCertificates(dir, "other");
        // Signed by the CA given, but for another host: a certificate taken from elsewhere.
        var elsewhere = new TestCertificates(dir, "elsewhere", serverAddress: "127.0.0.2");
        using var mqtt = new MosquittoServer(tls: certificates);
        using var redis = new RedisServer(tls: certificates);
        using var impostor = new MosquittoServer(tls: elsewhere);
        string clip = Clips.MovingFace(dir.File("door.mp4"), 30, fps: 15, audio: false);

        foreach (var (url, says) in new[]
        {
            ($"mqtts://127.0.0.1:{mqtt.Port}/va", $"mqtts://127.0.0.1:{mqtt.Port}/va: the broker's certificate is not trusted by this system, or is not for this host (a broker with a CA of its own: give it with ?ca=FILE)"),
            ($"mqtts://127.0.0.1:{mqtt.Port}/va?ca={other.Ca}", $"mqtts://127.0.0.1:{mqtt.Port}/va: the broker's certificate is not signed by the CA given with ca=, or is not for this host"),
            ($"mqtts://127.0.0.1:{impostor.Port}/va?ca={elsewhere.Ca}", $"mqtts://127.0.0.1:{impostor.Port}/va: the broker's certificate is not signed by the CA given with ca=, or is not for this host"),
            ($"rediss://127.0.0.1:{redis.Port}/door", $"rediss://127.0.0.1:{redis.Port}/door: the broker's certificate is not trusted by this system"),
            ($"rediss://127.0.0.1:{redis.Port}/door?ca={other.Ca}", $"rediss://127.0.0.1:{redis.Port}/door: the broker's certificate is not signed by the CA given with ca="),
            // Plain MQTT to a TLS listener is no MQTT at all: a connection error the run goes on through, as for a broker that is down.
        })
        {
            var run = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("out.mp4"), "--backend", "cpu", "--publish", url]);
            Assert.True(run.ExitCode == 2, $"{url}: exit {run.ExitCode}\n{run.StandardError}");
            string line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("videoaffect: error:", StringComparison.Ordinal));
            Assert.Contains(says, line);
            Assert.False(File.Exists(dir.File("out.mp4")), "a failed run leaves no finished output");
        }
        Assert.Equal("0", redis.Cli("XLEN", "door").Trim());
    }

    [Theory]
    [InlineData("mqtts://broker.example.com/va", "mqtts://broker.example.com:8883/va")]
    [InlineData("rediss://:pw@cache.example.com/door", "rediss://cache.example.com:6379/door")]
    public void TLS_schemes_have_their_ports_and_a_missing_CA_file_is_one_line(string url, string name)
    {
        using var dir = TestPaths.NewTempFolder();
        Assert.Equal(name, VideoAffect.Brokers.PublishTarget.Parse(url).Name);
        // Refused before any run: the sample clip is never read.
        var missing = ProcessRunner.Cli(["analyze", TestPaths.SampleClip, "-o", dir.File("out.mp4"), "--publish", url + "?ca=/no/such/ca.pem"]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("its CA file '/no/such/ca.pem' does not exist", Assert.Single(missing.StandardError.Trim().Split('\n')));
        var plain = ProcessRunner.Cli(["analyze", TestPaths.SampleClip, "-o", dir.File("out.mp4"), "--publish", url.Replace("s://", "://") + "?ca=/no/such/ca.pem"]);
        Assert.Equal(2, plain.ExitCode);
        Assert.Contains("unknown option 'ca'", Assert.Single(plain.StandardError.Trim().Split('\n')));
    }
}
