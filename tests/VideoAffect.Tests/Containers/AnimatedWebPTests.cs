using System.Globalization;
using System.Text.Json;
using ImageMagick;
using OpenCvSharp;
using VideoAffect.Media;
using VideoAffect.Media.WebP;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Containers;

/// <summary>
/// Animated WebP, which ffmpeg cannot read back: libwebp's animation decoder composes the frames,
/// each at the time a browser shows it. Checked against the frames the file was made from (lossless:
/// exactly, transparency composed over black), against ImageMagick's own composition of a lossy
/// animation of blended sub-frames, and against webpmux's list of the frames' durations.
/// </summary>
public class AnimatedWebPTests
{
    /// <summary>Per frame: the duration img2webp is told (ms). 0 and 10 ms are shown for 100 ms, 11 ms as it says.</summary>
    static readonly int[] Durations = [40, 40, 0, 40, 10, 11, 250, 40, 40, 40];

    [Fact]
    public async Task Frames_are_the_images_it_was_made_from_at_the_times_a_browser_shows_them()
    {
        using var dir = TestPaths.NewTempFolder();
        var frames = TransparentFrames.Make(dir, Durations.Length, transparentLeft: 40);
        var args = new List<string> { "-loop", "0" };
        // img2webp takes no 0 ms frame: webpmux sets those afterwards.
        for (int i = 0; i < frames.Count; i++) args.AddRange(["-d", Math.Max(1, Durations[i]).ToString(CultureInfo.InvariantCulture), frames[i]]);
        args.AddRange(["-o", dir.File("made.webp")]);
        ProcessRunner.Tool("img2webp", [.. args]);
        var zero = Enumerable.Range(0, Durations.Length).Where(i => Durations[i] == 0).SelectMany(i => new[] { "-duration", $"0,{i + 1}" });
        ProcessRunner.Tool("webpmux", [.. zero, dir.File("made.webp"), "-o", dir.File("anim.webp")]);

        // webpmux, libwebp's own tool, lists what the file holds: the durations given, frame by frame.
        Assert.Equal(Durations, WebpmuxDurations(dir.File("anim.webp")));
        var expectedTimes = BrowserTimes(Durations);

        Assert.NotNull((await VideoProbe.ProbeAsync(dir.File("anim.webp"), CancellationToken.None)).Animation); // libwebp's, not ffmpeg's
        var decoded = await DecodedFrames.ReadAsync(dir.File("anim.webp"));
        Assert.Equal(expectedTimes, decoded.Select(f => f.Time));
        for (int i = 0; i < frames.Count; i++)
        {
            using var reference = TransparentFrames.OverBlack(frames[i]);
            Assert.True(reference.Width * reference.Height * 3 == decoded[i].Bgr.Length, $"frame {i}: size");
            reference.GetArray(out Vec3b[] pixels);
            var expected = System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan());
            // Exact where opaque or transparent; libwebp's premultiplication rounds half-transparent colours its own way.
            int worst = 0;
            for (int b = 0; b < expected.Length; b++) worst = Math.Max(worst, Math.Abs(expected[b] - decoded[i].Bgr[b]));
            Assert.True(worst <= 1, $"frame {i}: {worst} levels from the lossless source's pixels composed over black");
        }

        // The CLI: every frame analysed and written at those times (ffprobe on the annotated video),
        // and the faces on the first frame are OpenCV's own on the source image.
        var run = ProcessRunner.Cli(["analyze", dir.File("anim.webp"), "-o", dir.File("anim.annotated.mp4"), "--backend", "cpu", "--json"], timeoutSeconds: 90);
        Assert.True(run.ExitCode == 0, run.StandardError);
        using var summary = JsonDocument.Parse(run.StandardOutput);
        Assert.Equal(frames.Count, summary.RootElement.GetProperty("frames_decoded").GetInt32());
        Assert.Equal(expectedTimes, Clips.FrameTimes(dir.File("anim.annotated.mp4")).Select(t => t!.Value));
        var records = File.ReadAllLines(dir.File("anim.annotated.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(expectedTimes.Where((_, i) => records.Any(r => r.GetProperty("frame").GetInt32() == i)),
            records.Select(r => r.GetProperty("time").GetDouble()).Distinct());
        using var gray = new Mat();
        using (var first = TransparentFrames.OverBlack(frames[0])) Cv2.CvtColor(first, gray, ColorConversionCodes.BGR2GRAY);
        HaarReference.AssertRecordedFacesAreOpenCvs(gray, records, frame: 0);
    }

