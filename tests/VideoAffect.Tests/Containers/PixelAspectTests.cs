using System.Globalization;
using System.Text.Json;
using VideoAffect.Live;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Containers;

/// <summary>
/// Anamorphic video (pixels that are not square: PAL DVDs at 16:15, HDV at 4:3, CCTV's 704x576 at
/// 12:11) is analysed as a player shows it. The same moving-face clip is stored squeezed with a
/// pixel aspect ratio that undoes the squeeze; the faces found in it must be where they are in
/// the square-pixel original (the reference), and the annotated video must show the original's
/// shape in square pixels.
/// </summary>
public class PixelAspectTests(PixelAspectTests.SquareOriginal original) : IClassFixture<PixelAspectTests.SquareOriginal>
{
    const int Frames = 20;

    /// <summary>The square-pixel clip and the boxes found in it, made once for every case.</summary>
    public sealed class SquareOriginal : IDisposable
    {
        readonly TempFolder _dir = TestPaths.NewTempFolder();

        public SquareOriginal()
        {
            Path = Clips.MovingFace(_dir.File("square.mp4"), Frames, fps: 15, width: 640, height: 480, audio: false);
            Boxes = PixelAspectTests.Boxes(Analyze(_dir, Path, "square"));
        }

        public string Path { get; }
        public Dictionary<int, (int X, int Y, int W, int H)> Boxes { get; }

        public void Dispose() => _dir.Dispose();
    }

    [Theory]
    [InlineData("scale=480:480,setsar=4/3", false)]  // wide pixels, as HDV's 1440x1080
    [InlineData("scale=640:360,setsar=3/4", false)]  // tall pixels
    [InlineData("scale=600:480,setsar=16/15", false)] // PAL DVD's 4:3
    // A phone's portrait video, squeezed too: stored on its side in 360x640 with pixels 4/3 wide
    // (480x640 on screen), shown upright by its rotation (ffprobe's 90: a quarter turn anticlockwise).
    [InlineData("transpose=clock,scale=360:640,setsar=4/3", true)]
    public void An_anamorphic_video_is_analysed_in_square_pixels_where_a_player_shows_its_faces(string squeeze, bool turned)
    {
        using var dir = TestPaths.NewTempFolder();
        string squeezed = dir.File("anamorphic.mp4");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", original.Path, "-vf", squeeze,
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", turned ? dir.File("stored.mp4") : squeezed);
        // ffmpeg 5.1 writes a rotation only when it copies a stream.
        if (turned) ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", dir.File("stored.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90", squeezed);
        Assert.Equal((640, 480), DisplaySize(squeezed)); // the material is what it claims to be

        var reference = original.Boxes;
        var boxes = Boxes(Analyze(dir, squeezed, "anamorphic"));
        Assert.True(reference.Count >= Frames * 3 / 4, $"the original's face on most frames: {reference.Count}");
        int compared = 0;
        foreach (var (frame, expected) in reference)
        {
            if (!boxes.TryGetValue(frame, out var found)) continue;
            Assert.True(Iou(expected, found) >= 0.6, $"frame {frame}: {found} where the original has {expected}");
            compared++;
        }
        Assert.True(compared >= Frames * 3 / 4, $"the face on most frames of the anamorphic copy: {compared}");

        // The annotated copy is shown as the source: 640x480 in square pixels.
        var output = Stream(dir.File("anamorphic.out.mp4"));
        Assert.Equal((640, 480), (output.GetProperty("width").GetInt32(), output.GetProperty("height").GetInt32()));
        Assert.True(!output.TryGetProperty("sample_aspect_ratio", out var outSar) || outSar.GetString() is "1:1" or "0:1",
            $"output pixel aspect {outSar}");
    }

    [Fact]
    public async Task A_live_source_with_anamorphic_pixels_is_watched_in_square_pixels()
    {
        using var dir = TestPaths.NewTempFolder();
        string camera = dir.File("cctv.mp4");
        // A D1 CCTV camera's picture: 704x576 stored, 12:11 pixels.
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", original.Path, "-vf", "scale=704:576,setsar=12/11",
            "-c:v", "libx264", "-preset", "ultrafast", camera);
        using var monitor = new LiveMonitor(new MonitorOptions
        {
            Sources = [LiveSourceSpec.Parse($"cctv={camera}", 0)],
            RecordsDirectory = dir.Path,
            Duration = TimeSpan.FromSeconds(30),
            Recognition = new() { Backend = "cpu" },
            Source = new LiveSourceOptions { StallTimeout = TimeSpan.FromSeconds(5) },
        });
        var summary = await monitor.RunAsync(CancellationToken.None);
        var cam = Assert.Single(summary.Streams);
        Assert.True(cam.Frames > 0, summary.Status);
        Assert.Equal((768, 576), (cam.Width, cam.Height)); // 704 x 12/11
    }

    static JsonElement Stream(string path) =>
        JsonDocument.Parse(ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
            "stream=width,height,sample_aspect_ratio:stream_side_data=rotation", "-of", "json", path)).RootElement.GetProperty("streams")[0];

    /// <summary>ffprobe's display size: the stored size stretched by the pixel aspect ratio, then turned.</summary>
    static (int, int) DisplaySize(string path)
    {
        var s = Stream(path);
        int w = s.GetProperty("width").GetInt32(), h = s.GetProperty("height").GetInt32();
        var sar = s.GetProperty("sample_aspect_ratio").GetString()!.Split(':').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        double ratio = sar[0] / sar[1];
        var (dw, dh) = ratio >= 1 ? ((int)Math.Round(w * ratio), h) : (w, (int)Math.Round(h / ratio));
        bool quarterTurn = s.TryGetProperty("side_data_list", out var side)
            && side.EnumerateArray().Any(d => d.TryGetProperty("rotation", out var r) && Math.Abs(r.GetInt32()) % 180 == 90);
        return quarterTurn ? (dh, dw) : (dw, dh);
    }

    static string Analyze(TempFolder dir, string input, string name)
    {
        var r = ProcessRunner.Cli(["analyze", input, "-o", dir.File($"{name}.out.mp4"), "--backend", "cpu", "--no-tracking"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.StandardError);
        return dir.File($"{name}.out.jsonl");
    }

    /// <summary>The single face's box per frame (frames with one face only).</summary>
    static Dictionary<int, (int X, int Y, int W, int H)> Boxes(string records) =>
        File.ReadAllLines(records).Select(l => JsonDocument.Parse(l).RootElement)
            .GroupBy(r => r.GetProperty("frame").GetInt32())
            .Where(g => g.Count() == 1)
            .ToDictionary(g => g.Key, g =>
            {
                var b = g.Single().GetProperty("box");
                return (b.GetProperty("x").GetInt32(), b.GetProperty("y").GetInt32(), b.GetProperty("w").GetInt32(), b.GetProperty("h").GetInt32());
            });

    static double Iou((int X, int Y, int W, int H) a, (int X, int Y, int W, int H) b)
    {
        double ix = Math.Max(0, Math.Min(a.X + a.W, b.X + b.W) - Math.Max(a.X, b.X));
        double iy = Math.Max(0, Math.Min(a.Y + a.H, b.Y + b.H) - Math.Max(a.Y, b.Y));
        double inter = ix * iy;
        return inter / (a.W * a.H + b.W * b.H - inter);
    }
}
