using System.Text.Json;
using VideoAffect.Detection;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// --ignore-zone and --only-zone: a face whose box centre is inside an ignore zone, or outside
/// every only-zone, is not counted anywhere, the zones are drawn on the annotated video, and
/// nothing else changes. The clip has a poster (the astronaut, small and still, bottom right) that
/// the cascade finds on every frame, and the astronaut moving at the top left.
/// </summary>
public class FaceZoneTests
{
    static FaceZone Polygon(string? stream, bool percent, params double[] xy) =>
        new(ZoneKind.Ignore, stream, Enumerable.Range(0, xy.Length / 2).Select(i => new ZoneCorner(xy[2 * i], xy[2 * i + 1])).ToList(), percent);

    [Fact]
    public void A_zone_is_a_rectangle_or_a_polygon_in_pixels_or_percent_with_an_optional_stream()
    {
        Assert.Equal(FaceZone.Rectangle(ZoneKind.Ignore, null, 0, 0, 200, 150, false), FaceZone.Parse("0,0,200,150"));
        Assert.Equal(Polygon(null, false, 0, 0, 200, 0, 200, 150, 0, 150), FaceZone.Parse("0,0,200,150"));
        Assert.Equal(FaceZone.Rectangle(ZoneKind.Ignore, "lobby", 70, 0, 30, 40, true), FaceZone.Parse("lobby=70%,0%,30%,40%"));
        Assert.Equal(FaceZone.Rectangle(ZoneKind.Only, "door", 10.5, 20, 30, 40, false), FaceZone.Parse(" door = 10.5, 20, 30, 40 ", ZoneKind.Only));
        Assert.Equal(Polygon(null, false, 0, 480, 300, 200, 640, 200, 640, 480), FaceZone.Parse("0:480,300:200,640:200,640:480"));
        Assert.Equal(Polygon("hall", true, 0, 100, 50, 0, 100, 100), FaceZone.Parse("hall= 0%:100%, 50%:0% ,100%:100%"));
        Assert.NotEqual(FaceZone.Parse("0:0,10:0,0:10"), FaceZone.Parse("0:0,10:0,0:10", ZoneKind.Only));
        Assert.NotEqual(FaceZone.Parse("0:0,10:0,0:10"), FaceZone.Parse("0:0,10:0,0:11"));
    }

