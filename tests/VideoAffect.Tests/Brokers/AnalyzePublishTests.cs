using System.Text.Json;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Brokers.BrokerRecords;

namespace VideoAffect.Tests.Brokers;

/// <summary>
/// `analyze --publish` against real mosquitto and redis-server processes: what subscribers and
/// stream readers get must be the run's own records, each track announced once and ended once.
/// </summary>
public sealed class AnalyzePublishTests
{
    [Fact]
    public async Task Subscribers_get_each_track_once_new_and_once_ended_and_every_record_in_order()
    {
        using var dir = TestPaths.NewTempFolder();
        using var mqtt = new MosquittoServer();
        using var redis = new RedisServer();
        string clip = Clips.MovingFace(dir.File("lobby.mp4"), 60, fps: 15, audio: false);
        using var subscriber = new MqttSubscriber(mqtt, "va/#");

        var run = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("out.mp4"), "--backend", "cpu", "--json",
            "--publish", mqtt.Url("va", "?records=true"), "--publish", redis.Url("va:records")]);
        Assert.True(run.ExitCode == 0, run.StandardError);
        var lines = File.ReadAllLines(dir.File("out.jsonl"));
        Assert.True(lines.Length >= 40, $"only {lines.Length} records");
        var messages = subscriber.WaitFor(m => m.Contains(("va/available", "offline")), TimeSpan.FromSeconds(10));

        // Every record, byte for byte and in order, on the records topic and in the Redis stream.
        Assert.Equal(lines, subscriber.On("va/lobby/records"));
        var stream = await ReadRedisAsync(redis.Port, "va:records");
        Assert.Equal(lines, stream.Select(e => e.Record));
        Assert.All(stream, e => Assert.Equal("lobby", e.Stream));

        // One new and one end per track of the records, and nothing about any other track.
        var tracks = ByTrack(lines);
        var events = OneNewAndOneEndPerTrack(tracks, subscriber.On("va/events").Select(Json).ToList());
        foreach (var track in tracks)
        {
            var mine = events[track.Key];
            // An update says the shown label changed, and only that.
            foreach (var update in mine.Where(e => e.GetProperty("type").GetString() == "update"))
                Assert.NotEqual(update.GetProperty("before").GetProperty("label").GetString(), update.GetProperty("after").GetProperty("label").GetString());
            var end = mine[^1].GetProperty("after");
            var records = track.ToList();
            Assert.Equal(records.Count, end.GetProperty("frames").GetInt32());
            Assert.Equal(records[0].GetProperty("time").GetDouble(), end.GetProperty("start_time").GetDouble(), tolerance: 1e-3);
            Assert.Equal(records[^1].GetProperty("time").GetDouble(), end.GetProperty("end_time").GetDouble(), tolerance: 1e-3);
            // Label shares are the fractions of the track's records shown with each label.
            var shares = end.GetProperty("shares").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            foreach (var group in records.GroupBy(r => r.TryGetProperty("smoothed_label", out var s) ? s.GetString()! : r.GetProperty("label").GetString()!))
                Assert.Equal((double)group.Count() / records.Count, shares[group.Key], tolerance: 1e-3);
        }

        // Each new and end event comes just after its track's face on PREFIX/STREAM/face, updates alone.
        var ordered = messages.Where(m => m.Topic is "va/events" or "va/lobby/face").ToList();
        var faces = subscriber.BytesOn("va/lobby/face");
        int face = 0;
        for (int i = 0; i < ordered.Count; i++)
        {
            if (ordered[i].Topic != "va/events") continue;
            var e = Json(ordered[i].Payload);
            bool carries = e.GetProperty("type").GetString() is "new" or "end";
            Assert.Equal(carries, i > 0 && ordered[i - 1].Topic == "va/lobby/face");
            Assert.False(e.TryGetProperty("face_jpeg", out _)); // MQTT's events stay light: the face has its topic
            if (!carries) continue;
            var records = tracks[e.GetProperty("after").GetProperty("track").GetInt32()];
            EventFaces.AssertIsFaceOf(faces[face++], clip, e.GetProperty("type").GetString() == "new" ? EventFaces.FirstClassified(records) : EventFaces.MostConfident(records), dir.Path);
        }
        Assert.Equal(faces.Count, face);

        // Retained: the stream's final status, the last ended track's face and the run's availability, for anyone who subscribes later.
        using var late = new MqttSubscriber(mqtt, "va/#", retainedOnly: true);
        var retained = late.WaitFor(m => m.Count >= 3, TimeSpan.FromSeconds(5));
        Assert.Equal(faces[^1], Assert.Single(late.BytesOn("va/lobby/face")));
        Assert.Contains(("va/available", "offline"), retained);
        var status = Json(Assert.Single(retained, m => m.Topic == "va/lobby/status").Payload);
        Assert.Equal("ended", status.GetProperty("state").GetString());
        Assert.False(status.GetProperty("up").GetBoolean());
        Assert.Equal(60, status.GetProperty("frames_processed").GetInt32());

        // The summary accounts for every message: all sent, none dropped.
        var summary = Json(run.StandardOutput);
        Assert.Equal(lines.Length, Sink(summary, "redis").GetProperty("sent").GetInt32());
        Assert.Equal(0, Sink(summary, "redis").GetProperty("dropped").GetInt32());
        Assert.Equal(0, Sink(summary, "mqtt").GetProperty("dropped").GetInt32());
        Assert.Equal(messages.Count(m => m.Topic.StartsWith("va/", StringComparison.Ordinal)), Sink(summary, "mqtt").GetProperty("sent").GetInt32() + 1); // + "online", sent while connecting
    }

    [Fact]
    public void Refused_credentials_and_bad_urls_are_one_line_and_a_failed_run()
    {
        using var dir = TestPaths.NewTempFolder();
        using var mqtt = new MosquittoServer(("camera", "s3cret"));
        string clip = Clips.MovingFace(dir.File("door.mp4"), 30, fps: 15, audio: false);

        var refused = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("refused.mp4"), "--backend", "cpu",
            "--publish", $"mqtt://camera:wrong@127.0.0.1:{mqtt.Port}/va"]);
        Assert.Equal(2, refused.ExitCode);
        string line = Assert.Single(refused.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("videoaffect: error:", StringComparison.Ordinal));
        Assert.Contains($"mqtt://camera@127.0.0.1:{mqtt.Port}/va: the broker refused the credentials", line);
        Assert.DoesNotContain("wrong", refused.StandardError); // the password is never printed
        Assert.False(File.Exists(dir.File("refused.mp4")), "a failed run leaves no finished output");

        var accepted = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("accepted.mp4"), "--backend", "cpu", "--json",
            "--publish", $"mqtt://camera:s3cret@127.0.0.1:{mqtt.Port}/va"]);
        Assert.True(accepted.ExitCode == 0, accepted.StandardError);
        Assert.True(Sink(Json(accepted.StandardOutput), "mqtt").GetProperty("sent").GetInt32() > 0);

        foreach (var (url, says) in new[]
        {
            ("ftp://127.0.0.1/va", "unknown scheme 'ftp'"),
            ("mqtt:/no-host", "not a URL"),
            ("mqtt://127.0.0.1/va/#", "wildcards"),
            ("redis://127.0.0.1/s?maxlen=-3", "maxlen must be a positive whole number"),
            ("mqtt://127.0.0.1/va?qos=2", "unknown option 'qos'"),
        })
        {
            var bad = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("bad.mp4"), "--publish", url]);
            Assert.Equal(2, bad.ExitCode);
            Assert.Equal($"videoaffect: error: --publish", bad.StandardError.Trim()[..29]);
            Assert.Contains(says, bad.StandardError);
            Assert.Single(bad.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.False(File.Exists(dir.File("bad.mp4")) || File.Exists(dir.File("bad.partial.mp4")));
        }
    }
}
