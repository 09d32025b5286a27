using System.Globalization;
using System.Text.Json;
using ImageMagick;
using OpenCvSharp;
using VideoAffect.Media;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Containers;

/// <summary>
/// GIFs and animated PNGs are short clips (reactions, screen recordings, the web's looping
/// pictures): analyze reads them as videos, and a folder stands for them as it does for its videos.
/// A still picture given to analyze is refused with a line that names what reads photos (a single
/// frame could never confirm a track, so analyze would report no face). Checked against
/// ImageMagick's own composition of an optimised GIF and against ffprobe's frame counts.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class AnimatedImageTests
{
    /// <summary>Per frame, in GIF's hundredths of a second: 0 and 1 are shown for 100 ms by browsers (and by ffmpeg's GIF reader), 2 as it says.</summary>
    static readonly int[] DelaysCs = [4, 4, 0, 4, 1, 2, 25, 4];

    [Fact]
    public async Task An_optimised_GIF_is_analysed_frame_by_frame_at_the_times_a_browser_shows_it()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), frames: DelaysCs.Length, fps: 10, width: 320, height: 240, audio: false);
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, dir.File("f%02d.png"));
        using (var made = new MagickImageCollection())
        {
            for (int i = 0; i < DelaysCs.Length; i++)
            {
                var image = new MagickImage(dir.File($"f{i + 1:00}.png")) { AnimationDelay = (uint)DelaysCs[i], GifDisposeMethod = GifDisposeMethod.None };
                made.Add(image);
            }
            // What GIF makers do: later frames become the rectangle that changed, transparent where unchanged.
            made.Optimize();
            made.OptimizeTransparency();
            made.Write(dir.File("anim.gif"), MagickFormat.Gif);
        }
        using var reference = new MagickImageCollection(dir.File("anim.gif"));
        Assert.Contains(reference.Skip(1), f => f.Page.Width > 0 && f.Width < 320); // sub-frames, so composition is exercised
        Assert.Equal(DelaysCs, reference.Select(f => (int)f.AnimationDelay));
        reference.Coalesce();

        var expectedTimes = BrowserTimes(DelaysCs);
        var decoded = await DecodedFrames.ReadAsync(dir.File("anim.gif"));
        Assert.Equal(expectedTimes, decoded.Select(f => f.Time));
        for (int i = 0; i < decoded.Count; i++)
        {
            var bgra = reference[i].ToByteArray(MagickFormat.Bgra);
            int worst = 0;
            for (int p = 0, q = 0; p < bgra.Length; p += 4, q += 3)
                for (int c = 0; c < 3; c++)
                    worst = Math.Max(worst, Math.Abs(bgra[p + c] - decoded[i].Bgr[q + c]));
            Assert.True(worst == 0, $"frame {i}: {worst} levels from ImageMagick's composed frame");
        }

        // The CLI: every frame analysed, at those times (records and the annotated video, by
        // ffprobe), and the first frame's faces are OpenCV's on ImageMagick's frame.
        var run = ProcessRunner.Cli(["analyze", dir.File("anim.gif"), "-o", dir.File("anim.annotated.mp4"), "--backend", "cpu", "--json"], timeoutSeconds: 90);
        Assert.True(run.ExitCode == 0, run.StandardError);
        using var summary = JsonDocument.Parse(run.StandardOutput);
        Assert.Equal(DelaysCs.Length, summary.RootElement.GetProperty("frames_decoded").GetInt32());
        Assert.Equal(expectedTimes, Clips.FrameTimes(dir.File("anim.annotated.mp4")).Select(t => t!.Value));
        var records = File.ReadAllLines(dir.File("anim.annotated.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.Equal(expectedTimes[r.GetProperty("frame").GetInt32()], r.GetProperty("time").GetDouble()));
        using var first = new Mat(240, 320, MatType.CV_8UC3);
        System.Runtime.InteropServices.Marshal.Copy(decoded[0].Bgr, 0, first.Data, decoded[0].Bgr.Length);
        using var gray = new Mat();
        Cv2.CvtColor(first, gray, ColorConversionCodes.BGR2GRAY);
        HaarReference.AssertRecordedFacesAreOpenCvs(gray, records, frame: 0);
    }

    [Fact]
    public async Task Transparent_pixels_are_composed_over_black_as_in_an_animated_WebP()
    {
        using var dir = TestPaths.NewTempFolder();
        // Columns 0-39 transparent, 40-79 half (alpha 128), the rest opaque.
        var frames = TransparentFrames.Make(dir, 4, transparentLeft: 40);
        string pattern = dir.File("f%02d.png");
        void Make(string name, params string[] options) =>
            ProcessRunner.Tool("ffmpeg", ["-nostdin", "-v", "error", "-framerate", "10", "-start_number", "1", "-i", pattern, .. options, dir.File(name)]);
        Make("anim.png", "-f", "apng");                              // APNG, RGBA
        Make("animation.mov", "-c:v", "qtrle", "-pix_fmt", "argb");  // QuickTime Animation with alpha, as motion graphics are delivered
        Make("anim.gif", "-filter_complex", "split[a][b];[a]palettegen=reserve_transparent=1[p];[b][p]paletteuse=alpha_threshold=128"); // one transparent palette entry
        foreach (string name in new[] { "anim.png", "animation.mov" })
        {
            var decoded = await DecodedFrames.ReadAsync(dir.File(name));
            Assert.Equal(frames.Count, decoded.Count);
            for (int i = 0; i < frames.Count; i++)
            {
                using var reference = TransparentFrames.OverBlack(frames[i]);
                reference.GetArray(out Vec3b[] pixels);
                var expected = System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan());
                int worst = 0;
                for (int b = 0; b < expected.Length; b++) worst = Math.Max(worst, Math.Abs(expected[b] - decoded[i].Bgr[b]));
                // Exact where opaque or transparent; ffmpeg's premultiply rounds half-transparent colours its own way.
                Assert.True(worst <= 1, $"{name} frame {i}: {worst} levels from the source's pixels composed over black");
            }
        }
        // The GIF: its transparent columns black; the rest as ffmpeg decodes the GIF's opaque pixels.
        var gif = await DecodedFrames.ReadAsync(dir.File("anim.gif"));
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", dir.File("anim.gif"), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "bgra", dir.File("first.bgra"));
        byte[] rgba = File.ReadAllBytes(dir.File("first.bgra"));
        Assert.Equal(320 * 240 * 4, rgba.Length);
        for (int y = 0; y < 240; y++)
            for (int x = 0; x < 320; x++)
            {
                int p = y * 320 + x;
                bool opaque = rgba[p * 4 + 3] == 255;
                Assert.True(x >= 40 ? opaque : !opaque, $"({x},{y}): {(opaque ? "opaque" : "transparent")} in the GIF");
                for (int c = 0; c < 3; c++)
                    Assert.Equal(opaque ? rgba[p * 4 + c] : 0, gif[0].Bgr[p * 3 + c]);
            }
    }

    /// <summary>
    /// A phone's HEIC or AVIF and a camera's RAW given to analyze or monitor are photos too, where ffprobe
    /// took a HEIC for an MP4 "cut off before it was finished" (an ISO media file without a moov),
    /// and a CR3 (one with a moov) for a video in a codec ffmpeg lacks.
    /// </summary>
    [Fact]
    public void Photos_in_phone_and_camera_formats_are_refused_as_stills()
    {
        using var dir = TestPaths.NewTempFolder();
        using (var photo = OpenCvSharp.Cv2.ImRead(TestPaths.Photo("astronaut.png"), OpenCvSharp.ImreadModes.Color))
            DngFiles.Write(photo, dir.File("camera.dng"));
        PhotoFiles.Encode(TestPaths.Photo("astronaut.png"), dir.File("iphone.heic"));
        PhotoFiles.Encode(TestPaths.Photo("astronaut.png"), dir.File("android.avif"));
        // A CR3's start: an ISO media file of Canon's brand, then its boxes.
        File.WriteAllBytes(dir.File("canon.cr3"), [0, 0, 0, 0x18, .. "ftypcrx "u8, 0, 0, 0, 1, .. "crx isom"u8, .. new byte[4096]]);
        string[] photos = ["iphone.heic", "android.avif", "camera.dng", "canon.cr3"];
        var refused = ProcessRunner.Cli(["analyze", .. photos.Select(dir.File), "-o", dir.Path], timeoutSeconds: 60);
        Assert.Equal(2, refused.ExitCode);
        foreach (string photo in photos)
            Assert.Contains($"videoaffect: error: '{dir.File(photo)}' is a still image, not a video: 'videoaffect classify' finds and classifies the faces in photos", refused.StandardError);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.annotated.*"));

        // monitor, which plays files as cameras, says the same of each.
        var watched = ProcessRunner.Cli(["monitor", .. photos.Select(p => $"{Path.GetFileNameWithoutExtension(p)}={dir.File(p)}"), "--backend", "cpu", "--duration", "30s"], timeoutSeconds: 60);
        Assert.Equal(1, watched.ExitCode);
        foreach (string photo in photos)
            Assert.Contains($"{Path.GetFileNameWithoutExtension(photo)}: '{dir.File(photo)}' is a still image, not a video or a camera: 'videoaffect classify' finds and classifies the faces in photos", watched.StandardError);
    }

    [Fact]
    public void Still_pictures_are_refused_and_a_folder_stands_for_its_animations()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), frames: 6, fps: 10, width: 320, height: 240, audio: false);
        string folder = Directory.CreateDirectory(dir.File("in")).FullName;
        void Make(string name, params string[] options) =>
            ProcessRunner.Tool("ffmpeg", ["-nostdin", "-v", "error", "-i", clip, .. options, Path.Combine(folder, name)]);
        Make("a-anim.gif");
        Make("b-anim.png", "-f", "apng");
        Make("c-still.png", "-frames:v", "1");
        Make("d-still.gif", "-frames:v", "1");
        Make("e-still.jpg", "-frames:v", "1");
        Make("f-still.webp", "-frames:v", "1");
        Make("g-one-frame.png", "-frames:v", "1", "-f", "apng"); // an APNG of one frame is a still picture
        Make("h-stream.mjpeg", "-c:v", "mjpeg", "-f", "mjpeg"); // a raw MJPEG stream: many pictures, one after the other
        Make("i-anim.avif", "-c:v", "libaom-av1", "-cpu-used", "8", "-pix_fmt", "yuv420p", "-f", "avif"); // an image sequence (brand "avis")
        Make("j-still.avif", "-frames:v", "1", "-c:v", "libaom-av1", "-cpu-used", "8", "-still-picture", "1", "-pix_fmt", "yuv420p", "-f", "avif");

        foreach (string still in new[] { "c-still.png", "d-still.gif", "e-still.jpg", "f-still.webp", "g-one-frame.png", "j-still.avif" })
        {
            string input = Path.Combine(folder, still);
            var refused = ProcessRunner.Cli(["analyze", input, "-o", dir.File("still.mp4")], timeoutSeconds: 60);
            Assert.Equal(2, refused.ExitCode);
            Assert.Equal($"videoaffect: error: '{input}' is a still image, not a video: 'videoaffect classify' finds and classifies the faces in photos", refused.StandardError.Trim());
            Assert.False(File.Exists(dir.File("still.mp4")));
        }

        // monitor plays files as cameras: a still one is one line too (it played its one frame and
        // ended with no face before 0.16); the animations and the MJPEG stream play as they are.
        string[] stills = ["c-still.png", "d-still.gif", "e-still.jpg", "f-still.webp", "g-one-frame.png"];
        var watched = ProcessRunner.Cli(["monitor", .. stills.Concat(["a-anim.gif", "b-anim.png", "h-stream.mjpeg"]).Select(n => Path.Combine(folder, n)), "--backend", "cpu", "--duration", "60s"], timeoutSeconds: 90);
        Assert.Equal(1, watched.ExitCode); // some of its streams failed
        foreach (string still in stills)
            Assert.Contains($"{Path.GetFileNameWithoutExtension(still)}: '{Path.Combine(folder, still)}' is a still image, not a video or a camera: 'videoaffect classify' finds and classifies the faces in photos", watched.StandardError);
        foreach (string clipName in new[] { "a-anim", "b-anim", "h-stream" })
            Assert.Contains($"  {clipName}: ended, 6 frames read", watched.StandardOutput + watched.StandardError);

        // The folder: its animations and its video-like files (.mjpeg is not a video extension, so left out), in name order.
        string output = Directory.CreateDirectory(dir.File("out")).FullName;
        var run = ProcessRunner.Cli(["analyze", folder, "-o", output, "--backend", "cpu", "--json"], timeoutSeconds: 120);
        Assert.True(run.ExitCode == 0, run.StandardError);
        var summaries = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["a-anim.gif", "b-anim.png", "i-anim.avif"], summaries.Select(s => Path.GetFileName(s.GetProperty("input").GetString())));
        foreach (var s in summaries)
            Assert.Equal(Clips.CountFrames(s.GetProperty("input").GetString()!), s.GetProperty("frames_decoded").GetInt32());
        Assert.Equal(6, summaries[1].GetProperty("frames_decoded").GetInt32());

        // A raw MJPEG stream is read by the same reader as a JPEG photo, but holds a clip.
        var mjpeg = ProcessRunner.Cli(["analyze", Path.Combine(folder, "h-stream.mjpeg"), "-o", dir.File("mjpeg.mp4"), "--backend", "cpu", "--json"], timeoutSeconds: 60);
        Assert.True(mjpeg.ExitCode == 0, mjpeg.StandardError);
        Assert.Equal(6, JsonDocument.Parse(mjpeg.StandardOutput).RootElement.GetProperty("frames_decoded").GetInt32());
    }

    [Fact]
    public void An_animation_is_told_from_a_still_picture_by_its_blocks()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), frames: 3, fps: 10, width: 160, height: 120, audio: false);
        void Make(string name, params string[] options) =>
            ProcessRunner.Tool("ffmpeg", ["-nostdin", "-v", "error", "-i", clip, .. options, dir.File(name)]);
        Make("anim.gif");
        Make("still.gif", "-frames:v", "1");
        Make("anim.png", "-f", "apng");
        Make("one.png", "-f", "apng", "-frames:v", "1");
        Make("still.png", "-frames:v", "1");

        Assert.True(AnimatedImage.IsAnimatedFile(dir.File("anim.gif")));
        Assert.True(AnimatedImage.IsAnimatedFile(dir.File("anim.png")));
        Assert.False(AnimatedImage.IsAnimatedFile(dir.File("still.gif")));
        Assert.False(AnimatedImage.IsAnimatedFile(dir.File("one.png")));
        Assert.False(AnimatedImage.IsAnimatedFile(dir.File("still.png")));
        Assert.False(AnimatedImage.IsAnimatedFile(clip));
        Assert.False(AnimatedImage.IsAnimatedFile(dir.File("missing.gif")));

        // ImageMagick counts the GIF's images as we do; a GIF cut inside its second image has one whole image.
        using (var images = new MagickImageCollection(dir.File("anim.gif")))
            using (var file = File.OpenRead(dir.File("anim.gif")))
                Assert.Equal(images.Count, AnimatedImage.GifImages(file, atMost: 100));
        byte[] whole = File.ReadAllBytes(dir.File("anim.gif"));
        int second = SecondFrameStart(dir.File("anim.gif"));
        File.WriteAllBytes(dir.File("cut.gif"), whole[..(second + 40)]);
        Assert.False(AnimatedImage.IsAnimatedFile(dir.File("cut.gif")));
        File.WriteAllBytes(dir.File("cut.gif"), whole[..(second + 40)].Concat(whole[^1..]).ToArray()); // the trailer right after the cut
        Assert.False(AnimatedImage.IsAnimatedFile(dir.File("cut.gif")));
        Assert.False(AnimatedImage.IsAnimatedFile(dir.File("cut.gif")));
    }

    /// <summary>Where the GIF's second frame's blocks start (its extensions, then its image): the position ffprobe's GIF reader gives its second packet.</summary>
    static int SecondFrameStart(string gif)
    {
        var positions = ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "packet=pos", "-of", "csv=p=0", gif)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p.Trim().TrimEnd(','), CultureInfo.InvariantCulture)).ToList();
        Assert.True(positions.Count >= 2);
        return positions[1];
    }

    /// <summary>Each frame's start in seconds when delays of 1/100 s or less are shown for 100 ms.</summary>
    static double[] BrowserTimes(int[] delaysCs)
    {
        var times = new double[delaysCs.Length];
        for (int i = 1; i < times.Length; i++) times[i] = Math.Round(times[i - 1] + (delaysCs[i - 1] <= 1 ? 0.1 : delaysCs[i - 1] / 100.0), 6);
        return times;
    }
}