    [Fact]
    public async Task Lossy_blended_sub_frames_are_composed_as_ImageMagick_composes_them()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), frames: 8, fps: 10, width: 320, height: 240, audio: false);
        // ffmpeg's animated WebP encoder (libwebp's WebPAnimEncoder) stores the frames after the
        // first as lossy rectangles around what changed, alpha-blended over the canvas.
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-c:v", "libwebp_anim", "-loop", "0", "-q:v", "80", dir.File("anim.webp"));
        var listed = WebpmuxFrames(dir.File("anim.webp"));
        Assert.Contains(listed, f => f["blend"] == "yes" && int.Parse(f["width"], CultureInfo.InvariantCulture) < 320);

        var decoded = await DecodedFrames.ReadAsync(dir.File("anim.webp"));
        using var images = new MagickImageCollection(dir.File("anim.webp"));
        images.Coalesce();
        Assert.Equal(images.Count, decoded.Count);
        for (int i = 0; i < decoded.Count; i++)
        {
            var bgra = images[i].ToByteArray(MagickFormat.Bgra);
            int worst = 0;
            for (int p = 0, q = 0; p < bgra.Length; p += 4, q += 3)
                for (int c = 0; c < 3; c++)
                    worst = Math.Max(worst, Math.Abs((bgra[p + c] * bgra[p + 3] + 127) / 255 - decoded[i].Bgr[q + c]));
            Assert.True(worst <= 1, $"frame {i}: {worst} levels from ImageMagick's composition");
        }
        Assert.Equal(Enumerable.Range(0, decoded.Count).Select(i => Math.Round(i * 0.1, 6)), decoded.Select(f => Math.Round(f.Time, 6)));
    }

    [Fact]
    public void A_part_damage_and_wrong_streams_are_handled_as_for_videos()
    {
        using var dir = TestPaths.NewTempFolder();
        var frames = TransparentFrames.Make(dir, 6, transparentLeft: 0);
        var args = new List<string> { "-lossy", "-d", "200" };
        args.AddRange(frames);
        args.AddRange(["-o", dir.File("anim.webp")]);
        ProcessRunner.Tool("img2webp", [.. args]);

        // --start 0.3 --end 0.9: the frames at 0.4, 0.6 and 0.8 s, keeping their times.
        var part = ProcessRunner.Cli(["analyze", dir.File("anim.webp"), "-o", dir.File("part.mp4"), "--start", "0.3", "--end", "0.9", "--backend", "cpu"], timeoutSeconds: 90);
        Assert.True(part.ExitCode == 0, part.StandardError);
        Assert.Equal(3, Clips.CountFrames(dir.File("part.mp4")));
        var times = File.ReadAllLines(dir.File("part.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("time").GetDouble()).Distinct();
        Assert.Equal([0.4, 0.6, 0.8], times);

        // A folder stands for its videos and its animated WebPs, not its still ones.
        Directory.CreateDirectory(dir.File("folder"));
        File.Copy(dir.File("anim.webp"), dir.File("folder/anim.webp"));
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", frames[0], dir.File("folder/still.webp"));
        Directory.CreateDirectory(dir.File("out"));
        var folder = ProcessRunner.Cli(["analyze", dir.File("folder"), "-o", dir.File("out"), "--backend", "cpu"], timeoutSeconds: 90);
        Assert.True(folder.ExitCode == 0, folder.StandardError);
        Assert.Equal(["anim.annotated.jsonl", "anim.annotated.mp4", "anim.annotated.summary.json"], Directory.GetFiles(dir.File("out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        byte[] whole = File.ReadAllBytes(dir.File("anim.webp"));
        File.WriteAllBytes(dir.File("cut.webp"), whole[..(whole.Length * 2 / 3)]);
        var cut = ProcessRunner.Cli(["analyze", dir.File("cut.webp"), "-o", dir.File("cut.mp4")], timeoutSeconds: 60);
        Assert.Equal(2, cut.ExitCode);
        Assert.Equal($"videoaffect: error: '{dir.File("cut.webp")}' is not a readable animated WebP (damaged or truncated file)", cut.StandardError.Trim());
        Assert.False(File.Exists(dir.File("cut.mp4")));

        var stream = ProcessRunner.Cli(["analyze", dir.File("anim.webp"), "--video-stream", "1", "-o", dir.File("s.mp4")], timeoutSeconds: 60);
        Assert.Equal(2, stream.ExitCode);
        Assert.Contains("has no video stream 1 (its video streams: 0)", stream.StandardError);

        // monitor plays files through ffmpeg, which cannot: it says what the file is and what reads it.
        var monitor = ProcessRunner.Cli(["monitor", dir.File("anim.webp"), "--duration", "5"], timeoutSeconds: 60);
        Assert.Equal(1, monitor.ExitCode);
        Assert.Contains("is an animated WebP, which monitor cannot play (ffmpeg cannot decode one); analyze reads it", monitor.StandardError);
    }

    static int[] WebpmuxDurations(string path) =>
        WebpmuxFrames(path).Select(f => int.Parse(f["duration"], CultureInfo.InvariantCulture)).ToArray();

    /// <summary>webpmux -info's frame table: "No.: width height alpha x_offset y_offset duration dispose blend image_size compression".</summary>
    static List<Dictionary<string, string>> WebpmuxFrames(string path)
    {
        var lines = ProcessRunner.Tool("webpmux", "-info", path).Split('\n');
        int header = Array.FindIndex(lines, l => l.StartsWith("No.:", StringComparison.Ordinal));
        var columns = lines[header].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return lines.Skip(header + 1).Where(l => l.Contains(':'))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Zip(columns).ToDictionary(p => p.Second, p => p.First))
            .ToList();
    }

    /// <summary>Each frame's start when durations of 10 ms or less are shown for 100 ms (Chromium's and Firefox's rule).</summary>
    static double[] BrowserTimes(int[] durations)
    {
        var times = new double[durations.Length];
        for (int i = 1; i < times.Length; i++) times[i] = Math.Round(times[i - 1] + (durations[i - 1] <= 10 ? 100 : durations[i - 1]) / 1000.0, 6);
        return times;
    }
}
