using System.Text.Json;
using System.Text.RegularExpressions;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Containers;

/// <summary>
/// A recording with damaged data inside (a bad sector, a copy cut short and patched, a camera's
/// card): ffmpeg decodes past the damage, concealing or leaving out the pictures it hits, and exits
/// 0, so a run over it completes. Before 0.17 nothing said the video was damaged; now the summary
/// (text, JSON) and the report say how many errors ffmpeg's decoder reported and the first one. The
/// reference count is ffmpeg's own, decoding the same file alone.
/// </summary>
public class DamagedVideoTests
{
    /// <summary>The clip with random bytes written over three stretches of its frame data (the MP4's index, at its end, is left whole).</summary>
    static string Damaged(TempFolder dir)
    {
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 60, audio: false);
        var bytes = File.ReadAllBytes(clip);
        var random = new Random(20261204);
        foreach (double at in new[] { 0.3, 0.5, 0.7 })
            random.NextBytes(bytes.AsSpan((int)(bytes.Length * at), 1500));
        File.WriteAllBytes(dir.File("damaged.mp4"), bytes);
        return dir.File("damaged.mp4");
    }

    /// <summary>
    /// Error messages of ffmpeg decoding the file's video alone ("Last message repeated N times" is
    /// N more of the line before): all of them, or only the H.264 decoder's own and ffmpeg's "Error
    /// while decoding stream" (a live source's other errors are its connection's).
    /// </summary>
    static int FfmpegErrors(string path, bool decoderOnly = false)
    {
        var result = ProcessRunner.Run("ffmpeg", ["-nostdin", "-hide_banner", "-v", "error", "-i", path, "-map", "0:v", "-f", "null", "-"], TimeSpan.FromMinutes(1));
        int count = 0;
        bool lastCounted = false;
        foreach (var line in result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Regex.Match(line, @"^Last message repeated (\d+) times?$") is { Success: true } m)
            {
                if (lastCounted) count += int.Parse(m.Groups[1].Value);
                continue;
            }
            lastCounted = !decoderOnly || line.StartsWith("[h264 @ ") || line.StartsWith("Error while decoding stream");
            if (lastCounted) count++;
        }
        return count;
    }

    [Fact]
    public void A_damaged_video_completes_and_says_how_many_errors_ffmpeg_reported()
    {
        using var dir = TestPaths.NewTempFolder();
        string damaged = Damaged(dir);
        int expected = FfmpegErrors(damaged);
        Assert.True(expected > 0, "ffmpeg finds the damage");

        var r = ProcessRunner.Cli(["analyze", damaged, "-o", dir.File("out.mp4"), "--backend", "cpu", "--json", "--report", dir.File("report.html")]);
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.StandardError}");
        using var summary = JsonDocument.Parse(r.StandardOutput);
        Assert.Equal("complete", summary.RootElement.GetProperty("status").GetString());
        Assert.Equal(expected, summary.RootElement.GetProperty("decode_errors").GetInt64());
        string first = summary.RootElement.GetProperty("first_decode_error").GetString()!;
        Assert.StartsWith("h264: ", first);
        Assert.DoesNotContain("0x", first); // ffmpeg's object address differs on every run
        Assert.Contains("damaged", File.ReadAllText(dir.File("report.html")));

        // The text summary says it in words; a part that ends before the file does (ffmpeg stopped
        // at its end, so no exit status to read errors from) still counts those before its end.
        var part = ProcessRunner.Cli(["analyze", damaged, "-o", dir.File("part.mp4"), "--backend", "cpu", "--end", "3.5"]);
        Assert.True(part.ExitCode == 0, $"exit {part.ExitCode}: {part.StandardError}");
        Assert.Matches(@"damaged: ffmpeg reported [1-9]\d* errors? decoding the video \(first: h264: ", part.StandardOutput);

        // The undamaged clip: nothing said, 0 in the JSON.
        var clean = ProcessRunner.Cli(["analyze", dir.File("clip.mp4"), "-o", dir.File("clean.mp4"), "--backend", "cpu", "--json"]);
        using var cleanSummary = JsonDocument.Parse(clean.StandardOutput);
        Assert.Equal(0, cleanSummary.RootElement.GetProperty("decode_errors").GetInt64());
        Assert.False(cleanSummary.RootElement.TryGetProperty("first_decode_error", out _));

        // A recording cut mid-way between keyframes (an export, a `-c copy` cut): ffmpeg reports
        // errors for the pictures before its first keyframe, which every such file has; no damage.
        string cut = MidGop(dir);
        Assert.True(FfmpegErrors(cut) > 0, "ffmpeg reports the pictures before the first keyframe");
        var leading = ProcessRunner.Cli(["analyze", cut, "-o", dir.File("cut.out.mp4"), "--backend", "cpu", "--json"]);
        Assert.True(leading.ExitCode == 0, $"exit {leading.ExitCode}: {leading.StandardError}");
        using var leadingSummary = JsonDocument.Parse(leading.StandardOutput);
        Assert.Equal(0, leadingSummary.RootElement.GetProperty("decode_errors").GetInt64());
    }

    /// <summary>The clip as MPEG-TS with a keyframe every 20 frames, its first 30 frames' packets cut off (10 before a keyframe).</summary>
    static string MidGop(TempFolder dir)
    {
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", dir.File("clip.mp4"), "-c:v", "libx264", "-preset", "ultrafast", "-g", "20",
            "-sc_threshold", "0", "-f", "mpegts", dir.File("whole.ts"));
        var packets = File.ReadAllBytes(dir.File("whole.ts"));
        // Where frame 30's packets begin: the byte position ffprobe gives for it, rounded down to a 188-byte packet.
        var positions = ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pos", "-of", "csv=p=0", dir.File("whole.ts"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(p => long.Parse(p.Trim().TrimEnd(','))).ToList();
        long from = positions[30] / 188 * 188;
        File.WriteAllBytes(dir.File("cut.ts"), packets[(int)from..]);
        return dir.File("cut.ts");
    }

    /// <summary>
    /// The same file played as a camera by `monitor`: its stream counts the decoder's errors
    /// (summary, /streams, metrics) and logs the first, and goes on. Before 0.17 a camera's lost
    /// packets were concealed without a trace.
    /// </summary>
    [Fact]
    public void A_monitored_stream_counts_the_decoders_errors_and_goes_on()
    {
        using var dir = TestPaths.NewTempFolder();
        string damaged = Damaged(dir);
        int expected = FfmpegErrors(damaged, decoderOnly: true);
        Assert.True(expected > 0, "ffmpeg's H.264 decoder finds the damage");

        var r = ProcessRunner.Cli(["monitor", $"cam={damaged}", $"clean={dir.File("clip.mp4")}", "--backend", "cpu", "--json"]);
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.StandardError}");
        using var summary = JsonDocument.Parse(r.StandardOutput);
        var streams = summary.RootElement.GetProperty("streams").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal(expected, streams["cam"].GetProperty("decode_errors").GetInt64());
        Assert.Equal("ended", streams["cam"].GetProperty("state").GetString());
        Assert.Equal(0, streams["clean"].GetProperty("decode_errors").GetInt64());
        Assert.Single(r.StandardError.Split('\n'), l => l.Contains("cam: damaged data from the source (h264: "));
        Assert.DoesNotContain("clean: damaged", r.StandardError);
    }

    /// <summary>
    /// The live page shows a damaged camera's decoding errors on its card, marked, as soon as
    /// there are any (before 0.18 only /streams and the metrics had them).
    /// </summary>
    [Fact]
    public async Task The_live_page_shows_a_damaged_cameras_decoding_errors()
    {
        using var dir = TestPaths.NewTempFolder();
        string damaged = Damaged(dir);
        int port = RtspTestServer.FreePort();
        using var cli = new RunningCli(["monitor", $"cam={damaged}", $"clean={dir.File("clip.mp4")}", "--loop", "--backend", "cpu",
            "--http", $"127.0.0.1:{port}", "--json"]);
        await cli.WaitForAsync("cam: damaged data from the source", TimeSpan.FromSeconds(60));
        string dom = HeadlessChromium.Dom($"http://127.0.0.1:{port}/", dir.File("chromium"));
        var cards = Regex.Matches(dom, "<section class=\"card[^\"]*\" id=\"s-([^\"]+)\">.*?</section>", RegexOptions.Singleline)
            .ToDictionary(m => m.Groups[1].Value, m => m.Value);
        var shown = Regex.Match(cards["cam"], "<dt class=\"warn\">damaged</dt><dd class=\"warn\">(\\d+) decoding errors in its pictures");
        Assert.True(shown.Success, cards["cam"]);
        Assert.DoesNotContain("damaged", cards["clean"]);
        var (exitCode, output) = cli.Terminate(TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, $"exit {exitCode}: {cli.StandardError}");
        using var summary = JsonDocument.Parse(output);
        var cam = summary.RootElement.GetProperty("streams").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "cam");
        Assert.InRange(int.Parse(shown.Groups[1].Value), 1, cam.GetProperty("decode_errors").GetInt64());
    }
}
