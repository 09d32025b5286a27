using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using VideoAffect.Brokers;
using VideoAffect.Brokers.Mqtt;
using VideoAffect.Brokers.Redis;
using VideoAffect.Classification;
using VideoAffect.Detection;
using VideoAffect.Records;
using VideoAffect.Sinks;

namespace VideoAffect.Bench;

/// <summary>
/// Records per second through each --publish sink, end to end: 5,000 one-face records offered,
/// then the sink drained (every message acknowledged by the broker: MQTT QoS 1 PUBACKs, Redis XADD
/// replies), against the same records written to a JSONL file (the baseline every run has).
/// Debian's mosquitto and redis-server run on free 127.0.0.1 ports for the benchmark. One operation
/// is one record; a run that drops any message throws instead of reporting a speed.
/// </summary>
[Config(typeof(ThroughputConfig))]
public class BrokerBenchmarks
{
    public const int Records = 5_000;
    static readonly string[] Labels = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];
    readonly List<Process> _servers = new();
    FrameRecord[] _records = [];
    int _mqttPort, _redisPort;
    string _folder = "";

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("videoaffect-bench-brokers").FullName;
        _mqttPort = FreePort();
        File.WriteAllLines(Path.Combine(_folder, "mosquitto.conf"), [$"listener {_mqttPort} 127.0.0.1", "allow_anonymous true", "persistence false"]);
        Serve("/usr/sbin/mosquitto", _mqttPort, "-c", Path.Combine(_folder, "mosquitto.conf"));
        _redisPort = FreePort();
        Serve("/usr/bin/redis-server", _redisPort, "--port", _redisPort.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _folder);
        var probabilities = new float[] { 0.01f, 0.01f, 0.02f, 0.9f, 0.02f, 0.02f, 0.02f };
        _records = Enumerable.Range(0, Records).Select(i => new FrameRecord("bench", i, i / 30.0, null,
            [new FaceRecord(0, 1, true, true, false, new FaceBox(100 + i % 7, 80, 120, 120), new EmotionPrediction(Labels, probabilities), null)])).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var server in _servers) { server.Kill(); server.WaitForExit(); }
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Records)]
    public long RecordsFile()
    {
        using var writer = new JsonlRecordWriter(Path.Combine(_folder, "records.jsonl"));
        foreach (var record in _records) writer.Write(record);
        return writer.Records;
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public Task<long> MqttQos1Records() => Publish(new MqttEventSink(PublishTarget.Parse($"mqtt://127.0.0.1:{_mqttPort}/bench?records=true")));

    [Benchmark(OperationsPerInvoke = Records)]
    public Task<long> RedisStreamXadd() => Publish(new RedisStreamSink(PublishTarget.Parse($"redis://127.0.0.1:{_redisPort}/bench?maxlen=10000")));

    async Task<long> Publish(IEventSink sink)
    {
        await using (sink)
        {
            sink.Start(new SinkRun { Streams = ["bench"], Report = _ => new StreamReport("running", Records, 0, 0, null), DrainLimit = TimeSpan.FromMinutes(1) });
            foreach (var record in _records) sink.Offer(record);
            await sink.FinishAsync(RunOutcome.Complete);
            if (sink.Counters.Dropped > 0 || sink.Counters.Sent < Records)
                throw new InvalidOperationException($"{sink.Name}: {sink.Counters.Sent} sent, {sink.Counters.Dropped} dropped ({sink.Counters.LastError})");
            return sink.Counters.Sent;
        }
    }

    void Serve(string program, int port, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        _servers.Add(Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start (./setup.sh installs it)"));
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try { using var probe = new TcpClient(); probe.Connect(IPAddress.Loopback, port); return; }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(15)) { Thread.Sleep(50); }
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
