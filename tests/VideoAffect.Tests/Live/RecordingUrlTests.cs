using System.Diagnostics;
using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// `monitor` given a recording at a URL (a finished HLS playlist, a video file on a web server):
/// before 0.17 it was read as fast as the network gave it, most frames dropped, and started again
/// at its end as a camera that had dropped off, over and over. It is played at its own rate, once,
/// as a local file is; with --loop, again from its start, with no reconnection. Not timed beyond
/// "no faster than its own rate", so not in the serial live collection.
/// </summary>
public sealed class RecordingUrlTests
{
    [Fact]
    public void A_recording_at_a_url_plays_at_its_own_rate_once_or_again_with_loop()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 20, fps: 10, width: 320, height: 240, audio: false);
        string site = dir.File("site");
        Directory.CreateDirectory(site);
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-c", "copy", "-f", "hls", "-hls_time", "1", "-hls_list_size", "0", Path.Combine(site, "vod.m3u8"));
        using var server = new HttpFileServer(site);

        var clock = Stopwatch.StartNew();
        var once = ProcessRunner.Cli(["monitor", $"vod={server.Url("vod.m3u8")}", "--backend", "cpu", "--json"], timeoutSeconds: 90);
        clock.Stop();
        Assert.True(once.ExitCode == 0, once.StandardError);
        Assert.Contains("vod: a recording (2 s), played at its own rate, once", once.StandardError);
        var stream = JsonDocument.Parse(once.StandardOutput).RootElement.GetProperty("streams")[0];
        Assert.Equal("ended", stream.GetProperty("state").GetString());
        Assert.Equal(20, stream.GetProperty("frames").GetInt64()); // each frame once (0.16: the playlist again and again)
        Assert.Equal(0, stream.GetProperty("reconnects").GetInt64());
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(1.8), $"played at its 10 fps, not as fast as it came ({clock.Elapsed.TotalSeconds:0.0} s)");

        var looped = ProcessRunner.Cli(["monitor", $"vod={server.Url("vod.m3u8")}", "--backend", "cpu", "--loop", "--duration", "6s", "--json"], timeoutSeconds: 90);
        Assert.True(looped.ExitCode == 0, looped.StandardError);
        var again = JsonDocument.Parse(looped.StandardOutput).RootElement.GetProperty("streams")[0];
        Assert.True(again.GetProperty("frames").GetInt64() > 30, $"played more than once: {again}");
        Assert.Equal(0, again.GetProperty("reconnects").GetInt64());
        Assert.DoesNotContain("reconnecting", looped.StandardError);
    }
}
