using System.Threading.Channels;
using VideoAffect.Media;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Media;

/// <summary>
/// FFMpegCore closes ffmpeg's output pipe as soon as ffmpeg exits, whether or not this side has
/// accepted its connection yet: a clip small enough to fit in the pipe's buffer can be decoded,
/// written and gone before that, on a loaded machine (a 3x3 interlaced clip read as "no decodable
/// video frames" in a suite run, 2026-12-07). The decoder runs such a run again, up to twice, and
/// says what happened when every run was lost. The lost runs are simulated
/// (<c>VideoFileDecoder.SimulatedLostPipes</c>: ffmpeg's output read and dropped unseen), as the
/// race itself cannot be called up at will.
/// </summary>
public class LostOutputPipeTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_run_whose_output_was_never_read_is_run_again_and_every_frame_comes_once(int lost)
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = TinyClip(dir);
        var expected = await DecodeAsync(clip, lost: 0);
        Assert.Equal(10, expected.Count);
        Assert.Equal(expected, await DecodeAsync(clip, lost));
    }

    [Fact]
    public async Task Every_run_lost_is_an_error_that_says_so_not_a_damaged_file()
    {
        using var dir = TestPaths.NewTempFolder();
        var e = await Assert.ThrowsAsync<VideoAffectException>(() => DecodeAsync(TinyClip(dir), lost: VideoFileDecoder.LostPipeRetries + 1));
        Assert.Contains("ffmpeg finished before its output was read, 3 times", e.Message);
    }

    static string TinyClip(TempFolder dir)
    {
        string clip = dir.File("tiny.mkv");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=16x16:rate=25:duration=0.4",
            "-vf", "scale=3:3,format=yuv444p", "-c:v", "ffv1", clip);
        return clip;
    }

    /// <summary>Each frame's time (to the microsecond) and its first pixel's blue, as the decoder hands them on.</summary>
    static async Task<List<(double Time, byte Blue)>> DecodeAsync(string path, int lost)
    {
        var info = await VideoProbe.ProbeAsync(path, CancellationToken.None);
        var decoder = new VideoFileDecoder(info, new FrameBufferPool(info.FrameBytes)) { SimulatedLostPipes = lost };
        var channel = Channel.CreateUnbounded<VideoFrame>();
        await decoder.RunAsync(channel.Writer, CancellationToken.None);
        var frames = new List<(double, byte)>();
        await foreach (var frame in channel.Reader.ReadAllAsync())
        {
            frames.Add((Math.Round(frame.Timestamp, 6), frame.Pixels[0]));
            frame.Dispose();
        }
        Assert.Equal(frames.Count, decoder.FramesDecoded);
        return frames;
    }
}
