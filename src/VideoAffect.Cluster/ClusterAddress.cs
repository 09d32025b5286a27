using StackExchange.Redis;

namespace VideoAffect.Cluster;

/// <summary>Where the cluster keeps its membership and state: redis://HOST:PORT, as `--cluster` gives it.</summary>
public sealed record ClusterAddress(string Host, int Port)
{
    public static ClusterAddress Parse(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != "redis" || uri.Host.Length == 0)
            throw new VideoAffectException($"--cluster '{text}' is not redis://HOST:PORT");
        return new ClusterAddress(uri.Host, uri.Port > 0 ? uri.Port : 6379);
    }

    /// <summary>Connection settings that fail fast on a wrong address and keep retrying once connected.</summary>
    public ConfigurationOptions Redis()
    {
        var options = ConfigurationOptions.Parse($"{Host}:{Port}");
        options.ConnectTimeout = 3000;
        options.AbortOnConnectFail = false;
        return options;
    }

    /// <summary>
    /// Fails at once, with the reason, when nothing at the address answers as Redis does (a wrong
    /// port, a Redis not started, another server there): Orleans alone retried for 8 to 10 s, a
    /// node logging a camera round and a lost Redis before its error. Any reply to PING will do
    /// (+PONG, or an error such as NOAUTH): that it is a cluster's Redis is Orleans' to find.
    /// </summary>
    public async Task CheckAnswersAsync(CancellationToken token)
    {
        const string Hint = "is redis-server running there?";
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
        limit.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync(Host, Port, limit.Token);
            var stream = tcp.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), limit.Token);
            var reply = new byte[1];
            if (await stream.ReadAsync(reply, limit.Token) == 0)
                throw new VideoAffectException($"Redis did not answer (the connection was closed without a reply; {Hint})");
            if (reply[0] is not ((byte)'+' or (byte)'-'))
                throw new VideoAffectException($"what answers at {Host}:{Port} is not Redis");
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new VideoAffectException(e.SocketErrorCode switch
            {
                System.Net.Sockets.SocketError.ConnectionRefused => $"Redis did not answer (connection refused; {Hint})",
                System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.TryAgain or System.Net.Sockets.SocketError.NoData => $"no host is named '{Host}'",
                _ => $"Redis did not answer ({e.Message}; {Hint})",
            });
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            throw new VideoAffectException($"Redis did not answer within 3 s ({Hint})");
        }
        catch (IOException e)
        {
            throw new VideoAffectException($"Redis did not answer ({e.Message.Split('\n')[0]}; {Hint})");
        }
    }

    public override string ToString() => $"redis://{Host}:{Port}";
}
