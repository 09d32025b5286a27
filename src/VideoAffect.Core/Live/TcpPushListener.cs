using System.Net;
using System.Net.Sockets;

namespace VideoAffect.Live;

/// <summary>
/// A TCP port a sender pushes a stream to (tcp://HOST:PORT?listen=1), held open by us for the
/// source's whole life. ffmpeg's own listen=1 accepts one connection and closes its socket, so
/// between two senders (or after a port check) the port was closed until a new ffmpeg listened,
/// and a sender that came then was refused. Here the port stays open: one sender is received at
/// a time, and the next one waits in the listen backlog until the current one stops.
/// </summary>
internal sealed class TcpPushListener : IDisposable
{
    readonly TcpListener _listener;

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

    /// <summary>Waits for the next sender; its bytes, read as they come, and the connection to close when done.</summary>
    public async Task<(PushedBytes Bytes, IDisposable Connection)> AcceptAsync(string streamName, CancellationToken token)
    {
        var client = await _listener.AcceptTcpClientAsync(token);
        return (new PushedBytes(client.GetStream(), $"{streamName} receive"), client);
    }

    public void Dispose() => _listener.Dispose();
}
