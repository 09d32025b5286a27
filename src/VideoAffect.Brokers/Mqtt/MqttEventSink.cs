using System.Diagnostics;
using MQTTnet;
using MQTTnet.Protocol;
using VideoAffect.Records;
using VideoAffect.Sinks;

namespace VideoAffect.Brokers.Mqtt;

/// <summary>One message for the broker: QoS 1 always; retained for availability and status.</summary>
public readonly record struct MqttMessage(string Topic, byte[] Payload, bool Retain);

/// <summary>
/// Publishes a run to an MQTT broker the way Frigate does, so Home Assistant and Node-RED can use
/// it unchanged: PREFIX/available (online/offline, retained, offline also as the last will),
/// PREFIX/STREAM/status (retained, every second), PREFIX/events (a track's new/update/end),
/// PREFIX/STREAM/face (retained: the face of the track last new or ended, a JPEG, just before its
/// event) and, with <c>?records=true</c>, every record on PREFIX/STREAM/records. All QoS 1 (at least once;
/// a subscriber sees each message even across its own reconnects).
/// </summary>
public sealed class MqttEventSink(PublishTarget target) : OutboxSink<MqttMessage>(target.Name, capacity: 10_000)
{
    static readonly byte[] Online = "online"u8.ToArray(), Offline = "offline"u8.ToArray();
    readonly MqttTopics _topics = new(target.Path);
    readonly bool _records = target.Flag("records");
    readonly Dictionary<string, StreamCounts> _streams = new();
    readonly string _clientId = $"videoaffect-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40];
    readonly BrokerTls? _tls = target.UsesTls ? new BrokerTls(target.Query.GetValueOrDefault(BrokerTls.CaOption), target.Name) : null;
    IMqttClient? _client;
    TrackLifecycle? _tracks;

    protected override async Task ConnectAsync(CancellationToken token)
    {
        _client ??= new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(target.Host, target.Port)
            .WithClientId(_clientId)
            .WithCleanSession()
            .WithTimeout(TimeSpan.FromSeconds(3))
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(10))
            // The broker says "offline" for us when we vanish without a word (a crash, a lost network).
            .WithWillTopic(_topics.Available).WithWillPayload(Offline).WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (target.User is not null) options = options.WithCredentials(target.User, target.Password ?? "");
        if (_tls is { } tls)
            options = options.WithTlsOptions(o => o.UseTls().WithCertificateValidationHandler(e => tls.Trusts(e.Certificate, e.Chain, e.SslPolicyErrors)));
        MqttClientConnectResult result;
        try { result = await _client.ConnectAsync(options.Build(), token); }
        catch (MQTTnet.Adapter.MqttConnectingFailedException e) when (Refused(e.Message)) { throw new SinkRefusedException(RefusedLine(e.Message)); }
        catch (Exception e) when (_tls is not null && BrokerTls.IsHandshakeFailure(e)) { throw new SinkRefusedException(_tls.Untrusted); }
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            string code = result.ResultCode.ToString();
            if (Refused(code)) throw new SinkRefusedException(RefusedLine(code));
            throw new IOException($"the broker did not accept the connection ({code})");
        }
        await PublishAsync(new MqttMessage(_topics.Available, Online, Retain: true), token);
    }

    static bool Refused(string text) => text.Contains("BadUserNameOrPassword", StringComparison.Ordinal) || text.Contains("NotAuthorized", StringComparison.Ordinal);

    static string RefusedLine(string why) => $"the broker refused the credentials ({(why.Contains("NotAuthorized") ? "not authorized" : "bad user name or password")})";

    protected override async Task SendAsync(IReadOnlyList<MqttMessage> batch, CancellationToken token)
    {
        // One at a time, each acknowledged before the next: the order of a track's events and of
        // the records is the order subscribers see.
        foreach (var message in batch) await PublishAsync(message, token);
    }

    async Task PublishAsync(MqttMessage message, CancellationToken token)
    {
        var client = _client ?? throw new IOException("not connected");
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayload(message.Payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(message.Retain)
            .Build(), token);
        if (!result.IsSuccess) throw new IOException($"the broker rejected a message on {message.Topic} ({result.ReasonCode})");
    }

    protected override IEnumerable<MqttMessage> Translate(FrameRecord record)
    {
        _tracks ??= new TrackLifecycle(Run.TrackEndFrames, Run.TrackFace);
        var counts = Counts(record.Stream);
        counts.Frames++;
        counts.Faces += record.Faces.Count;
        foreach (var e in _tracks.Observe(record))
            foreach (var message in EventMessages(e)) yield return message;
        if (_records)
            foreach (var face in record.Faces)
                yield return new MqttMessage(_topics.Records(record.Stream), RecordJson.ToUtf8(record, face), Retain: false);
    }

    protected override IEnumerable<MqttMessage> OnTick() =>
        Run.Streams.Select(stream =>
        {
            var counts = Counts(stream);
            var report = Run.Report(stream);
            double fps = counts.FramesPerSecond();
            return Status(stream, report.State, report.State is "running" or "live", fps, report);
        });

    protected override IEnumerable<MqttMessage> OnFinish(RunOutcome outcome)
    {
        foreach (var e in _tracks?.EndAll() ?? [])
            foreach (var message in EventMessages(e)) yield return message;
        foreach (var stream in Run.Streams)
        {
            var report = Run.Report(stream);
            string state = report.State == "failed" ? "failed" : outcome switch
            {
                RunOutcome.Complete => "ended",
                RunOutcome.Stopped => "stopped",
                RunOutcome.Cancelled => "cancelled",
                _ => "failed",
            };
            yield return Status(stream, state, up: false, fps: 0, report);
        }
        yield return new MqttMessage(_topics.Available, Offline, Retain: true);
    }

    /// <summary>
    /// An event, after its track's face where it has one: retained, so an automation that the event
    /// sets off (or a Home Assistant MQTT camera) reads the face of the track it was told of.
    /// </summary>
    IEnumerable<MqttMessage> EventMessages(TrackEvent e)
    {
        if (e.Face is { } jpeg) yield return new MqttMessage(_topics.Face(e.After.Stream), jpeg, Retain: true);
        yield return new MqttMessage(_topics.Events, MqttPayloads.Event(e), Retain: false);
    }

    MqttMessage Status(string stream, string state, bool up, double fps, StreamReport report)
    {
        var counts = Counts(stream);
        return new MqttMessage(_topics.Status(stream), MqttPayloads.Status(stream, state, up, fps, counts.Frames, counts.Faces, report), Retain: true);
    }

    StreamCounts Counts(string stream)
    {
        if (!_streams.TryGetValue(stream, out var counts)) _streams[stream] = counts = new StreamCounts();
        return counts;
    }

    protected override async Task DisconnectAsync()
    {
        if (_client is { IsConnected: true } client)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _client?.Dispose();
    }

    /// <summary>Frames and faces a stream has had, and its rate since the previous status.</summary>
    sealed class StreamCounts
    {
        public long Frames, Faces;
        long _framesBefore;
        long _ticksBefore = Stopwatch.GetTimestamp();

        public double FramesPerSecond()
        {
            long now = Stopwatch.GetTimestamp();
            double seconds = Stopwatch.GetElapsedTime(_ticksBefore, now).TotalSeconds;
            double fps = seconds > 0 ? (Frames - _framesBefore) / seconds : 0;
            (_framesBefore, _ticksBefore) = (Frames, now);
            return fps;
        }
    }
}