    [Theory]
    [InlineData("1,2,3", "a rectangle needs four numbers X,Y,W,H")]
    [InlineData("1,2,3%,4", "use % on every number or on none")]
    [InlineData("1,2,0,4", "its width and height must be above 0")]
    [InlineData("1,-2,3,4", "'-2' is not a number of 0 or more")]
    [InlineData("50%,0%,60%,10%", "it reaches past 100%")]
    [InlineData("=1,2,3,4", "the stream name before '=' is empty")]
    [InlineData("1:2,3:4", "a polygon needs three corners or more")]
    [InlineData("1:2,3:4,5", "'5' is not a corner X:Y")]
    [InlineData("1:2,3:4:5,6:7", "'3:4:5' is not a corner X:Y")]
    [InlineData("0:0,10:10,20:20", "its corners enclose no area")]
    [InlineData("0%:0%,10:0%,0%:10%", "use % on every number or on none")]
    [InlineData("0%:0%,101%:0%,0%:10%", "it reaches past 100%")]
    [InlineData("0:0,x:0,0:10", "'x' is not a number of 0 or more")]
    public void A_bad_zone_says_what_is_wrong(string text, string why)
    {
        foreach (var kind in new[] { ZoneKind.Ignore, ZoneKind.Only })
        {
            var e = Assert.Throws<VideoAffectException>(() => FaceZone.Parse(text, kind));
            Assert.Contains(why, e.Message);
            Assert.StartsWith($"{FaceZone.OptionName(kind)} '{text}': ", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public void A_face_is_inside_when_its_box_centre_is()
    {
        var zone = FaceZone.Parse("50%,50%,50%,50%"); // the bottom-right quarter of 640x480: x >= 320, y >= 240
        Assert.True(zone.Holds(new FaceBox(300, 220, 50, 50), 640, 480));   // centre (325, 245)
        Assert.False(zone.Holds(new FaceBox(280, 220, 50, 50), 640, 480));  // centre (305, 245)
        Assert.False(zone.Holds(new FaceBox(300, 200, 50, 50), 640, 480));  // centre (325, 225)
        Assert.False(zone.Holds(new FaceBox(600, 440, 80, 80), 640, 480));  // centre (640, 480): edges are exclusive
        Assert.True(zone.Holds(new FaceBox(295, 215, 50, 50), 640, 480));   // centre (320, 240): the top-left corner is inside
        // A triangle: the lower-left half of a 100x100 square, its hypotenuse from (0,0) to (100,100).
        var triangle = FaceZone.Parse("0:0,100:100,0:100");
        Assert.True(triangle.Holds(new FaceBox(10, 70, 20, 20), 640, 480));  // centre (20, 80)
        Assert.False(triangle.Holds(new FaceBox(70, 10, 20, 20), 640, 480)); // centre (80, 20)
    }

    /// <summary>
    /// The even-odd test against OpenCV's pointPolygonTest, an independent implementation, on random
    /// simple polygons (convex and not: star-shaped around a centre) and random points, in pixels and
    /// in percent. Corners are whole pixels and points half-pixels, so no point lies on an edge.
    /// </summary>
    [Fact]
    public void Inside_is_what_OpenCV_says_for_any_simple_polygon()
    {
        var rnd = new RandomData();
        const int width = 640, height = 480;
        int inside = 0, tested = 0;
        for (int p = 0; p < 200; p++)
        {
            int n = rnd.Int(3, 12), cx = rnd.Int(100, 540), cy = rnd.Int(100, 380);
            var angles = Enumerable.Range(0, n).Select(_ => rnd.Int(0, 3600) / 3600.0 * 2 * Math.PI).Distinct().Order().ToList();
            if (angles.Count < 3) continue;
            var corners = angles.Select(a => { int r = rnd.Int(10, 100); return new OpenCvSharp.Point(cx + (int)(r * Math.Cos(a)), cy + (int)(r * Math.Sin(a))); }).ToArray();
            bool percent = p % 2 == 1;
            // In percent, corners on whole pixels of 640x480 are multiples of 100/640 and 100/480 percent.
            string text = string.Join(',', corners.Select(c => percent
                ? $"{(c.X * 100.0 / width).ToString("R", System.Globalization.CultureInfo.InvariantCulture)}%:{(c.Y * 100.0 / height).ToString("R", System.Globalization.CultureInfo.InvariantCulture)}%"
                : $"{c.X}:{c.Y}"));
            FaceZone zone;
            try { zone = FaceZone.Parse(text); }
            catch (VideoAffectException) { continue; } // a degenerate draw (no area)
            for (int q = 0; q < 100; q++)
            {
                // Box centre (x + w/2, y + h/2) on a half pixel: odd width and height.
                int w = 2 * rnd.Int(5, 40) + 1, x = rnd.Int(cx - 120, cx + 120), y = rnd.Int(cy - 120, cy + 120);
                var centre = new OpenCvSharp.Point2f(x + w / 2f, y + w / 2f);
                double distance = OpenCvSharp.Cv2.PointPolygonTest(corners, centre, true);
                if (Math.Abs(distance) < 1e-3) continue; // on an edge (it can pass through a half pixel): either answer is right
                bool expected = distance > 0;
                Assert.True(expected == zone.Holds(new FaceBox(x, y, w, w), width, height),
                    $"zone {text}, centre ({centre.X}, {centre.Y}): OpenCV says {(expected ? "inside" : "outside")} (seed {rnd.Seed})");
                inside += expected ? 1 : 0;
                tested++;
            }
        }
        Assert.InRange(inside, tested / 20, tested - tested / 20); // both answers were exercised
    }

    [Fact]
    public void Only_zones_keep_the_faces_inside_any_of_them_and_ignore_zones_win_over_them()
    {
        var boxes = new[] { new FaceBox(10, 10, 20, 20), new FaceBox(400, 10, 20, 20), new FaceBox(10, 300, 20, 20), new FaceBox(400, 300, 20, 20) };
        List<int> Kept(params FaceZone[] zones) => FaceZone.Kept(zones, boxes, 640, 480);
        Assert.Equal([0, 1, 2, 3], Kept());
        Assert.Equal([1, 2, 3], Kept(FaceZone.Parse("0,0,100,100")));
        Assert.Equal([0], Kept(FaceZone.Parse("0,0,100,100", ZoneKind.Only)));
        Assert.Equal([0, 2], Kept(FaceZone.Parse("0,0,100,100", ZoneKind.Only), FaceZone.Parse("0,250,100,100", ZoneKind.Only)));
        Assert.Equal([2], Kept(FaceZone.Parse("0%,0%,50%,100%", ZoneKind.Only), FaceZone.Parse("0,0,100,100")));
    }

    internal static string PosterClip(TempFolder dir)
    {
        string path = dir.File("poster.mp4");
        const string still = "loop=loop=-1:size=1:start=0,setpts=N/(25*TB)";
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", TestPaths.Photo("coffee.png"), "-i", TestPaths.Photo("astronaut.png"), "-filter_complex",
            $"[0:v]scale=640:480,setsar=1,boxblur=3,{still}[bg];[1:v]scale=270:270,{still}[fg];[1:v]scale=200:200,{still}[poster];"
            + "[bg][poster]overlay=x=430:y=270[b2];[b2][fg]overlay=x='100+60*sin(2*PI*t/2)':y=0,format=yuv420p[v]",
            "-map", "[v]", "-frames:v", "30", "-r", "15", "-c:v", "libx264", "-preset", "ultrafast", path);
        return path;
    }

    internal static List<JsonElement> Records(string path) => File.ReadLines(path).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    internal static bool OnPoster(JsonElement r) => r.GetProperty("box").GetProperty("x").GetInt32() > 400;

    [Fact]
    public void Analyze_leaves_out_the_faces_in_a_zone_and_keeps_the_others_as_they_were()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = PosterClip(dir);
        var all = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("all.mp4"), "--backend", "cpu"]);
        Assert.True(all.ExitCode == 0, all.StandardError);
        var allRecords = Records(dir.File("all.jsonl"));
        Assert.Equal(30, allRecords.Count(OnPoster)); // the poster is found on every frame without a zone
        var moving = allRecords.Where(r => !OnPoster(r)).ToList();
        Assert.True(moving.Count >= 20, $"{moving.Count} records of the moving face");

