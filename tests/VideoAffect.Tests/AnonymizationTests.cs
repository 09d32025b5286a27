using OpenCvSharp;
using VideoAffect.Pipeline;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// --anonymize: every face found is hidden in the pictures a run writes, the counted ones and those
/// not reported (in an ignore zone, never confirmed), on every frame, detection round or not; the
/// records stay as they were. Checked against float64 block means, and against OpenCV's own cascade,
/// which must find no face left where the run found one.
/// </summary>
public class AnonymizationTests
{
    /// <summary>The area the product hides, from its documented rule: the box widened by 20% of its side, rounded up, on every side, within the picture.</summary>
    static Rect Widened(FaceBox b, int width, int height)
    {
        int dx = (int)Math.Ceiling(0.2 * b.Width), dy = (int)Math.Ceiling(0.2 * b.Height);
        int l = Math.Max(0, b.X - dx), t = Math.Max(0, b.Y - dy), r = Math.Min(width, b.Right + dx), d = Math.Min(height, b.Bottom + dy);
        return new Rect(l, t, r - l, d - t);
    }

    static Mat Noise(int width, int height, int seed)
    {
        var image = new Mat(height, width, MatType.CV_8UC3);
        var random = new Random(seed);
        var bytes = new byte[width * height * 3];
        random.NextBytes(bytes);
        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, image.Data, bytes.Length);
        return image;
    }

    /// <summary>A whole (continuous) BGR picture's bytes, read once rather than pixel by pixel through OpenCV.</summary>
    static byte[] Bytes(Mat image)
    {
        var bytes = new byte[image.Total() * 3];
        System.Runtime.InteropServices.Marshal.Copy(image.Data, bytes, 0, bytes.Length);
        return bytes;
    }

    static void AssertSameOutside(Mat before, Mat after, Rect area)
    {
        int width = before.Width, height = before.Height;
        byte[] a = Bytes(before), b = Bytes(after);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                    if (!area.Contains(x, y)) Assert.True(a[(y * width + x) * 3 + c] == b[(y * width + x) * 3 + c], $"pixel ({x}, {y}) outside {area} changed");
    }

    [Theory]
    [InlineData(40, 30, 50, 50)]   // inside
    [InlineData(0, 0, 37, 41)]     // at the corner: the widening is cut off
    [InlineData(170, 120, 45, 45)] // past the right and bottom edges
    [InlineData(90, 60, 3, 5)]     // smaller than 8 blocks
    public void Pixelated_blocks_are_the_float64_means_of_the_widened_box_and_nothing_else_changes(int x, int y, int w, int h)
    {
        using var original = Noise(200, 150, x * 1000 + y);
        using var image = original.Clone();
        var box = new FaceBox(x, y, w, h);
        FaceAnonymizer.Hide(image, box, Anonymization.Pixelate);
        var area = Widened(box, 200, 150);
        AssertSameOutside(original, image, area);
        byte[] before = Bytes(original), after = Bytes(image);
        byte At(byte[] bytes, int px, int py, int c) => bytes[(py * 200 + px) * 3 + c];
        int across = Math.Min(8, area.Width), down = Math.Min(8, area.Height);
        for (int by = 0; by < down; by++)
            for (int bx = 0; bx < across; bx++)
            {
                int x0 = area.X + bx * area.Width / across, x1 = area.X + (bx + 1) * area.Width / across;
                int y0 = area.Y + by * area.Height / down, y1 = area.Y + (by + 1) * area.Height / down;
                for (int c = 0; c < 3; c++)
                {
                    double sum = 0;
                    for (int yy = y0; yy < y1; yy++) for (int xx = x0; xx < x1; xx++) sum += At(before, xx, yy, c);
                    byte expected = (byte)Math.Floor(sum / ((x1 - x0) * (y1 - y0)) + 0.5);
                    for (int yy = y0; yy < y1; yy++)
                        for (int xx = x0; xx < x1; xx++)
                            Assert.True(At(after, xx, yy, c) == expected, $"block ({bx}, {by}) channel {c} at ({xx}, {yy}): {At(after, xx, yy, c)}, mean {expected}");
                }
            }
    }

    [Fact]
    public void Fill_is_grey_and_blur_leaves_little_of_the_face_both_only_inside_the_widened_box()
    {
        var box = new FaceBox(60, 40, 60, 60);
        var area = Widened(box, 200, 150);
        using var original = Noise(200, 150, 7);

        using var filled = original.Clone();
        FaceAnonymizer.Hide(filled, box, Anonymization.Fill);
        AssertSameOutside(original, filled, area);
        Assert.Equal(0, Cv2.CountNonZero(new Mat(filled, area).Reshape(1) - new Scalar(128)) + Cv2.CountNonZero(new Scalar(128) - new Mat(filled, area).Reshape(1)));

        using var blurred = original.Clone();
        FaceAnonymizer.Hide(blurred, box, Anonymization.Blur);
        AssertSameOutside(original, blurred, area);
        Cv2.MeanStdDev(new Mat(original, area), out _, out var before);
        Cv2.MeanStdDev(new Mat(blurred, area), out _, out var after);
        Assert.True(after.Val0 < 0.1 * before.Val0, $"noise's spread {before.Val0:0.0} before, {after.Val0:0.0} blurred");

        using var untouched = original.Clone();
        FaceAnonymizer.Hide(untouched, box, Anonymization.None);
        AssertSameOutside(original, untouched, default);
    }

    /// <summary>OpenCV's cascade on every frame of a video: its faces, per frame.</summary>
    static List<Rect[]> OpenCvFaces(string video, TempFolder dir, string name)
    {
        string frames = dir.File(name);
        Directory.CreateDirectory(frames);
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", video, Path.Combine(frames, "%03d.png"));
        using var cascade = new CascadeClassifier(new Detection.DetectorOptions().CascadePath);
        return Directory.GetFiles(frames, "*.png").Order().Select(f =>
        {
            using var gray = Cv2.ImRead(f, ImreadModes.Grayscale);
            return cascade.DetectMultiScale(gray, 1.1, 5, minSize: new Size(30, 30));
        }).ToList();
    }

    [Fact]
    public void Analyze_hides_every_face_found_in_zones_too_on_every_frame_and_the_records_stay()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = FaceZoneTests.PosterClip(dir); // a still poster (bottom right) and a moving face (top left)
        var plain = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("plain.mp4"), "--backend", "cpu", "--ignore-zone", "400,250,240,230", "--detect-every", "3",
            "--report", dir.File("plain.html")]);
        Assert.True(plain.ExitCode == 0, plain.StandardError);
        var hidden = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("hidden.mp4"), "--backend", "cpu", "--ignore-zone", "400,250,240,230", "--detect-every", "3",
            "--anonymize", "pixelate", "--report", dir.File("hidden.html")]);
        Assert.True(hidden.ExitCode == 0, hidden.StandardError);

        // Records: the same (the moving face only: the poster is in the ignore zone).
        Assert.Equal(File.ReadAllLines(dir.File("plain.jsonl")), File.ReadAllLines(dir.File("hidden.jsonl")));
        var records = FaceZoneTests.Records(dir.File("hidden.jsonl"));
        Assert.True(records.Count >= 20, $"{records.Count} records");
        Assert.DoesNotContain(records, FaceZoneTests.OnPoster);

        // OpenCV's cascade (the seed's settings) finds the run's faces on the plain video's frames (the
        // poster on every one), and none of them on the anonymized video's: no face there has its centre
        // on a face the run found. (Elsewhere it may find what it finds on the plain frames too.)
        var poster = new Rect(430, 270, 200, 200);
        var byFrame = records.ToLookup(r => r.GetProperty("frame").GetInt32(), r =>
        {
            var b = r.GetProperty("box");
            return new Rect(b.GetProperty("x").GetInt32(), b.GetProperty("y").GetInt32(), b.GetProperty("w").GetInt32(), b.GetProperty("h").GetInt32());
        });
        bool OnAFace(Rect f, int frame) => new[] { poster }.Concat(byFrame[frame]).Any(face => face.Contains(f.X + f.Width / 2, f.Y + f.Height / 2));
        var before = OpenCvFaces(dir.File("plain.mp4"), dir, "plain");
        var after = OpenCvFaces(dir.File("hidden.mp4"), dir, "hidden");
        Assert.Equal(30, before.Count);
        Assert.Equal(30, after.Count);
        Assert.All(before, faces => Assert.Contains(faces, f => (f & poster).Width > 0));
        Assert.True(Enumerable.Range(0, 30).Count(i => before[i].Any(f => f.Y < 250 && OnAFace(f, i))) >= 20, "OpenCV finds the moving face on the plain frames");
        for (int i = 0; i < after.Count; i++)
            Assert.False(after[i].Any(f => OnAFace(f, i)), $"frame {i}: OpenCV still finds a face of the run's: {string.Join(", ", after[i].Where(f => OnAFace(f, i)).Select(f => $"{f.X},{f.Y},{f.Width}x{f.Height}"))}");

        // The report shows no face crops (a hidden face's crop shows nothing) and says why; the plain run's has them.
        Assert.Contains("data:image/jpeg", File.ReadAllText(dir.File("plain.html")));
        string html = File.ReadAllText(dir.File("hidden.html"));
        Assert.DoesNotContain("data:image/jpeg", html);
        Assert.Contains("hidden (pixelate); no face crops", html);
    }

    [Fact]
    public void Monitor_records_its_streams_with_the_faces_hidden()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = FaceZoneTests.PosterClip(dir); // OpenCV finds the poster on each of its frames (test above)
        var r = ProcessRunner.Cli(["monitor", $"cam={clip}", "--record", dir.Path, "--records", dir.Path, "--backend", "cpu", "--anonymize", "fill"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.StandardError);
        // The poster's face, found and reported (it does not move: its first box stands for all)...
        var box = FaceZoneTests.Records(dir.File("cam.jsonl")).First(FaceZoneTests.OnPoster).GetProperty("box");
        var poster = new Rect(box.GetProperty("x").GetInt32(), box.GetProperty("y").GetInt32(), box.GetProperty("w").GetInt32(), box.GetProperty("h").GetInt32());
        string recording = Assert.Single(Directory.GetFiles(dir.Path, "cam-*.mp4"));
        var faces = OpenCvFaces(recording, dir, "recorded");
        Assert.True(faces.Count >= 20, $"{faces.Count} frames recorded");
        // ...and hidden in the recording: OpenCV finds no face there (its own finds it on every frame of the clip).
        Assert.All(faces, f => Assert.DoesNotContain(f, face => poster.Contains(face.X + face.Width / 2, face.Y + face.Height / 2)));
    }

    [Fact]
    public void Classify_annotates_copies_with_the_faces_filled_grey()
    {
        using var dir = TestPaths.NewTempFolder();
        string photo = TestPaths.Photo("astronaut.png");
        var r = ProcessRunner.Cli(["classify", photo, "--annotate", dir.Path, "--anonymize", "fill", "--backend", "cpu", "--json"]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        using var json = System.Text.Json.JsonDocument.Parse(r.StandardOutput);
        var face = json.RootElement.GetProperty("faces")[0].GetProperty("box");
        var box = new FaceBox(face.GetProperty("x").GetInt32(), face.GetProperty("y").GetInt32(), face.GetProperty("w").GetInt32(), face.GetProperty("h").GetInt32());
        using var copy = Cv2.ImRead(dir.File("astronaut.annotated.png"), ImreadModes.Grayscale);
        // Inside the box, within the drawn outline: grey 128 only.
        var inner = new Rect(box.X + 4, box.Y + 4, box.Width - 8, box.Height - 8);
        Cv2.MinMaxLoc(new Mat(copy, inner), out double min, out double max);
        Assert.True(min == 128 && max == 128, $"{inner}: {min}..{max}");
        using var cascade = new CascadeClassifier(new Detection.DetectorOptions().CascadePath);
        var found = cascade.DetectMultiScale(copy, 1.1, 5, minSize: new Size(30, 30));
        Assert.DoesNotContain(found, f => box.X <= f.X + f.Width / 2 && f.X + f.Width / 2 < box.Right && box.Y <= f.Y + f.Height / 2 && f.Y + f.Height / 2 < box.Bottom);
        var bad = ProcessRunner.Cli(["classify", photo, "--anonymize", "smudge"], timeoutSeconds: 60);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--anonymize takes pixelate, blur, fill or none (got 'smudge')", bad.StandardError);
    }
}
