using System.Diagnostics;
using System.Net.Sockets;

namespace VideoAffect.Tests.Support;

/// <summary>A real HTTP server (Python's http.server) serving one folder on 127.0.0.1, for inputs given as URLs.</summary>
sealed class HttpFileServer : IDisposable
{
    readonly Process _process;

    public HttpFileServer(string folder)
    {
        Port = RtspTestServer.FreePort();
        var start = new ProcessStartInfo("python3") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-m", "http.server", Port.ToString(), "--bind", "127.0.0.1", "--directory", folder }) start.ArgumentList.Add(a);
        _process = Process.Start(start)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        // Ready once it accepts a connection.
        for (var clock = Stopwatch.StartNew(); ; Thread.Sleep(50))
        {
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(10) && !_process.HasExited) { }
        }
    }

    public int Port { get; }
    public string Url(string file) => $"http://127.0.0.1:{Port}/{file}";

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }
}
