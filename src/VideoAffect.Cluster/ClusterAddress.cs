using System.Net.Security;
using System.Text;
using StackExchange.Redis;
using VideoAffect.Brokers;

namespace VideoAffect.Cluster;

/// <summary>
/// Where the cluster keeps its membership and state, as `--cluster` gives it:
/// <c>redis://[[USER]:PASSWORD@]HOST[:PORT]</c>, or <c>rediss://</c> for a Redis spoken to over TLS
/// (a managed Redis, one on another network), trusted as the Redis sink trusts its broker
/// (<see cref="BrokerTls"/>: the system's store, or the CA that <c>?ca=FILE</c> names; the host always checked).
/// </summary>
/// <param name="Host">Redis's host name or address.</param>
/// <param name="Port">Its port (6379 unless given, with TLS too, as redis-cli --tls takes it).</param>
public sealed record ClusterAddress(string Host, int Port)
{
    /// <summary>The ACL user the password is for; null: Redis's default user.</summary>
    public string? User { get; init; }

    /// <summary>The password (Redis's requirepass, or the user's); null: none. Never shown.</summary>
    public string? Password { get; init; }

    /// <summary>Whether Redis is spoken to over TLS (rediss://).</summary>
    public bool Tls { get; init; }

    /// <summary>The PEM file of the CA that signed Redis's certificate (?ca=FILE); null: the system's store.</summary>
    public string? CaFile { get; init; }