        // The poster's face centre is about (518, 315), the moving face's about (175..295, 60).
        foreach (var (name, option, zone) in new[] { ("pixels", "--ignore-zone", "400,250,240,230"), ("percent", "--ignore-zone", "60%,50%,40%,50%"),
                     ("polygon", "--ignore-zone", "640:150,640:480,330:480"), ("only", "--only-zone", "0:0,400:0,400:300,0:300") })
        {
            var r = ProcessRunner.Cli(["analyze", clip, "-o", dir.File($"{name}.mp4"), "--backend", "cpu", option, zone, "--json"]);
            Assert.True(r.ExitCode == 0, r.StandardError);
            var records = Records(dir.File($"{name}.jsonl"));
            Assert.DoesNotContain(records, OnPoster);
            // The moving face exactly as before: same frames, boxes and probabilities.
            Assert.Equal(moving.Select(m => (m.GetProperty("frame").GetInt32(), m.GetProperty("box").ToString(), m.GetProperty("probabilities").ToString())),
                records.Select(m => (m.GetProperty("frame").GetInt32(), m.GetProperty("box").ToString(), m.GetProperty("probabilities").ToString())));
            using var summary = JsonDocument.Parse(r.StandardOutput);
            Assert.Equal(moving.Count, summary.RootElement.GetProperty("faces").GetInt32());
        }

