using System.Text;
using System.Text.RegularExpressions;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Media;

/// <summary>
/// `--crf` sets the annotated video's quality and size: analyze's (x264, or libvpx for WebM) and
/// monitor's recordings. x264 writes its own settings into the stream it makes ("x264 - core ...
/// crf=35.0 ..."), which is what is read back; libvpx writes none, so WebM is judged by size.
/// A factor the encoder does not take is one line before anything is written.
/// </summary>
public class EncoderQualityTests
{
    [Fact]
    public void Analyze_encodes_at_the_crf_given_and_a_higher_one_is_smaller()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), frames: 30, fps: 15, audio: false);
        long Size(string name, params string[] crf)
        {
            var r = ProcessRunner.Cli(["analyze", clip, "-o", dir.File(name), "--backend", "cpu", "--events", dir.File(name + ".jsonl"), .. crf]);
            Assert.True(r.ExitCode == 0, r.StandardError);
            return new FileInfo(dir.File(name)).Length;
        }
        long standard = Size("standard.mp4"), small = Size("small.mp4", "--crf", "35");
        Assert.Equal("20.0", X264Crf(dir.File("standard.mp4")));
        Assert.Equal("35.0", X264Crf(dir.File("small.mp4")));
        Assert.True(small < standard * 0.8, $"CRF 35: {small} bytes against {standard} at 20");
        // WebM's CRF is libvpx's: 55 is past x264's range and smaller than its default of 31.
        long webm = Size("standard.webm"), smallWebm = Size("small.webm", "--crf", "55");
        Assert.True(smallWebm < webm * 0.8, $"CRF 55: {smallWebm} bytes against {webm} at 31");
    }

    [Theory]
    [InlineData("out.mp4", "52", "--crf 52: x264's constant rate factor for 'OUTPUT' goes from 0 (lossless) to 51 (up to 63 is libvpx's, for .webm)")]
    [InlineData("out.webm", "64", "--crf 64: the encoders' constant rate factors go from 0 (best) to 51 (x264) or 63 (libvpx, for .webm)")]
    [InlineData("out.mkv", "-1", "--crf -1: the encoders' constant rate factors go from 0 (best) to 51 (x264) or 63 (libvpx, for .webm)")]
    public void A_crf_the_encoder_does_not_take_is_one_line_and_nothing_is_written(string output, string crf, string line)
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), frames: 30, fps: 15, audio: false);
        var r = ProcessRunner.Cli(["analyze", clip, "-o", dir.File(output), "--backend", "cpu", "--crf", crf]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"videoaffect: error: {line.Replace("OUTPUT", dir.File(output))}", Assert.Single(r.StandardError.Trim().Split('\n')));
        Assert.Equal(["clip.mp4"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Monitor_records_at_the_crf_given_and_refuses_one_with_nothing_to_encode()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("camera.mp4"), frames: 30, fps: 15, audio: false);
        var r = ProcessRunner.Cli(["monitor", $"cam={clip}", "--record", dir.File("rec"), "--crf", "30", "--backend", "cpu"], timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        string segment = Assert.Single(Directory.GetFiles(dir.File("rec"), "cam-*.mp4"));
        Assert.Equal("30.0", X264Crf(segment));

        var alone = ProcessRunner.Cli(["monitor", $"cam={clip}", "--crf", "30", "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(2, alone.ExitCode);
        Assert.Equal("videoaffect: error: --crf sets the quality of --record's and --restream's video; give one of them too", Assert.Single(alone.StandardError.Trim().Split('\n')));
        var high = ProcessRunner.Cli(["monitor", $"cam={clip}", "--record", dir.File("rec"), "--crf", "52", "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(2, high.ExitCode);
        Assert.Contains("--crf 52: x264's constant rate factor goes from 0 (lossless) to 51", high.StandardError);
    }

    /// <summary>The CRF in the settings x264 writes into the H.264 stream it encodes.</summary>
    static string X264Crf(string file)
    {
        string bytes = Encoding.Latin1.GetString(File.ReadAllBytes(file));
        var match = Regex.Match(bytes, @"x264 - core \d+.*? crf=(\d+\.\d)", RegexOptions.Singleline);
        Assert.True(match.Success, $"no x264 settings in {file}");
        return match.Groups[1].Value;
    }
}
