using System.Text.Json;
using VideoAffect.Detection;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// --ignore-zone: a face whose box centre is inside a zone is not counted anywhere, the zone is
/// drawn on the annotated video, and nothing else changes. The clip has a poster (the astronaut, small and still, bottom right) that the cascade
/// finds on every frame, and the astronaut moving at the top left.
/// </summary>
public class IgnoreZoneTests
{
    [Theory]
    [InlineData("0,0,200,150", null, 0, 0, 200, 150, false)]
    [InlineData("lobby=70%,0%,30%,40%", "lobby", 70, 0, 30, 40, true)]
    [InlineData(" door = 10.5, 20, 30, 40 ", "door", 10.5, 20, 30, 40, false)]
    public void A_zone_is_read_in_pixels_or_percent_with_an_optional_stream(string text, string? stream, double x, double y, double w, double h, bool percent) =>
        Assert.Equal(new IgnoreZone(stream, x, y, w, h, percent), IgnoreZone.Parse(text));

    [Theory]
    [InlineData("1,2,3", "it needs four numbers")]
    [InlineData("1,2,3%,4", "use % on all four numbers or on none")]
    [InlineData("1,2,0,4", "its width and height must be above 0")]
    [InlineData("1,-2,3,4", "'-2' is not a number of 0 or more")]
    [InlineData("50%,0%,60%,10%", "it reaches past 100%")]
    [InlineData("=1,2,3,4", "the stream name before '=' is empty")]
    public void A_bad_zone_says_what_is_wrong(string text, string why)
    {
        var e = Assert.Throws<VideoAffectException>(() => IgnoreZone.Parse(text));
        Assert.Contains(why, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_face_is_inside_when_its_box_centre_is()
    {
        var zone = IgnoreZone.Parse("50%,50%,50%,50%"); // the bottom-right quarter of 640x480: x >= 320, y >= 240
        Assert.True(zone.Holds(new FaceBox(300, 220, 50, 50), 640, 480));   // centre (325, 245)
        Assert.False(zone.Holds(new FaceBox(280, 220, 50, 50), 640, 480));  // centre (305, 245)
        Assert.False(zone.Holds(new FaceBox(300, 200, 50, 50), 640, 480));  // centre (325, 225)
        Assert.False(zone.Holds(new FaceBox(600, 440, 80, 80), 640, 480));  // centre (640, 480): edges are exclusive
    }

    static string PosterClip(TempFolder dir)
    {
        string path = dir.File("poster.mp4");
        const string still = "loop=loop=-1:size=1:start=0,setpts=N/(25*TB)";
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", TestPaths.Photo("coffee.png"), "-i", TestPaths.Photo("astronaut.png"), "-filter_complex",
            $"[0:v]scale=640:480,setsar=1,boxblur=3,{still}[bg];[1:v]scale=270:270,{still}[fg];[1:v]scale=200:200,{still}[poster];"
            + "[bg][poster]overlay=x=430:y=270[b2];[b2][fg]overlay=x='100+60*sin(2*PI*t/2)':y=0,format=yuv420p[v]",
            "-map", "[v]", "-frames:v", "30", "-r", "15", "-c:v", "libx264", "-preset", "ultrafast", path);
        return path;
    }

    static List<JsonElement> Records(string path) => File.ReadLines(path).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    static bool OnPoster(JsonElement r) => r.GetProperty("box").GetProperty("x").GetInt32() > 400;

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

        foreach (var (name, zone) in new[] { ("pixels", "400,250,240,230"), ("percent", "60%,50%,40%,50%") })
        {
            var r = ProcessRunner.Cli(["analyze", clip, "-o", dir.File($"{name}.mp4"), "--backend", "cpu", "--ignore-zone", zone, "--json"]);
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
        foreach (var name in new[] { "all", "pixels" })
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

        var bad = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("bad.mp4"), "--ignore-zone", "lobby=1,2,3,4"], timeoutSeconds: 60);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("analyze takes X,Y,W,H without a stream name", bad.StandardError);
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
