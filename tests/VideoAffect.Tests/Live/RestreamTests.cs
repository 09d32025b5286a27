using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// `monitor --restream`: a stream's annotated video pushed live to a real RTMP server (ffmpeg
/// listening as one), which is not there at first: the push fails, is said and tried again while
/// the stream goes on, and once the server listens every later frame reaches it, each the frame
/// the recording has.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class RestreamTests
{
    [Fact]
    public async Task The_annotated_stream_reaches_a_server_that_comes_late_and_every_frame_is_pushed_or_counted()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("lobby.mp4"), 45, fps: 15, width: 320, height: 240, audio: false);
        string recordings = Directory.CreateDirectory(dir.File("rec")).FullName;
        string pushed = dir.File("pushed.flv");
        int port = RtspTestServer.FreePort(), httpPort = RtspTestServer.FreePort();
        using var cli = new RunningCli(["monitor", $"lobby={clip}", "--loop", "--backend", "cpu", "--record", recordings, "--json", "--duration", "12s",
            "--restream", $"rtmp://pub:s3cret@127.0.0.1:{port}/live/{{name}}", "--http", $"127.0.0.1:{httpPort}"]);

        // Nothing listens yet: the push fails, is said (the server, not its path or password), and is tried again in 5 s.
        await cli.WaitForAsync($"lobby: restream to rtmp://127.0.0.1:{port} failed: ", TimeSpan.FromSeconds(60));
        Assert.Contains("Connection refused; trying again in 5 s, the stream goes on", cli.StandardError);
        // The frames the server misses meanwhile are counted for Prometheus too.
        await Task.Delay(1000);
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
            Assert.Matches(@"videoaffect_frames_not_restreamed_total\{[^}]*stream=""lobby""[^}]*\} [1-9]", await http.GetStringAsync($"http://127.0.0.1:{httpPort}/metrics"));
        var server = Task.Run(() => ProcessRunner.Run("ffmpeg", ["-nostdin", "-v", "error", "-y", "-listen", "1", "-f", "flv",
            "-i", $"rtmp://127.0.0.1:{port}/live/lobby", "-c", "copy", pushed], TimeSpan.FromSeconds(60)));

        var (exitCode, output) = cli.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, cli.StandardError);
        Assert.DoesNotContain("s3cret", cli.StandardError);
        var listened = await server.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(listened.ExitCode == 0 && File.Exists(pushed), $"the server: {listened.StandardError}\nmonitor: {cli.StandardError}");

        // Every processed frame was pushed or counted as left out: the ~5 s before the server came, and none after.
        var stream = JsonDocument.Parse(output).RootElement.GetProperty("streams")[0];
        int processed = stream.GetProperty("processed").GetInt32();
        int notRestreamed = stream.GetProperty("not_restreamed").GetInt32();
        int received = Clips.CountFrames(pushed);
        Assert.True(notRestreamed >= 30, $"{notRestreamed} frames left out while nothing listened ({processed} processed)");
        Assert.True(received >= 45, $"{received} frames pushed");
        Assert.InRange(processed - notRestreamed - received, 0, 4); // the frames the refused ffmpeg read before it failed (2 measured)
        Assert.Equal("h264,320,240", ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", pushed).Trim());

        // The frames pushed are the annotated ones the recording holds: its last frames, one for one.
        Assert.Equal(0, stream.GetProperty("not_recorded").GetInt32());
        var recorded = await DecodedFrames.ReadAsync(Assert.Single(Directory.GetFiles(recordings, "lobby-*.mp4")));
        var sent = await DecodedFrames.ReadAsync(pushed);
        Assert.Equal(processed, recorded.Count);
        // Each frame at its capture time, 15 fps here (66.7 ms), in both: the encoders' time base was
        // the nominal 1/25 s before 0.30, which put these frames 40 and 80 ms apart (and two of
        // every six of a 30 fps camera's at one time).
        foreach (var (what, frames) in new[] { ("recording", recorded), ("restream", sent) })
        {
            var steps = frames.Zip(frames.Skip(1), (a, b) => b.Time - a.Time).Order().ToList();
            Assert.True(steps[0] > 0, $"two frames of the {what} at one time");
            Assert.InRange(steps[steps.Count / 2], 0.060, 0.073);
        }

        // Two encodings of one frame: ~2 levels apart on average, hardly a byte beyond 64 levels
        // (measured: at most 1 in 200,000). The same frame without its box and label is that far
        // from the annotated one in 0.7% of its bytes (the sample clip, analyze's output against its
        // source); the moving face's neighbouring frame in 5-15%.
        Assert.True(stream.GetProperty("faces").GetInt32() > 0, "no face annotated");
        for (int k = 1; k <= 10; k++)
        {
            var (sentFrame, recordedFrame) = (sent[^k].Bgr, recorded[^k].Bgr);
            Assert.True(MeanDifference(sentFrame, recordedFrame) < 4 && FarApart(sentFrame, recordedFrame) < 0.001,
                $"the pushed frame {k} from the end is {MeanDifference(sentFrame, recordedFrame):0.00} levels from the recording's on average, {FarApart(sentFrame, recordedFrame):P2} of it beyond 64");
        }
    }

    /// <summary>The share of bytes more than 64 levels apart.</summary>
    static double FarApart(byte[] a, byte[] b)
    {
        int far = 0;
        for (int i = 0; i < a.Length; i++) if (Math.Abs(a[i] - b[i]) > 64) far++;
        return (double)far / a.Length;
    }

    static double MeanDifference(byte[] a, byte[] b)
    {
        Assert.Equal(a.Length, b.Length);
        long sum = 0;
        for (int i = 0; i < a.Length; i++) sum += Math.Abs(a[i] - b[i]);
        return (double)sum / a.Length;
    }
}
