using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace VideoAffect.Tests.Support;

/// <summary>
/// The real RTSP server the live tests talk to: GStreamer's RTSP server (Debian packages installed
/// by ./setup.sh) run by rtsp/rtsp_test_server.py on a free 127.0.0.1 port, serving pictures as
/// endless 15 fps streams. Stop and Start again to play a camera that drops off and comes back.
/// </summary>
sealed class RtspTestServer : IDisposable
{
    (string Name, string Picture)[] _mounts;
    Process? _process;

    public RtspTestServer(params (string Name, string Picture)[] mounts)
    {
        _mounts = mounts;
        Port = FreePort();
        Start();
    }

    public int Port { get; }
    public string Url(string name) => $"rtsp://127.0.0.1:{Port}/{name}";

    /// <summary>A JPEG made from a setup photo, in the 4:2:0 layout RTP's JPEG payload needs.</summary>
    public static string Picture(string folder, string photo, int width, int height)
    {
        string path = Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(photo)}-{width}x{height}.jpg");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", TestPaths.Photo(photo),
            "-vf", $"scale={width}:{height},setsar=1,format=yuvj420p", "-q:v", "3", path);
        return path;
    }

    /// <summary>Starts again serving other pictures (a camera that comes back with another resolution).</summary>
    public void Start(params (string Name, string Picture)[] mounts)
    {
        _mounts = mounts;
        Start();
    }

    public void Start()
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Support", "rtsp", "rtsp_test_server.py"));
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(Port.ToString());
        foreach (var (name, picture) in _mounts)
        {
            start.ArgumentList.Add("--mount");
            start.ArgumentList.Add($"{name}={picture}");
        }
        _process = Process.Start(start)!;
        var ready = _process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(20)) || ready.Result != "ready")
        {
            string error = _process.HasExited ? _process.StandardError.ReadToEnd() : "no answer in 20 s";
            Stop();
            throw new InvalidOperationException($"the RTSP test server did not start (run ./setup.sh): {error}");
        }
    }

    /// <summary>Kills the server: every client loses its stream at once, like a camera losing power.</summary>
    public void Stop()
    {
        if (_process is null) return;
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