        // The zone is drawn (grey outline) on the annotated video, where the run without it has the background.
        foreach (var name in new[] { "all", "pixels", "polygon" })
            ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", dir.File($"{name}.mp4"), "-frames:v", "1", dir.File($"{name}.png"));
        using (var withZone = OpenCvSharp.Cv2.ImRead(dir.File("pixels.png")))
        using (var without = OpenCvSharp.Cv2.ImRead(dir.File("all.png")))
        {
            var edge = new OpenCvSharp.Rect(460, 250, 170, 1); // the zone's top edge, right of its "ignored"
            var drawn = OpenCvSharp.Cv2.Mean(withZone[edge]);
            var background = OpenCvSharp.Cv2.Mean(without[edge]);
            foreach (double channel in new[] { drawn.Val0, drawn.Val1, drawn.Val2 }) Assert.InRange(channel, 140, 180);
            Assert.True(Math.Abs(background.Val0 - drawn.Val0) + Math.Abs(background.Val2 - drawn.Val2) > 60, $"background {background}");
        }

        // A polygon's slanted edge is drawn where it runs: grey (luma about 160) along the line from
        // (640, 150) to (330, 480), over the background above the poster.
        using (var polygon = OpenCvSharp.Cv2.ImRead(dir.File("polygon.png"), OpenCvSharp.ImreadModes.Grayscale))
        using (var without = OpenCvSharp.Cv2.ImRead(dir.File("all.png"), OpenCvSharp.ImreadModes.Grayscale))
        {
            double Off(OpenCvSharp.Mat image, double t)
            {
                double x = 640 - 310 * t, y = 150 + 330 * t;
                return Enumerable.Range(-2, 5).Min(dx => Math.Abs(image.At<byte>((int)Math.Round(y), Math.Clamp((int)Math.Round(x) + dx, 0, 639)) - 160.0));
            }
            var ts = Enumerable.Range(1, 20).Select(i => i * 0.01).ToList(); // y 153..216: above the poster
            double drawn = ts.Select(t => Off(polygon, t)).Order().ElementAt(ts.Count / 2), background = ts.Select(t => Off(without, t)).Order().ElementAt(ts.Count / 2);
            Assert.True(drawn < 6 && background > 12, $"median distance from grey on the edge: {drawn} with the zone, {background} without");
        }

        var bad = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("bad.mp4"), "--ignore-zone", "lobby=1,2,3,4"], timeoutSeconds: 60);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--ignore-zone: analyze takes zones without a stream name", bad.StandardError);
        var badOnly = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("bad.mp4"), "--only-zone", "lobby=1:2,3:4,5:7"], timeoutSeconds: 60);
        Assert.Equal(2, badOnly.ExitCode);
        Assert.Contains("--only-zone: analyze takes zones without a stream name", badOnly.StandardError);
    }

    [Fact]
    public void Monitor_applies_a_named_zone_to_its_stream_only_and_refuses_an_unknown_name()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = PosterClip(dir);
        var r = ProcessRunner.Cli(["monitor", $"hall={clip}", $"desk={clip}", "--records", dir.File("rec"), "--ignore-zone", "hall=400,250,240,230", "--backend", "cpu"], timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.DoesNotContain(Records(dir.File("rec/hall.jsonl")), OnPoster);
        Assert.Contains(Records(dir.File("rec/desk.jsonl")), OnPoster);

        var typo = ProcessRunner.Cli(["monitor", $"hall={clip}", "--ignore-zone", "hal=400,250,240,230", "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("--ignore-zone names stream 'hal', which is not one of hall", typo.StandardError);
    }
}
