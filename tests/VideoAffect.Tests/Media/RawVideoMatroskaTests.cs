using System.Globalization;
using VideoAffect.Media.Matroska;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Media;

/// <summary>
/// The Matroska pipe format both ways, against ffmpeg itself: what our writer writes, ffmpeg reads as
/// the same pixels at the same times; what ffmpeg writes, our reader reads back exactly.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class RawVideoMatroskaTests
{
    static byte[] Pattern(int width, int height, int seed)
    {
        var pixels = new byte[width * height * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7 + seed * 31 + i / (width * 3));
        return pixels;
    }

    [Theory]
    [InlineData(7, 5)]
    [InlineData(640, 480)]
    [InlineData(3840, 2160)] // 25 MB frames
    public void Ffmpeg_reads_our_frames_with_their_pixels_and_times(int width, int height)
    {
        using var dir = TestPaths.NewTempFolder();
        double[] times = [0, 0.0333, 0.5, 0.5334];
        var writer = new RawVideoMatroskaWriter(width, height, 1 / 30.0);
        using (var file = File.Create(dir.File("ours.mkv")))
        {
            file.Write(writer.Header());
            for (int f = 0; f < times.Length; f++)
            {
                file.Write(writer.FramePrefix(times[f]));
                file.Write(Pattern(width, height, f));
            }
        }
        // ffmpeg decodes it back to raw BGR: every byte and every time must survive.
        var raw = ProcessRunner.Run("ffmpeg", ["-nostdin", "-v", "error", "-f", "matroska", "-i", dir.File("ours.mkv"), "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "bgr24", dir.File("back.raw")], TimeSpan.FromSeconds(120));
        Assert.True(raw.ExitCode == 0, raw.StandardError);
        var back = File.ReadAllBytes(dir.File("back.raw"));
        Assert.Equal(times.Length * width * height * 3, back.Length);
        for (int f = 0; f < times.Length; f++)
            Assert.True(back.AsSpan(f * width * height * 3, width * height * 3).SequenceEqual(Pattern(width, height, f)), $"frame {f} differs");
        var probed = ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "packet=pts_time", "-of", "csv=p=0", dir.File("ours.mkv"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(t => double.Parse(t.Trim().TrimEnd(','), CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(times, probed);
    }

    [Theory]
    [InlineData(7, 5)]
    [InlineData(3840, 2160)]
    public async Task We_read_ffmpegs_frames_with_their_pixels_and_times(int width, int height)
    {
        using var dir = TestPaths.NewTempFolder();
        // ffmpeg's own test pattern at 25 fps, written both as Matroska (our reader's input) and as raw bytes (the reference).
        string source = $"testsrc2=rate=25:duration=0.16,scale={width}:{height}";
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", source, "-c:v", "rawvideo", "-pix_fmt", "bgr24", "-allow_raw_vfw", "1", "-f", "matroska", dir.File("theirs.mkv"));
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", source, "-f", "rawvideo", "-pix_fmt", "bgr24", dir.File("theirs.raw"));
        var expected = File.ReadAllBytes(dir.File("theirs.raw"));
        int frameBytes = width * height * 3;
        await using var input = File.OpenRead(dir.File("theirs.mkv"));
        var reader = new RawVideoMatroskaReader(input);
        var buffer = new byte[frameBytes];
        int frames = 0;
        while (await reader.ReadFrameAsync(buffer, CancellationToken.None) is { } ns)
        {
            Assert.Equal(frames * 40_000_000L, ns); // 25 fps in Matroska's milliseconds
            Assert.True(buffer.AsSpan().SequenceEqual(expected.AsSpan(frames * frameBytes, frameBytes)), $"frame {frames} differs");
            frames++;
        }
        Assert.Equal(4, frames);
    }
}
