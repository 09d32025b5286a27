using System.Text.Json;
using VideoAffect.Media;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Containers;

/// <summary>
/// A source's cover picture goes on into the annotated video, byte for byte, where its container
/// holds one: an MP4's cover art (as yt-dlp --embed-thumbnail and iTunes write it) and a Matroska
/// file's cover attachment, into MP4 (its cover) and Matroska (an attachment, never a video
/// track). MOV and WebM cannot hold one, and --anonymize passes none on: the run's first line says
/// so. The picture's bytes are looked for in the output file itself (both containers store them
/// as they are), and its streams are read back with ffprobe.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class CoverPictureTests(CoverPictureTests.Sources sources) : IClassFixture<CoverPictureTests.Sources>
{
    /// <summary>A 3-s clip with a JPEG cover in MP4, and with a font and a PNG cover attached in Matroska, made once.</summary>
    public sealed class Sources : IDisposable
    {
        readonly TempFolder _dir = TestPaths.NewTempFolder();

        public Sources()
        {
            string clip = Clips.MovingFace(_dir.File("clip.mp4"), frames: 45, fps: 15, audio: true);
            ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", TestPaths.Photo("astronaut.png"), "-vf", "scale=160:-1", "-q:v", "3", _dir.File("cover.jpg"));
            ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", TestPaths.Photo("coffee.png"), "-vf", "scale=96:-1", _dir.File("cover.png"));
            Jpeg = File.ReadAllBytes(_dir.File("cover.jpg"));
            Png = File.ReadAllBytes(_dir.File("cover.png"));
            Mp4 = _dir.File("song.mp4");
            ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-i", _dir.File("cover.jpg"), "-map", "0", "-map", "1", "-c", "copy",
                "-disposition:v:1", "attached_pic", Mp4);
            File.WriteAllBytes(_dir.File("Drawn.ttf"), Enumerable.Range(0, 256).Select(i => (byte)i).ToArray());
            Mkv = _dir.File("talk.mkv");
            ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-map", "0", "-c", "copy",
                "-attach", _dir.File("Drawn.ttf"), "-metadata:s:t:0", "mimetype=application/x-truetype-font",
                "-attach", _dir.File("cover.png"), "-metadata:s:t:1", "mimetype=image/png", "-metadata:s:t:1", "filename=cover.png", Mkv);
        }

        public string Mp4 { get; }
        public string Mkv { get; }
        public byte[] Jpeg { get; }
        public byte[] Png { get; }

        public void Dispose() => _dir.Dispose();
    }

    [Theory]
    [InlineData(".mp4")]
    [InlineData(".mkv")]
    public void An_mp4_cover_goes_on_as_the_output_container_holds_it(string extension)
    {
        using var dir = TestPaths.NewTempFolder();
        string output = Analyze(sources.Mp4, dir, extension, out string log);

        Assert.Contains(", with audio, a cover picture;", log.Split('\n')[0]); // the run's first line names it
        Assert.True(Contains(File.ReadAllBytes(output), sources.Jpeg), "the cover's bytes are in the annotated video, as they were");
        var covers = Covers(output);
        Assert.Single(covers);
        Assert.Equal("mjpeg", covers[0].Codec);
        // Matroska holds it as an attachment with the name its players look for.
        if (extension == ".mkv") Assert.Equal(("cover.jpg", "image/jpeg"), (covers[0].FileName, covers[0].MimeType));
        AssertOneVideoTrack(output);
    }

    [Theory]
    [InlineData(".mkv")]
    [InlineData(".mp4")]
    public void A_matroska_cover_goes_on_beside_its_other_attachments(string extension)
    {
        using var dir = TestPaths.NewTempFolder();
        string output = Analyze(sources.Mkv, dir, extension);

        Assert.True(Contains(File.ReadAllBytes(output), sources.Png), "the cover's bytes are in the annotated video, as they were");
        var covers = Covers(output);
        Assert.Equal("png", Assert.Single(covers).Codec);
        if (extension == ".mkv")
        {
            Assert.Equal(("cover.png", "image/png"), (covers[0].FileName, covers[0].MimeType));
            Assert.Equal(["Drawn.ttf"], Attachments(output));
        }
        AssertOneVideoTrack(output);
    }

    [Theory]
    [InlineData(".mkv")]
    [InlineData(".mp4")]
    public void A_part_cut_to_its_video_keeps_the_cover(string extension)
    {
        // --end makes the encoder cut what came with the frames to the video's end: a second muxing
        // of the output, through which Matroska's attached cover must not turn into a video track.
        using var dir = TestPaths.NewTempFolder();
        string output = Analyze(sources.Mkv, dir, extension, "--start", "0.5", "--end", "2");

        Assert.True(Contains(File.ReadAllBytes(output), sources.Png), "the cover's bytes are in the part's annotated video");
        Assert.Equal("png", Assert.Single(Covers(output)).Codec);
        if (extension == ".mkv") Assert.Equal(["Drawn.ttf"], Attachments(output));
        AssertOneVideoTrack(output);
        Assert.InRange(Clips.CountFrames(output), 20, 24); // 1.5 s at 15 fps
    }

    [Theory]
    [InlineData(".mov", "a cover picture left out: .mov cannot hold cover pictures (.mp4 and .mkv can)")]
    [InlineData(".webm", "a cover picture left out: .webm cannot hold cover pictures (.mp4 and .mkv can)")]
    public void A_container_without_covers_says_the_cover_is_left_out(string extension, string said)
    {
        using var dir = TestPaths.NewTempFolder();
        string output = Analyze(sources.Mp4, dir, extension, out string log);

        Assert.Contains(said, log.Split('\n')[0]);
        Assert.Empty(Covers(output));
        Assert.False(Contains(File.ReadAllBytes(output), sources.Jpeg), "no trace of the cover in the annotated video");
        AssertOneVideoTrack(output);
    }

    [Fact]
    public void Anonymize_passes_no_cover_on()
    {
        // A cover can show the face that --anonymize hides.
        using var dir = TestPaths.NewTempFolder();
        string output = Analyze(sources.Mp4, dir, ".mp4", out string log, "--anonymize", "blur");

        Assert.Contains("a cover picture left out: --anonymize", log.Split('\n')[0]);
        Assert.Empty(Covers(output));
        Assert.False(Contains(File.ReadAllBytes(output), sources.Jpeg), "no trace of the cover in the annotated video");
    }

    [Theory]
    [InlineData("out.mp4", ", 2 cover pictures, cover picture 3 (webp) left out: an MP4 cover is JPEG, PNG or BMP, not webp (.mkv holds it)")]
    [InlineData("out.mkv", ", 3 cover pictures")]
    [InlineData("out.mov", ", 3 cover pictures left out: .mov cannot hold cover pictures (.mp4 and .mkv can)")]
    public void Several_covers_are_counted_and_those_left_out_named_once_for_each_reason(string output, string said)
    {
        var info = new VideoInfo("film.mkv", 0, 640, 480, 25, TimeSpan.FromSeconds(10), false, 0, "1/1000", 250)
        {
            Covers = [new(1, "mjpeg", "cover.jpg", "image/jpeg"), new(2, "png", "small_cover.png", "image/png"), new(3, "webp", "back.webp", "image/webp")],
        };
        Assert.Equal(said, AnnotatedVideoEncoder.Covers(info, output, keepTags: true));
        Assert.Equal(", 3 cover pictures left out: --anonymize passes on none of the source's tags and pictures", AnnotatedVideoEncoder.Covers(info, output, keepTags: false));
        Assert.Equal("", AnnotatedVideoEncoder.Covers(info with { Covers = [] }, output, keepTags: true));
    }

    static string Analyze(string source, TempFolder dir, string extension, params string[] more) => Analyze(source, dir, extension, out _, more);

    static string Analyze(string source, TempFolder dir, string extension, out string log, params string[] more)
    {
        string output = dir.File("annotated" + extension);
        var run = ProcessRunner.Cli(["analyze", source, "-o", output, "--backend", "cpu", "--events", dir.File("faces.jsonl"), .. more]);
        Assert.True(run.ExitCode == 0, run.StandardError);
        log = run.StandardError;
        return output;
    }

    sealed record Cover(string Codec, string? FileName, string? MimeType);

    /// <summary>The file's attached pictures, as ffprobe reads them (an MP4's cover, a Matroska file's picture attachments).</summary>
    static List<Cover> Covers(string path) =>
        Probe(path, "-select_streams", "v", "-show_entries", "stream=codec_name:stream_disposition=attached_pic:stream_tags=filename,mimetype")
            .GetProperty("streams").EnumerateArray()
            .Where(s => s.GetProperty("disposition").GetProperty("attached_pic").GetInt32() == 1)
            .Select(s => new Cover(s.GetProperty("codec_name").GetString()!, Tag(s, "filename"), Tag(s, "mimetype"))).ToList();

    /// <summary>The file names of the attachments that are files rather than pictures (fonts).</summary>
    static List<string?> Attachments(string path) =>
        Probe(path, "-select_streams", "t", "-show_entries", "stream=index:stream_tags=filename").GetProperty("streams").EnumerateArray()
            .Select(s => Tag(s, "filename")).ToList();

    /// <summary>One video track that plays (no cover written as a second one), holding the annotated frames.</summary>
    static void AssertOneVideoTrack(string path)
    {
        var played = Probe(path, "-select_streams", "V", "-show_entries", "stream=codec_name").GetProperty("streams").EnumerateArray()
            .Select(s => s.GetProperty("codec_name").GetString()).ToList();
        Assert.Single(played);
        Assert.Contains(played[0], new[] { "h264", "vp9" });
    }

    static bool Contains(byte[] file, byte[] part) => file.AsSpan().IndexOf(part) >= 0;

    static JsonElement Probe(string path, params string[] show) =>
        JsonDocument.Parse(ProcessRunner.Tool("ffprobe", ["-v", "error", .. show, "-of", "json", path])).RootElement;

    static string? Tag(JsonElement element, string name) =>
        element.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object
            ? tags.EnumerateObject().FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase)).Value is { ValueKind: JsonValueKind.String } v ? v.GetString() : null
            : null;
}
