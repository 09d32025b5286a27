using VideoAffect.Classification;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// A video given to classify (which reads photos) is said to be one, with the command that reads
/// it, as analyze sends a photo to classify; before 0.26.5 it was "not an image OpenCV can read".
/// Each container is made by ffmpeg; HEIF and AVIF photos, ISO media files too, stay photos
/// (<see cref="PhotoFormatTests"/>).
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class VideoGivenToClassifyTests
{
    [Theory]
    [InlineData("clip.mp4", "-c:v libx264", "MP4/MOV")]
    [InlineData("clip.mov", "-c:v libx264", "MP4/MOV")]
    [InlineData("clip.3gp", "-c:v libx264", "MP4/MOV")]
    [InlineData("clip.mkv", "-c:v libx264", "Matroska/WebM")]
    [InlineData("clip.webm", "-c:v libvpx-vp9 -deadline realtime", "Matroska/WebM")]
    [InlineData("clip.avi", "-c:v mpeg4", "AVI")]
    [InlineData("clip.wmv", "-c:v wmv2", "ASF/WMV")]
    [InlineData("clip.flv", "-c:v flv", "FLV")]
    [InlineData("clip.ogv", "-c:v libtheora", "Ogg")]
    [InlineData("clip.mpg", "-c:v mpeg2video", "MPEG program stream")]
    [InlineData("clip.ts", "-c:v libx264", "MPEG-TS")]
    public void A_video_is_named_as_one_and_sent_to_analyze(string name, string codec, string container)
    {
        using var dir = TestPaths.NewTempFolder();
        string path = dir.File(name);
        ProcessRunner.Tool("ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=0.5", .. codec.Split(' '), path]);
        Assert.Equal(container, ImageHeader.VideoContainer(path));
        var e = Assert.Throws<VideoAffectException>(() => StillImage.Read(path).Dispose());
        Assert.Equal($"'{path}' is a video ({container}), not a photo; videos are analysed with videoaffect analyze", e.Message);
    }

    [Fact]
    public void Pictures_and_text_are_no_video()
    {
        using var dir = TestPaths.NewTempFolder();
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48", "-frames:v", "1", dir.File("still.png"));
        File.WriteAllText(dir.File("notes.mkv"), "not a video\n");
        Assert.Null(ImageHeader.VideoContainer(dir.File("still.png")));
        Assert.Null(ImageHeader.VideoContainer(dir.File("notes.mkv")));
        Assert.StartsWith($"'{dir.File("notes.mkv")}' is not an image OpenCV can read", Assert.Throws<VideoAffectException>(() => StillImage.Read(dir.File("notes.mkv")).Dispose()).Message);
    }

    /// <summary>A download or copy that failed leaves 0 bytes, of any name: said to be empty, in the library and the CLI.</summary>
    [Fact]
    public void An_empty_file_is_said_to_be_empty()
    {
        using var dir = TestPaths.NewTempFolder();
        foreach (var name in new[] { "photo.jpg", "photo.heic", "photo" })
        {
            File.WriteAllBytes(dir.File(name), []);
            Assert.Equal($"'{dir.File(name)}' is empty (0 bytes): no image", Assert.Throws<VideoAffectException>(() => StillImage.Read(dir.File(name)).Dispose()).Message);
        }
        var r = ProcessRunner.Cli(["classify", "--backend", "cpu", dir.File("photo.jpg")]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"videoaffect: error: '{dir.File("photo.jpg")}' is empty (0 bytes): no image", r.StandardError.Trim());
    }
}
