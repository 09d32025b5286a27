using System.Text.Json;
using OpenCvSharp;
using VideoAffect.Classification;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>`classify` on many images: a bad one is reported on its own line and the rest are still done.</summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class ClassifyCliTests
{
    [Fact]
    public void Bad_images_are_reported_one_line_each_and_the_good_ones_still_classified()
    {
        using var dir = TestPaths.NewTempFolder();
        string good = TestPaths.Photo("astronaut.png");
        byte[] png = File.ReadAllBytes(good);
        File.WriteAllBytes(dir.File("truncated.png"), png[..30000]);
        var flipped = (byte[])png.Clone();
        flipped[5000] ^= 0xFF;
        File.WriteAllBytes(dir.File("damaged.png"), flipped);
        File.WriteAllText(dir.File("text.png"), "not an image");

        // A FIFO nobody writes to blocked the read for ever, and SIGTERM could not end it.
        ProcessRunner.Tool("mkfifo", dir.File("pipe.png"));

        Directory.CreateDirectory(dir.File("empty"));
        var r = ProcessRunner.Cli(["classify", dir.File("truncated.png"), good, dir.File("damaged.png"), dir.File("text.png"), dir.File("pipe.png"), dir.File("empty"), good, "--backend", "cpu", "--json"], timeoutSeconds: 90);
        Assert.Equal(2, r.ExitCode);
        var errors = r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, errors.Length);
        Assert.All(errors, l => Assert.StartsWith("videoaffect: error: ", l)); // no libpng line, no trace
        Assert.Contains("truncated", errors[0]);
        Assert.Contains("CRC", errors[1]);
        Assert.Contains($"'{dir.File("pipe.png")}' is a named pipe (FIFO), not an image", errors[3]);
        Assert.Contains($"folder '{dir.File("empty")}' holds no images", errors[4]);
        var lines = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(7, lines.Count); // one line per image, in order
        Assert.Equal(2, lines.Count(l => l.TryGetProperty("faces", out var f) && f.GetArrayLength() == 1));
        Assert.True(lines[1].TryGetProperty("faces", out _));
        Assert.True(lines[0].TryGetProperty("error", out _));
    }

    /// <summary>
    /// A JPEG cut short (an interrupted download or upload) decodes without an error, its lower part
    /// grey: classify said nothing (libjpeg's "Premature end of JPEG file" on stderr, not ours) and
    /// gave the faces of the top part as the photo's. Now it is a damaged JPEG, refused in one line,
    /// whether baseline or progressive (whose scans are each read to their end); a whole JPEG with
    /// bytes after its end (a phone's trailer) is still read.
    /// </summary>
    [Fact]
    public void A_jpeg_cut_short_is_refused_as_truncated_not_classified_from_its_top_part()
    {
        using var dir = TestPaths.NewTempFolder();
        string baseline = TestPaths.Photo("faces/sample1.jpg");
        string progressive = dir.File("progressive.jpg");
        using (var image = new ImageMagick.MagickImage(baseline))
        {
            image.Settings.Interlace = ImageMagick.Interlace.Plane;
            image.Write(progressive, ImageMagick.MagickFormat.Pjpeg);
        }
        Assert.True(File.ReadAllBytes(progressive).AsSpan().IndexOf([(byte)0xFF, (byte)0xC2]) > 0, "a progressive JPEG (SOF2)");
        Assert.Null(ImageHeader.JpegDamage(baseline));
        Assert.Null(ImageHeader.JpegDamage(progressive));
        foreach (var (name, source) in new[] { ("baseline", baseline), ("progressive", progressive) })
        {
            var bytes = File.ReadAllBytes(source);
            File.WriteAllBytes(dir.File($"{name}-cut.jpg"), bytes[..(bytes.Length * 2 / 3)]);
            File.WriteAllBytes(dir.File($"{name}-trailer.jpg"), [.. bytes, .. "MPF trailer after the picture"u8.ToArray()]);
        }
        var r = ProcessRunner.Cli(["classify", dir.File("baseline-cut.jpg"), dir.File("baseline-trailer.jpg"), dir.File("progressive-cut.jpg"), dir.File("progressive-trailer.jpg"),
            "--backend", "cpu", "--json"], timeoutSeconds: 90);
        Assert.Equal(2, r.ExitCode);
        var errors = r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([$"videoaffect: error: '{dir.File("baseline-cut.jpg")}' is a damaged JPEG: it is truncated (its data ends before the picture does)",
            $"videoaffect: error: '{dir.File("progressive-cut.jpg")}' is a damaged JPEG: it is truncated (its data ends before the picture does)"], errors);
        var lines = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([false, true, false, true], lines.Select(l => l.TryGetProperty("faces", out _)));
        // OpenCV's cascade finds the photo's two faces in the whole files (`classify` on it gives two).
        Assert.All(lines.Where(l => l.TryGetProperty("faces", out _)), l => Assert.Equal(2, l.GetProperty("faces").GetArrayLength()));
    }

    /// <summary>BlazeFace on photos: the group photo's four faces (Haar finds one) and the cameraman in profile (Haar finds none).</summary>
    [Fact]
    public void Classify_with_BlazeFace_finds_the_faces_Haar_misses()
    {
        var r = ProcessRunner.Cli(["classify", TestPaths.Photo("faces/sample4.jpg"), TestPaths.Photo("camera.png"), "--detector", "blazeface", "--backend", "cpu", "--json"], timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        var lines = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([4, 1], lines.Select(l => l.GetProperty("faces").GetArrayLength()));
    }

    [Fact]
    public void An_image_above_the_pixel_limit_is_refused_before_it_is_decoded()
    {
        using var dir = TestPaths.NewTempFolder();
        // 108 megapixels of gray compress to little; decoded and processed they would take gigabytes.
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "color=gray:size=12000x9000", "-frames:v", "1", dir.File("huge.png"));
        var r = ProcessRunner.Cli(["classify", dir.File("huge.png"), "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("12000x9000 (108 megapixels), above the limit of 100", r.StandardError);
        r = ProcessRunner.Cli(["classify", TestPaths.Photo("astronaut.png"), "--backend", "cpu", "--max-megapixels", "0.2"], timeoutSeconds: 60);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("512x512", r.StandardError);
    }

    [Theory]
    [InlineData("png")]
    [InlineData("jpg")]
    [InlineData("bmp")]
    [InlineData("gif")]
    [InlineData("webp")]
    public void Header_sizes_equal_what_OpenCV_decodes(string extension)
    {
        using var dir = TestPaths.NewTempFolder();
        string path = dir.File($"odd.{extension}");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", TestPaths.Photo("astronaut.png"), "-vf", "scale=333:217", "-frames:v", "1", path);
        using var decoded = Cv2.ImRead(path, ImreadModes.Unchanged);
        Assert.False(decoded.Empty());
        Assert.Equal((decoded.Width, decoded.Height), ImageHeader.ReadSize(path));
        Assert.Null(PngChunks.Damage(File.ReadAllBytes(path)));
    }
    /// <summary>
    /// --annotate draws each face where the detector found it, as the video does: checked on the
    /// astronaut, whose face OpenCV's cascade finds at (177, 66, 95, 95) (hand-checked): the box's
    /// edge is in the palette's colour for her label, and far from the box not one pixel changed
    /// (PNG in, PNG out, so any other change would show).
    /// </summary>
    [Fact]
    public void Annotate_draws_each_face_on_a_copy_of_its_image()
    {
        using var dir = TestPaths.NewTempFolder();
        Directory.CreateDirectory(dir.File("out"));
        string photo = TestPaths.Photo("astronaut.png");
        var r = ProcessRunner.Cli(["classify", photo, "--annotate", dir.File("out"), "--backend", "cpu"], timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Contains("happy", r.StandardOutput);

        using var before = Cv2.ImRead(photo, ImreadModes.Color);
        using var after = Cv2.ImRead(dir.File("out/astronaut.annotated.png"), ImreadModes.Color);
        Assert.Equal(before.Size(), after.Size());
        var happy = VideoAffect.Reports.EmotionPalette.Bgr("happy", 3);
        var edge = after.At<Vec3b>(66 + 60, 177); // the left edge, below the label
        Assert.Equal(((byte)happy.Val0, (byte)happy.Val1, (byte)happy.Val2), (edge.Item0, edge.Item1, edge.Item2));
        Assert.NotEqual(before.At<Vec3b>(66 + 60, 177), edge);
        using var difference = new Mat();
        Cv2.Absdiff(before, after, difference);
        using var changed = difference.CvtColor(ColorConversionCodes.BGR2GRAY).Threshold(0, 255, ThresholdTypes.Binary);
        var bounds = Cv2.BoundingRect(changed);
        // Box, its line width and the label above it; nothing anywhere else.
        Assert.InRange(bounds.Left, 170, 177);
        Assert.InRange(bounds.Right, 177 + 95, 177 + 95 + 80);
        Assert.InRange(bounds.Bottom, 66 + 95, 66 + 95 + 4);
        Assert.InRange(bounds.Top, 30, 66);
        Assert.Empty(Directory.GetFiles(dir.File("out"), "*partial*"));
    }

    /// <summary>A folder stands for the images in it, by name, leaving out other files and the annotated copies of an earlier run.</summary>
    [Fact]
    public void A_folder_stands_for_the_images_in_it()
    {
        using var dir = TestPaths.NewTempFolder();
        string photos = dir.File("photos");
        Directory.CreateDirectory(photos);
        File.Copy(TestPaths.Photo("astronaut.png"), Path.Combine(photos, "b.png"));
        File.Copy(TestPaths.Photo("coffee.png"), Path.Combine(photos, "A.PNG"));
        File.WriteAllText(Path.Combine(photos, "notes.txt"), "not an image");
        for (int run = 1; run <= 2; run++)
        {
            // The second run finds the first one's annotated copies beside the photos, and leaves them out.
            var r = ProcessRunner.Cli(["classify", photos, "--annotate", photos, "--json", "--backend", "cpu"], timeoutSeconds: 90);
            Assert.True(r.ExitCode == 0, r.StandardError);
            var lines = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(["A.PNG", "b.png"], lines.Select(l => Path.GetFileName(l.GetProperty("image").GetString())));
            Assert.Equal([0, 1], lines.Select(l => l.GetProperty("faces").GetArrayLength()));
        }
        Assert.Equal(["A.PNG", "A.annotated.png", "b.annotated.png", "b.png", "notes.txt"], Directory.GetFiles(photos).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("missing-folder", "--annotate names a folder that exists")]
    [InlineData("same-name", "would both be annotated as")]
    [InlineData("output-is-input", "is the input")]
    public void Annotate_refuses_names_that_would_clash_before_writing(string kind, string expected)
    {
        using var dir = TestPaths.NewTempFolder();
        Directory.CreateDirectory(dir.File("a"));
        Directory.CreateDirectory(dir.File("b"));
        Directory.CreateDirectory(dir.File("out"));
        File.Copy(TestPaths.Photo("astronaut.png"), dir.File("a/face.png"));
        File.Copy(TestPaths.Photo("astronaut.png"), dir.File("b/face.png"));
        File.Copy(TestPaths.Photo("astronaut.png"), dir.File("out/face.annotated.png"));
        string[] arguments = kind switch
        {
            "missing-folder" => [dir.File("a/face.png"), "--annotate", dir.File("nowhere")],
            "same-name" => [dir.File("a/face.png"), dir.File("b/face.png"), "--annotate", dir.File("out")],
            "output-is-input" => [dir.File("a/face.png"), dir.File("out/face.annotated.png"), "--annotate", dir.File("out")],
            _ => throw new ArgumentException(kind),
        };
        var before = Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);
        var r = ProcessRunner.Cli(["classify", .. arguments, "--backend", "cpu"], timeoutSeconds: 90);
        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
        Assert.Equal("", r.StandardOutput);
        var after = Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories);
        Assert.Equal(before.Keys.Order(), after.Order());
        Assert.All(after, f => Assert.Equal(before[f], File.ReadAllBytes(f)));
    }

    /// <summary>`curl -s URL | videoaffect classify -`: the piped image is classified as its file is, named "-".</summary>
    [Fact]
    public void An_image_piped_to_standard_input_is_classified_as_its_file_is()
    {
        using var dir = TestPaths.NewTempFolder();
        string photo = TestPaths.Photo("astronaut.png");
        Directory.CreateDirectory(dir.File("out"));
        string Cli(string args) => $"dotnet '{TestPaths.CliAssembly}' classify {args} --backend cpu";
        var file = ProcessRunner.Cli(["classify", photo, "--json", "--backend", "cpu"], timeoutSeconds: 60);
        Assert.True(file.ExitCode == 0, file.StandardError);
        var piped = ProcessRunner.Run("bash", ["-c", $"cat '{photo}' | {Cli($"- --json --annotate '{dir.File("out")}'")}"], TimeSpan.FromSeconds(60));
        Assert.True(piped.ExitCode == 0, piped.StandardError);
        var expected = JsonDocument.Parse(file.StandardOutput).RootElement;
        var got = JsonDocument.Parse(piped.StandardOutput).RootElement;
        Assert.Equal("-", got.GetProperty("image").GetString());
        Assert.Equal(expected.GetProperty("faces").GetRawText(), got.GetProperty("faces").GetRawText());
        // Its annotated copy is named after standard input, in the format its bytes say.
        Assert.True(File.Exists(dir.File("out/stdin.annotated.png")), string.Join(", ", Directory.GetFiles(dir.File("out"))));

        // /dev/stdin is the same; an empty pipe, a second '-' and a terminal's input are one line each.
        var dev = ProcessRunner.Run("bash", ["-c", $"cat '{photo}' | {Cli("/dev/stdin")}"], TimeSpan.FromSeconds(60));
        Assert.True(dev.ExitCode == 0, dev.StandardError);
        Assert.StartsWith("-: 1 face(s)", dev.StandardOutput);
        foreach (var (script, message) in new[]
        {
            ($"true | {Cli("-")}", "standard input ('-') held no image: it was empty"),
            ($"cat '{photo}' | {Cli("- -")}", "standard input ('-') holds one image; give it once"),
            ($"echo not an image | {Cli("-")}", "'-' is not an image OpenCV can read"),
            ($"cat '{TestPaths.SampleClip}' | {Cli("-")}", "'-' is a video (MP4/MOV), not a photo; videos are analysed with videoaffect analyze"),
        })
        {
            var r = ProcessRunner.Run("bash", ["-c", script], TimeSpan.FromSeconds(60));
            Assert.Equal(2, r.ExitCode);
            Assert.Contains($"videoaffect: error: {message}", r.StandardError);
            Assert.DoesNotContain("   at ", r.StandardError);
        }
    }

    [Fact]
    public void An_animation_is_classified_by_its_first_frame_and_said_to_be_one()
    {
        // A GIF of the astronaut then a face-free picture: its first frame holds the face.
        using var dir = TestPaths.NewTempFolder();
        string gif = dir.File("reaction.gif");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-loop", "1", "-t", "0.4", "-i", TestPaths.Photo("astronaut.png"), "-loop", "1", "-t", "0.4", "-i", TestPaths.Photo("coffee.png"),
            "-filter_complex", "[0:v]scale=512:512,setsar=1[a];[1:v]scale=512:512,setsar=1[b];[a][b]concat=n=2:v=1,fps=5", gif);
        // The same frames as an animated AVIF (an image sequence, brand "avis", as ffmpeg writes one).
        string avif = dir.File("reaction.avif");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", gif, "-c:v", "libaom-av1", "-cpu-used", "8", "-pix_fmt", "yuv420p", "-f", "avif", avif);
        var r = ProcessRunner.Cli(["classify", "--json", "--backend", "cpu", gif, TestPaths.Photo("astronaut.png"), avif]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Equal([$"videoaffect: warning: '{gif}' is an animation; only its first frame was classified (videoaffect analyze reads every frame)",
            $"videoaffect: warning: '{avif}' is an animation; only its first frame was classified (videoaffect analyze reads every frame)"],
            r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var lines = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.True(lines[0].GetProperty("animation").GetBoolean());
        Assert.Single(lines[0].GetProperty("faces").EnumerateArray()); // the astronaut, on the first frame
        Assert.False(lines[1].TryGetProperty("animation", out _)); // a still picture says nothing of it
        Assert.True(lines[2].GetProperty("animation").GetBoolean());
        Assert.Single(lines[2].GetProperty("faces").EnumerateArray());
    }
}
