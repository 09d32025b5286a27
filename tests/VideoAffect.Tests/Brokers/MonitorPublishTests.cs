using VideoAffect.Brokers;
using VideoAffect.Brokers.Redis;
using VideoAffect.Pipeline;
using VideoAffect.Records;
using VideoAffect.Sinks;
using VideoAffect.Tests.Live;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Brokers.BrokerRecords;

namespace VideoAffect.Tests.Brokers;

/// <summary>Several streams and several sinks at once, each sink on its own.</summary>
[Collection(LiveCollection.Name)]
public sealed class MonitorPublishTests
{
    [Fact]
    public async Task Monitor_publishes_two_streams_to_both_brokers_at_once()
    {
        using var dir = TestPaths.NewTempFolder();
        using var mqtt = new MosquittoServer();
        using var redis = new RedisServer();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 45, fps: 15, audio: false);
        using var subscriber = new MqttSubscriber(mqtt, "site/#");
        var run = ProcessRunner.Cli(["monitor", $"front={clip}", $"back={clip}", "--backend", "cpu", "--json", "--records", dir.File("records"),
            "--publish", mqtt.Url("site"), "--publish", redis.Url("site:records")], timeoutSeconds: 90);
        Assert.True(run.ExitCode == 0, run.StandardError);
        subscriber.WaitFor(m => m.Contains(("site/available", "offline")), TimeSpan.FromSeconds(10));

        var stream = await ReadRedisAsync(redis.Port, "site:records");
        var events = subscriber.On("site/events").Select(Json).ToList();
        foreach (var name in new[] { "front", "back" })
        {
            var lines = File.ReadAllLines(Path.Combine(dir.File("records"), $"{name}.jsonl"));
            Assert.NotEmpty(lines);
            // Each stream's entries, in its own order, are its records file.
            Assert.Equal(lines, stream.Where(e => e.Stream == name).Select(e => e.Record));
            var mine = events.Where(e => e.GetProperty("after").GetProperty("stream").GetString() == name).ToList();
            var tracks = ByTrack(lines).Select(t => t.Key).Order().ToList();
            Assert.Equal(tracks, mine.Where(e => e.GetProperty("type").GetString() == "new").Select(e => e.GetProperty("after").GetProperty("track").GetInt32()).Order());
            Assert.Equal(tracks, mine.Where(e => e.GetProperty("type").GetString() == "end").Select(e => e.GetProperty("after").GetProperty("track").GetInt32()).Order());
            Assert.Contains(subscriber.On($"site/{name}/status"), s => Json(s).GetProperty("state").GetString() == "ended");
            // Each new and end came with its track's face, taken from the stream's own frames.
            var faces = subscriber.BytesOn($"site/{name}/face");
            Assert.Equal(2 * tracks.Count, faces.Count);
            var lastEnd = mine.Last(e => e.GetProperty("type").GetString() == "end").GetProperty("after").GetProperty("track").GetInt32();
            EventFaces.AssertIsFaceOf(faces[^1], clip, EventFaces.MostConfident(ByTrack(lines)[lastEnd]), dir.Path);
        }
        var summary = Json(run.StandardOutput);
        Assert.Equal(stream.Count, Sink(summary, "redis").GetProperty("sent").GetInt32());
        Assert.Equal(0, Sink(summary, "mqtt").GetProperty("dropped").GetInt32());
    }

    [Fact]
    public async Task A_sink_that_throws_does_not_stop_the_frames_or_the_other_sinks()
    {
        using var dir = TestPaths.NewTempFolder();
        using var redis = new RedisServer();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 30, fps: 15, audio: false);
        var broken = new ThrowingSink();
        await using var sinks = new EventSinks([broken, new RedisStreamSink(PublishTarget.Parse(redis.Url("s")))]);
        var options = new AnalyzeOptions { InputPath = clip, OutputPath = dir.File("out.mp4"), EventsPath = dir.File("out.jsonl"), Recognition = new() { Backend = "cpu" } };

        var summary = await new VideoAnalyzer(options, null, sinks).RunAsync(CancellationToken.None);

        Assert.Equal("complete", summary.Status);
        Assert.Equal(30, summary.FramesWritten);
        Assert.Equal(File.ReadAllLines(dir.File("out.jsonl")), (await ReadRedisAsync(redis.Port, "s")).Select(e => e.Record));
        var counted = summary.Sinks!.Single(s => s.Name == broken.Name);
        Assert.Equal(30 + 1, counted.Errors); // every offer and the finish, each counted against it alone
        Assert.Equal(0, summary.Sinks!.Single(s => s.Name != broken.Name).Errors);
    }

    sealed class ThrowingSink : IEventSink
    {
        public string Name => "broken://sink";
        public SinkCounters Counters { get; } = new();
        public string? FatalError => null;
        public void Start(SinkRun run) { }
        public void Offer(FrameRecord record) => throw new InvalidOperationException("this sink always fails");
        public Task FinishAsync(RunOutcome outcome) => throw new InvalidOperationException("and fails at the end too");
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