    public static ClusterAddress Parse(string text)
    {
        string shown = Live.SourceSecrets.Redact(text);
        string Bad(string why) => throw new VideoAffectException($"--cluster '{shown}' {why}");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || uri.Host.Length == 0)
            Bad("is not redis://[:PASSWORD@]HOST[:PORT] (or rediss:// for TLS)");
        bool tls = uri!.Scheme == "rediss";
        if (uri.AbsolutePath.Trim('/').Length > 0 || uri.Fragment.Length > 0)
            Bad("names a path; the cluster's Redis is given as HOST[:PORT] alone");
        string? ca = null;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)))
        {
            if (tls && Uri.UnescapeDataString(pair[0]).Equals(BrokerTls.CaOption, StringComparison.OrdinalIgnoreCase) && pair.Length == 2 && pair[1].Length > 0)
                ca = Uri.UnescapeDataString(pair[1]);
            else
                Bad($"has an unknown option '{Uri.UnescapeDataString(pair[0])}' ({(tls ? "known: ca=FILE" : "a rediss:// address takes ca=FILE; a redis:// one none")})");
        }
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            // redis://PASSWORD@HOST is how several clients write a password without a user.
            (user, password) = parts.Length == 2 ? (Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[1])) : (null, Uri.UnescapeDataString(parts[0]));
            if (user is { Length: 0 }) user = null;
        }
        var address = new ClusterAddress(uri.Host, uri.Port > 0 ? uri.Port : 6379) { User = user, Password = password, Tls = tls, CaFile = ca };
        _ = address.Trust(); // a CA file that is missing or holds no certificate is one line now, not at the handshake
        return address;
    }

    /// <summary>Who Redis's certificate is trusted as; null without TLS.</summary>
    BrokerTls? Trust() => Tls ? new BrokerTls(CaFile, ToString(), "--cluster") : null;

    /// <summary>Connection settings that fail fast on a wrong address and keep retrying once connected.</summary>
    public ConfigurationOptions Redis()
    {
        var options = ConfigurationOptions.Parse($"{Host}:{Port}");
        options.ConnectTimeout = 3000;
        options.AbortOnConnectFail = false;
        options.User = User;
        options.Password = Password;
        if (Trust() is { } tls)
        {
            options.Ssl = true;
            options.SslHost = Host;
            options.CertificateValidation += (_, certificate, chain, errors) => tls.Trusts(certificate, chain, errors);
        }
        return options;
    }

    /// <summary>
    /// Fails at once, with the reason, when nothing at the address answers as Redis does (a wrong
    /// port, a Redis not started, another server there), when its certificate is not trusted, or
    /// when it refuses the password or wants one: Orleans alone retried for 8 to 10 s, a node
    /// logging a camera round and a lost Redis before its error. That it is a cluster's Redis is
    /// Orleans' to find.
    /// </summary>
    public async Task CheckAnswersAsync(CancellationToken token)
    {
        string hint = Tls ? "is redis-server running there, speaking TLS?" : "is redis-server running there? (one that speaks TLS only wants rediss://)";
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
        limit.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync(Host, Port, limit.Token);
            Stream stream = tcp.GetStream();
            if (Trust() is { } tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                bool certificateSeen = false;
                try
                {
                    await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                    {
                        TargetHost = Host,
                        RemoteCertificateValidationCallback = (_, certificate, chain, errors) => (certificateSeen = true) && tls.Trusts(certificate, chain, errors),
                    }, limit.Token);
                }
                // A plain Redis takes the TLS hello for a command and resets, answers nonsense or waits for the rest of the line.
                catch (Exception e) when (!certificateSeen && !token.IsCancellationRequested
                    && e is System.Security.Authentication.AuthenticationException or IOException or OperationCanceledException)
                {
                    throw new VideoAffectException("Redis did not answer over TLS (a Redis that does not speak it wants redis://)");
                }
                catch (System.Security.Authentication.AuthenticationException)
                {
                    throw new VideoAffectException(CaFile is null
                        ? "Redis's certificate is not trusted by this system, or is not for this host (a Redis with a CA of its own: give it with ?ca=FILE)"
                        : "Redis's certificate is not signed by the CA given with ca=, or is not for this host");
                }
            }
            if (Password is not null)
            {
                await stream.WriteAsync(Command(User is null ? ["AUTH", Password] : ["AUTH", User, Password]), limit.Token);
                string reply = await ReadLineAsync(stream, hint, limit.Token);
                if (!reply.StartsWith('+'))
                    throw new VideoAffectException(reply.StartsWith('-') ? $"Redis refused the password ({reply[1..].Split(' ')[0]})" : $"what answers at {Host}:{Port} is not Redis");
            }
            await stream.WriteAsync(Command(["PING"]), limit.Token);
            string pong = await ReadLineAsync(stream, hint, limit.Token);
            if (pong.StartsWith("-NOAUTH", StringComparison.Ordinal))
                throw new VideoAffectException($"Redis wants a password (give it in the address: {(Tls ? "rediss" : "redis")}://:PASSWORD@{Host}:{Port})");
            if (pong.Length == 0 || pong[0] is not ('+' or '-'))
                throw new VideoAffectException($"what answers at {Host}:{Port} is not Redis");
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new VideoAffectException(e.SocketErrorCode switch
            {
                System.Net.Sockets.SocketError.ConnectionRefused => $"Redis did not answer (connection refused; {hint})",
                System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.TryAgain or System.Net.Sockets.SocketError.NoData => $"no host is named '{Host}'",
                _ => $"Redis did not answer ({e.Message}; {hint})",
            });
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            throw new VideoAffectException($"Redis did not answer within 3 s ({hint})");
        }
        catch (IOException e)
        {
            // A reset is a close (a TLS-only Redis resets a plain client), said as one.
            throw new VideoAffectException(e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionReset }
                ? $"Redis did not answer (the connection was closed without a reply; {hint})"
                : $"Redis did not answer ({e.Message.Split('\n')[0]}; {hint})");
        }
    }

    /// <summary>A command in Redis's protocol (RESP): a password with spaces or quotes goes as it is.</summary>
    static byte[] Command(string[] words)
    {
        var text = new StringBuilder($"*{words.Length}\r\n");
        foreach (string word in words) text.Append($"${Encoding.UTF8.GetByteCount(word)}\r\n{word}\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>One reply line (without its CRLF), up to 512 bytes of it.</summary>
    static async Task<string> ReadLineAsync(Stream stream, string hint, CancellationToken token)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (line.Count < 512)
        {
            if (await stream.ReadAsync(one, token) == 0)
                throw line.Count == 0 ? new VideoAffectException($"Redis did not answer (the connection was closed without a reply; {hint})") : new VideoAffectException($"Redis's reply was cut off ({hint})");
            if (one[0] == '\n') break;
            if (one[0] != '\r') line.Add(one[0]);
        }
        return Encoding.UTF8.GetString(line.ToArray());
    }

    /// <summary>The address as messages show it: never the password.</summary>
    public override string ToString() => $"{(Tls ? "rediss" : "redis")}://{Host}:{Port}";
}
