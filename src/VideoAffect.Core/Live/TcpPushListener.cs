using System.Net;
using System.Net.Sockets;

namespace VideoAffect.Live;

/// <summary>
/// A TCP port a sender pushes a stream to (tcp://HOST:PORT?listen=1), held open by us for the
/// source's whole life. ffmpeg's own listen=1 accepts one connection and closes its socket, so
/// between two senders (or after a port check) the port was closed until a new ffmpeg listened,
/// and a sender that came then was refused. Here the port stays open and one sender is received
/// at a time. A connection that sends nothing (a port check) is let go quietly; a newer sender
/// that sends while the current one is read takes over (<see cref="WatchForNewerAsync"/>): a
/// camera that restarted, or whose network broke, connects again while its old connection may be
/// left half-open, silent but never closed, and must not wait behind it for the stall timeout.
/// </summary>
internal sealed class TcpPushListener : IDisposable
{
    readonly TcpListener _listener;

    /// <summary>A sender accepted while the current one was read, taken by the next <see cref="NextSenderAsync"/>.</summary>
    Sender? _next;

    /// <summary>One connection: its bytes, read as they come, and the connection to close when done.</summary>
    public sealed record Sender(PushedBytes Bytes, IDisposable Connection) : IDisposable
    {
        public void Dispose()
        {
            Bytes.Abandon();
            Connection.Dispose();
        }
    }

    TcpPushListener(TcpListener listener) => _listener = listener;

    /// <summary>Binds the URL's host and port (no host, 0.0.0.0 or :: for every address); a port that cannot be bound is one line.</summary>
    public static TcpPushListener Open(Uri url)
    {
        var address = url.Host is "" or "0.0.0.0" ? IPAddress.Any
            : IPAddress.TryParse(url.Host.Trim('[', ']'), out var given) ? given
            : Dns.GetHostAddresses(url.Host).FirstOrDefault() ?? throw new VideoAffectException($"cannot listen on '{url.Host}': no address of this machine has that name");
        var listener = new TcpListener(address, url.Port);
        try { listener.Start(); }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new VideoAffectException(e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => $"cannot listen on port {url.Port}: the port is taken by another program",
                SocketError.AccessDenied => $"cannot listen on port {url.Port}: permission denied (ports below 1024 need privileges)",
                SocketError.AddressNotAvailable => $"cannot listen on '{url.Host}': no address of this machine",
                _ => $"cannot listen on {url.Host}:{url.Port}: {e.Message}",
            });
        }
        return new TcpPushListener(listener);
    }

    /// <summary>
    /// The next sender that sends: one that took over the last (<see cref="WatchForNewerAsync"/>),
    /// else the next connection. One that closes without a byte, or sends none for
    /// <paramref name="silence"/> (a port check left open), is closed, and the next one waited for.
    /// </summary>
    public async Task<Sender> NextSenderAsync(string streamName, TimeSpan silence, CancellationToken token)
    {
        while (true)
        {
            var sender = _next ?? await AcceptAsync(streamName, token);
            _next = null;
            if (await SendsAsync(sender, silence, token)) return sender;
            sender.Dispose();
        }
    }

    /// <summary>
    /// While <paramref name="current"/> is read: the first newer connection that sends takes over.
    /// It is kept for the next <see cref="NextSenderAsync"/>, and the current sender's bytes end
    /// (<see cref="PushedBytes.Abandon"/>), so that its decoder ends as at the end of its stream.
    /// Returns whether one took over. A newer connection still silent when <paramref name="token"/>
    /// ends (the current sender stopped meanwhile) is kept too: it is the next one to hear.
    /// </summary>
    public async Task<bool> WatchForNewerAsync(Sender current, string streamName, TimeSpan silence, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            Sender newer;
            try { newer = await AcceptAsync(streamName, token); }
            catch (OperationCanceledException) { return false; }
            bool sends;
            try { sends = await SendsAsync(newer, silence, token); }
            catch (OperationCanceledException)
            {
                _next = newer;
                return false;
            }
            if (!sends)
            {
                newer.Dispose(); // a port check, while a sender is read: let go quietly
                continue;
            }
            _next = newer;
            current.Bytes.Abandon();
            return true;
        }
        return false;
    }

    async Task<Sender> AcceptAsync(string streamName, CancellationToken token)
    {
        var client = await _listener.AcceptTcpClientAsync(token);
        return new Sender(new PushedBytes(client.GetStream(), $"{streamName} receive"), client);
    }

    /// <summary>Whether the connection's first bytes come within <paramref name="silence"/> (false: closed without one, or silent).</summary>
    static async Task<bool> SendsAsync(Sender sender, TimeSpan silence, CancellationToken token)
    {
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(token);
        quiet.CancelAfter(silence);
        try { return await sender.Bytes.WaitForFirstAsync(quiet.Token); }
        catch (OperationCanceledException) when (!token.IsCancellationRequested) { return false; }
    }

    public void Dispose()
    {
        _next?.Dispose();
        _listener.Dispose();
    }
}
