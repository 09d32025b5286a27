using System.Diagnostics;
using FFMpegCore;
using VideoAffect.Media;

namespace VideoAffect.Live;

/// <summary>
/// One ffmpeg that receives a pushed stream on its URL (is an SRT listener, an RTMP or HTTP server
/// for one sender, takes UDP datagrams) and hands its bytes over unchanged (ffmpeg's "data" demuxer and muxer: no
/// parsing, no remuxing), so that the probe and the decoder both read the one connection a sender
/// makes. It ends when the sender closes its connection; a new relay listens again. (A TCP port
/// is held open by us instead: <see cref="TcpPushListener"/>.)
/// </summary>
internal sealed class ByteRelay : IDisposable
{
    readonly Process _process;
    readonly Task<string> _errors;

    ByteRelay(Process process, string threadName)
    {
        _process = process;
        _errors = process.StandardError.ReadToEndAsync();
        Bytes = new PushedBytes(process.StandardOutput.BaseStream, threadName);
    }

    /// <summary>The bytes received, as they come.</summary>
    public PushedBytes Bytes { get; }

    /// <summary>Starts receiving <paramref name="source"/> (a listening port is open when this returns, or ffmpeg is about to open it).</summary>
    public static ByteRelay Start(LiveSourceSpec source)
    {
        var start = new ProcessStartInfo(GlobalFFOptions.GetFFMpegBinaryPath())
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        // An RTMP or HTTP server for one sender: ffmpeg's -listen, the URL without our listen=1
        // (RTMP then hands over the FLV it receives, HTTP the body of the sender's POST or PUT).
        string[] input = source.ListensAsServer ? ["-listen", "1", "-f", "data", "-i", source.ServerUrl] : ["-f", "data", "-i", source.Location];
        foreach (var a in new[] { "-hide_banner", "-nostdin", "-v", "error" }.Concat(input).Concat(["-map", "0", "-c", "copy", "-f", "data", "pipe:1"]))
            start.ArgumentList.Add(a);
        var process = new Process { StartInfo = start };
        try { process.Start(); }
        catch (System.ComponentModel.Win32Exception) { throw new VideoAffectException("ffmpeg is not installed; run ./setup.sh"); }
        return new ByteRelay(process, $"{source.Name} receive");
    }

    /// <summary>
    /// Why the relay ended without a sender's bytes, once it has exited: null when a connection
    /// came and closed with nothing sent (a port check, a health probe), else ffmpeg's error (a
    /// port already taken, a bad option, a sender that broke off its handshake).
    /// </summary>
    public async Task<string?> FailureAsync()
    {
        await _process.WaitForExitAsync();
        string errors = await _errors;
        if (_process.ExitCode == 0 && errors.Trim().Length == 0) return null;
        return FfmpegErrors.Reason(errors.Length > 0 ? errors : $"ffmpeg exited with code {_process.ExitCode}");
    }

    public void Dispose()
    {
        Bytes.Abandon();
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // exited meanwhile
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
