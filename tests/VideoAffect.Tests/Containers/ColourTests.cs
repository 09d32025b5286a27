using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Containers;

/// <summary>
/// A player shows the annotated video as it shows the source. Both are decoded as a player does:
/// by their tags, or, where they have none, by guessing BT.709 for HD and BT.601 below (mpv's and
/// most players' rule; ffmpeg's conversion defaults to BT.601 whatever the size, which is why an
/// untagged HD annotated video of a tagged source showed saturated colours shifted).
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class ColourTests
{
    [Theory]
    [InlineData(1280, 720, "bt709")]     // HD
    [InlineData(640, 480, "smpte170m")]  // SD (BT.601)
    [InlineData(1280, 720, "unknown")]   // HD that does not say (ffmpeg-made, for one: BT.601 inside, which players take for BT.709)
    [InlineData(640, 480, "unknown")]    // SD that does not say
    [InlineData(640, 480, "smpte170m", "out.webm")] // VP9 in WebM, converted and tagged as H.264 is
    public void A_player_shows_the_annotated_video_in_the_sources_colours(int width, int height, string matrix, string name = "out.mp4")
    {
        using var dir = TestPaths.NewTempFolder();
        string source = Bars(dir, width, height, matrix);
        var r = ProcessRunner.Cli(["analyze", source, "-o", dir.File(name), "--backend", "cpu"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.StandardError);
        string output = dir.File(name);
        Assert.Equal(Described(source), Described(output)); // the source's own description back (none for none)

        var expected = Rgb(source, width, height, PlayerDecoding(source, height));
        var shown = Rgb(output, width, height, PlayerDecoding(output, height));
        // The bars (no face, so no drawing), after 4:2:0 and CRF 20: measured mean 1.7-2.1, 99th
        // percentile 4 levels in each case; an untagged BT.601 copy of the tagged HD source, as
        // before 0.11, 7.6 and 35.
        var errors = new List<int>();
        for (int y = height / 6; y < height / 2; y++)
            for (int x = 0; x < width * 3; x++)
                errors.Add(Math.Abs(expected[(y * width * 3) + x] - shown[(y * width * 3) + x]));
        errors.Sort();
        double mean = errors.Average();
        int p99 = errors[errors.Count * 99 / 100];
        Assert.True(mean < 3 && p99 <= 8, $"mean {mean:0.00}, 99th percentile {p99} levels off the source's colours");
    }

    /// <summary>`monitor`'s recordings say of their colours what the camera says, as the annotated video does.</summary>
    [Theory]
    [InlineData("bt709")]
    [InlineData("smpte170m")]
    [InlineData("unknown")]
    public void Recordings_say_what_the_camera_says_of_its_colours(string matrix)
    {
        using var dir = TestPaths.NewTempFolder();
        string camera = Bars(dir, 640, 480, matrix);
        var r = ProcessRunner.Cli(["monitor", $"cam={camera}", "--backend", "cpu", "--record", dir.File("video")], timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        string recording = Assert.Single(Directory.GetFiles(dir.File("video"), "cam-*.mp4"));
        Assert.Equal(Described(camera), Described(recording));
    }

    /// <summary>
    /// Saturated colour bars, made RGB and then coded losslessly with the matrix that is tagged
    /// (BT.601 where none is, as ffmpeg codes RGB by default), as a camera would (or not at all).
    /// </summary>
    static string Bars(TempFolder dir, int width, int height, string matrix)
    {
        string source = dir.File("bars.mkv");
        string[] tags = matrix == "unknown" ? [] : ["-colorspace", matrix, "-color_primaries", matrix, "-color_trc", matrix == "bt709" ? "bt709" : "smpte170m", "-color_range", "tv"];
        ProcessRunner.Tool("ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", $"smptehdbars=size={width}x{height}:rate=25:duration=0.4",
            "-vf", $"setsar=1,format=rgb24,scale=out_color_matrix={(matrix == "bt709" ? "bt709" : "bt601")}:out_range=tv,format=yuv420p", .. tags,
            "-c:v", "libx264", "-qp", "0", source]);
        Assert.Equal(matrix, Tag(source, "color_space"));
        return source;
    }

    /// <summary>What a video says of its colours: matrix, primaries, transfer ("unknown" for each it does not say).</summary>
    static string Described(string path) => string.Join(",", new[] { "color_space", "color_primaries", "color_transfer" }.Select(t => Tag(path, t)));

    /// <summary>
    /// HDR video (PQ or HLG, BT.2020) is analysed and written as the SDR it shows: the astronaut
    /// photo made HDR by ITU-R BT.2408's rule (SDR white at HDR's 203-nit reference white), as a
    /// camera grades a face, must give the photo's own face, label and confidence, and an
    /// annotated video that looks like the photo's.
    /// </summary>
    [Theory]
    [InlineData("smpte2084")]   // PQ (HDR10)
    [InlineData("arib-std-b67")] // HLG (phones, broadcast)
    public void HDR_video_is_analysed_and_written_as_the_SDR_picture_it_holds(string transfer)
    {
        using var dir = TestPaths.NewTempFolder();
        const int Side = 640;
        string sdr = dir.File("sdr.mkv"), hdr = dir.File("hdr.mkv");
        string[] photo = ["-nostdin", "-v", "error", "-loop", "1", "-i", TestPaths.Photo("astronaut.png"), "-frames:v", "3", "-r", "25"];
        ProcessRunner.Tool("ffmpeg", [.. photo, "-vf", $"scale={Side}:{Side},setsar=1,format=yuv420p", "-c:v", "libx264", "-qp", "0", sdr]);
        ProcessRunner.Tool("ffmpeg", [.. photo,
            "-vf", $"scale={Side}:{Side},setsar=1,zscale=tin=iec61966-2-1:min=gbr:pin=bt709:t={transfer}:m=2020_ncl:p=2020:r=tv:npl=203,format=yuv420p10le",
            "-c:v", "libx265", "-x265-params", $"log-level=none:crf=12:colorprim=bt2020:transfer={transfer}:colormatrix=bt2020nc",
            "-colorspace", "bt2020nc", "-color_primaries", "bt2020", "-color_trc", transfer, hdr]);
        Assert.Equal(transfer, Tag(hdr, "color_transfer"));

        var expected = Faces(dir, sdr, "sdr");
        var found = Faces(dir, hdr, "hdr", says: "HDR (mapped to SDR)");
        // The photo's face on each frame, with its label and confidence (untouched, PQ gave 0.81
        // and HLG 0.98 where the photo gives 1.00: the classifier saw a grey, flat face).
        Assert.Equal(3, expected.Count);
        foreach (var face in expected)
        {
            int frame = face.Frame;
            var match = found.Where(f => f.Frame == frame).MaxBy(f => Iou(f.Box, face.Box));
            Assert.True(match is not null && Iou(match.Box, face.Box) >= 0.9, $"frame {frame}: the face at {face.Box}");
            Assert.Equal(face.Label, match.Label);
            Assert.True(Math.Abs(face.Confidence - match.Confidence) < 0.01, $"frame {frame}: confidence {match.Confidence} where the photo has {face.Confidence}");
        }
        // The annotated video looks like the photo's (SDR, BT.709): in its bottom-left corner, away
        // from the drawn boxes, measured 8.8 (PQ) and 8.6 (HLG) levels off on average (HEVC, x264
        // and 4:2:0 twice); untouched, 37 and 24.
        var photoFrame = Rgb(dir.File("sdr.mp4"), Side, Side, []);
        var hdrFrame = Rgb(dir.File("hdr.mp4"), Side, Side, []);
        double sum = 0;
        int count = 0;
        for (int y = Side * 3 / 4; y < Side; y++)
            for (int x = 0; x < Side / 3 * 3; x++, count++)
                sum += Math.Abs(photoFrame[(y * Side * 3) + x] - hdrFrame[(y * Side * 3) + x]);
        Assert.True(sum / count < 12, $"the annotated HDR video is {sum / count:0.0} levels off the photo's on average");
        Assert.Equal("bt709", Tag(dir.File("hdr.mp4"), "color_transfer"));
    }

    sealed record Face(int Frame, (int X, int Y, int W, int H) Box, string Label, double Confidence);

    /// <summary>zimg, which maps HDR to SDR, refuses 4:2:0 frames with an odd side: those go through 4:4:4.</summary>
    [Theory]
    [InlineData(3, 3)]
    [InlineData(641, 481)]
    public void HDR_video_with_an_odd_side_is_analysed_frame_for_frame(int width, int height)
    {
        using var dir = TestPaths.NewTempFolder();
        string hdr = dir.File("odd.mkv");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=640x480:rate=25:duration=0.4",
            "-vf", $"scale={width}:{height},setsar=1,format=yuv420p10le", "-c:v", "ffv1", "-color_trc", "smpte2084", "-color_primaries", "bt2020", "-colorspace", "bt2020nc", hdr);
        Assert.Equal("smpte2084", Tag(hdr, "color_transfer"));
        Faces(dir, hdr, "out", says: $"{width}x{height} @ 25 fps, 0.4 s, HDR (mapped to SDR)");
        Assert.Equal(10, Clips.CountFrames(dir.File("out.mp4")));
    }

    /// <param name="says">what the run's first line must say of the input, if anything</param>
    static List<Face> Faces(TempFolder dir, string input, string name, string? says = null)
    {
        var r = ProcessRunner.Cli(["analyze", input, "-o", dir.File($"{name}.mp4"), "--backend", "cpu", "--no-tracking"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.StandardError);
        if (says is not null) Assert.Contains(says, r.StandardError.Split('\n')[0]);
        return File.ReadAllLines(dir.File($"{name}.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).Select(e =>
        {
            var b = e.GetProperty("box");
            return new Face(e.GetProperty("frame").GetInt32(), (b.GetProperty("x").GetInt32(), b.GetProperty("y").GetInt32(), b.GetProperty("w").GetInt32(), b.GetProperty("h").GetInt32()),
                e.GetProperty("label").GetString()!, e.GetProperty("confidence").GetDouble());
        }).ToList();
    }

    static double Iou((int X, int Y, int W, int H) a, (int X, int Y, int W, int H) b)
    {
        double ix = Math.Max(0, Math.Min(a.X + a.W, b.X + b.W) - Math.Max(a.X, b.X));
        double iy = Math.Max(0, Math.Min(a.Y + a.H, b.Y + b.H) - Math.Max(a.Y, b.Y));
        double inter = ix * iy;
        return inter / ((a.W * a.H) + (b.W * b.H) - inter);
    }

    static string Tag(string path, string entry) =>
        ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", $"stream={entry}", "-of", "csv=p=0", path).Trim();

    /// <summary>How a player converts the video to RGB: by its tags, or by its size where it has none.</summary>
    static string[] PlayerDecoding(string path, int height) =>
        Tag(path, "color_space") is "unknown" or "" ? ["-vf", $"scale=in_color_matrix={(height >= 720 ? "bt709" : "bt601")}"] : [];

    static byte[] Rgb(string path, int width, int height, string[] filter)
    {
        string raw = path + ".rgb";
        ProcessRunner.Tool("ffmpeg", ["-nostdin", "-v", "error", "-y", "-i", path, "-frames:v", "1", .. filter, "-f", "rawvideo", "-pix_fmt", "rgb24", raw]);
        var bytes = File.ReadAllBytes(raw);
        Assert.Equal(width * height * 3, bytes.Length);
        return bytes;
    }
}
