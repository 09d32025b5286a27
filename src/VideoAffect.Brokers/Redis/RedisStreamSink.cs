using System.Globalization;
using StackExchange.Redis;
using VideoAffect.Records;
using VideoAffect.Sinks;

namespace VideoAffect.Brokers.Redis;

/// <summary>
/// Appends every record to a Redis stream (XADD KEY MAXLEN ~ N * ...), in the order of the frames:
/// fields stream, frame, time, track, label and record (the record's JSON, byte for byte the line
/// of the JSONL file). The approximate MAXLEN lets Redis trim whole nodes cheaply; readers use
/// XREAD or consumer groups. One multiplexed connection; batches are pipelined.
/// </summary>
public sealed class RedisStreamSink(PublishTarget target) : OutboxSink<NameValueEntry[]>(target.Name, capacity: 50_000)
{
    readonly RedisKey _key = target.Path;
    readonly long _maxLength = target.Number("maxlen", 100_000);
    ConnectionMultiplexer? _connection;
    readonly BrokerTls? _tls = target.UsesTls ? new BrokerTls(target.Query.GetValueOrDefault(BrokerTls.CaOption), target.Name) : null;

    protected override async Task ConnectAsync(CancellationToken token)
    {
        if (_connection is { IsConnected: true }) return;
        if (_connection is not null)
        {
            // The multiplexer reconnects by itself; a sink waiting for it only backs off.
            throw new IOException("waiting for the connection to come back");
        }
        var options = new ConfigurationOptions
        {
            EndPoints = { { target.Host, target.Port } },
            User = target.User is { Length: > 0 } user ? user : null,
            Password = target.Password,
            AbortOnConnectFail = true,
            ConnectRetry = 0,
            ConnectTimeout = 3000,
            SyncTimeout = 5000,
            AsyncTimeout = 5000,
            // While disconnected a command fails at once (the outbox keeps it) instead of queueing unbounded inside the client.
            BacklogPolicy = BacklogPolicy.FailFast,
            ClientName = "videoaffect",
        };
        if (_tls is { } tls)
        {
            options.Ssl = true;
            options.SslHost = target.Host;
            options.CertificateValidation += (_, certificate, chain, errors) => tls.Trusts(certificate, chain, errors);
        }
        try { _connection = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(token); }
        catch (RedisConnectionException e) when (_tls is not null && BrokerTls.IsHandshakeFailure(e)) { throw new SinkRefusedException(_tls.Untrusted); }
        catch (RedisConnectionException e) when (e.FailureType == ConnectionFailureType.AuthenticationFailure || e.Message.Contains("WRONGPASS", StringComparison.Ordinal) || e.Message.Contains("NOAUTH", StringComparison.Ordinal))
        {
            throw new SinkRefusedException("the server refused the credentials");
        }
    }

    protected override async Task SendAsync(IReadOnlyList<NameValueEntry[]> batch, CancellationToken token)
    {
        var db = (_connection ?? throw new IOException("not connected")).GetDatabase();
        // Pipelined on one connection: Redis applies them in the order they were issued.
        var sent = new Task[batch.Count];
        for (int i = 0; i < batch.Count; i++)
            sent[i] = db.StreamAddAsync(_key, batch[i], maxLength: _maxLength, useApproximateMaxLength: true);
        await Task.WhenAll(sent).WaitAsync(token);
    }

    protected override IEnumerable<NameValueEntry[]> Translate(FrameRecord record)
    {
        var c = CultureInfo.InvariantCulture;
        foreach (var face in record.Faces)
            yield return
            [
                new("stream", record.Stream),
                new("frame", record.Frame),
                new("time", Math.Round(record.Time, 6).ToString(c)),
                new("track", face.Track),
                new("label", face.Display.Label),
                new("record", RecordJson.ToUtf8(record, face)),
            ];
    }

    protected override Task DisconnectAsync() => _connection?.CloseAsync() ?? Task.CompletedTask;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
