using VideoAffect.Live;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>How monitor's sources are read from the command line: NAME=LOCATION, or a location named after itself.</summary>
/// <remarks>In the collection that runs alone: one test moves the process's current folder.</remarks>
[Collection(LiveCollection.Name)]
public class LiveSourceSpecTests
{
    [Theory]
    [InlineData("lobby=rtsp://10.0.0.5/stream", "lobby", "rtsp://10.0.0.5/stream", LiveSourceKind.Rtsp)]
    [InlineData("rtsp://user@10.0.0.5:554/cam/main?x=1", "10-0-0-5-cam-main", "rtsp://user@10.0.0.5:554/cam/main?x=1", LiveSourceKind.Rtsp)]
    [InlineData("rtsp://10.0.0.7:554/user=admin&password=s3cret&channel=1&stream=0.sdp", "10-0-0-7-user-admin-password-channel-1-stream-0-sdp",
        "rtsp://10.0.0.7:554/user=admin&password=s3cret&channel=1&stream=0.sdp", LiveSourceKind.Rtsp)] // a password in the path stays out of the name
    [InlineData("/dev/video0", "video0", "/dev/video0", LiveSourceKind.Webcam)]
    [InlineData("door=http://cam.local/mjpg?a=b", "door", "http://cam.local/mjpg?a=b", LiveSourceKind.Url)]
    [InlineData("/videos/lobby.mp4", "lobby", "/videos/lobby.mp4", LiveSourceKind.File)]
    [InlineData("-", "stdin", "-", LiveSourceKind.StandardInput)]
    [InlineData("pi=-", "pi", "-", LiveSourceKind.StandardInput)]
    [InlineData("pi=/dev/stdin", "pi", "/dev/stdin", LiveSourceKind.StandardInput)]
    [InlineData("udp://0.0.0.0:5000", "udp-5000", "udp://0.0.0.0:5000", LiveSourceKind.Url)]
    [InlineData("tcp://:5001?listen=1", "tcp-5001", "tcp://:5001?listen=1", LiveSourceKind.Url)] // no host: every address, as ffmpeg reads it
    [InlineData("srt://:9000?mode=listener", "srt-9000", "srt://:9000?mode=listener", LiveSourceKind.Url)]
    public void A_source_is_named_by_its_user_or_after_itself(string text, string name, string location, LiveSourceKind kind) =>
        Assert.Equal(new LiveSourceSpec(name, location, kind), LiveSourceSpec.Parse(text, 0));

    /// <summary>Pushed sources (a sender connects to us, or pipes in) are read once and shared by the probe and the decoder.</summary>
    [Theory]
    [InlineData("-", true)]
    [InlineData("udp://0.0.0.0:5000", true)]
    [InlineData("udp://@239.0.0.1:1234?fifo_size=100000", true)]
    [InlineData("tcp://0.0.0.0:5001?listen=1", true)]
    [InlineData("tcp://:5001?listen=1", true)]
    [InlineData("tcp://0.0.0.0:5001?timeout=5&listen=2", true)]
    [InlineData("tcp://0.0.0.0:5001?listen=0", false)]
    [InlineData("tcp://10.0.0.5:5001", false)]
    [InlineData("srt://:9000?mode=listener", true)]
    [InlineData("srt://0.0.0.0:9000?latency=200000&mode=Listener", true)]
    [InlineData("srt://10.0.0.5:9000", false)]
    [InlineData("srt://10.0.0.5:9000?mode=caller", false)]
    [InlineData("rtsp://10.0.0.5/stream", false)]
    [InlineData("http://cam.local/mjpg", false)]
    [InlineData("/dev/video0", false)]
    [InlineData("rtmp://0.0.0.0/live/cam?listen=1", true)]
    [InlineData("rtmp://server.local/live/cam", false)]
    [InlineData("http://0.0.0.0:8080/cam?listen=1", true)]
    public void Pushed_sources_are_told_from_their_url(string text, bool pushed) =>
        Assert.Equal(pushed, LiveSourceSpec.Parse(text, 0).IsPushed);

    /// <summary>RTMP and HTTP take no options in their URL: listen=1 becomes ffmpeg's -listen, the rest of the URL stays as given.</summary>
    [Theory]
    [InlineData("rtmp://0.0.0.0/live/cam?listen=1", "rtmp://0.0.0.0/live/cam")]
    [InlineData("rtmp://0.0.0.0:1936/live/cam?listen=1", "rtmp://0.0.0.0:1936/live/cam")]
    [InlineData("http://0.0.0.0:8080/cam?listen=1&token=abc", "http://0.0.0.0:8080/cam?token=abc")]
    public void A_server_for_one_sender_is_given_its_url_without_listen(string text, string url)
    {
        var spec = LiveSourceSpec.Parse(text, 0);
        Assert.True(spec.ListensAsServer);
        Assert.Equal(url, spec.ServerUrl);
    }

    [Fact]
    public void A_file_whose_name_holds_an_equals_sign_is_that_file()
    {
        using var dir = TestPaths.NewTempFolder();
        string file = dir.File("take=2.mp4");
        File.WriteAllText(file, "");
        // Relative, as a user types it in the file's folder: "take=2.mp4" is the file, not a stream "take" of "2.mp4".
        string previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = dir.Path;
        try
        {
            Assert.Equal(new LiveSourceSpec("take-2", "take=2.mp4", LiveSourceKind.File), LiveSourceSpec.Parse("take=2.mp4", 0));
            Assert.Equal(new LiveSourceSpec("cam", "take=2.mp4", LiveSourceKind.File), LiveSourceSpec.Parse("cam=take=2.mp4", 0));
            Assert.Equal(new LiveSourceSpec("other", "2.mp4", LiveSourceKind.File), LiveSourceSpec.Parse("other=2.mp4", 0));
        }
        finally { Environment.CurrentDirectory = previous; }
    }

    /// <summary>A source that cannot be a camera is said so at once (before 0.19 `x=rtsp://` was taken, and retried for ever against port 554 of nowhere).</summary>
    [Theory]
    [InlineData("x=rtsp://", "source 'rtsp://' names no host")]
    [InlineData("x=rtsp:///stream", "source 'rtsp:///stream' names no host")]
    [InlineData("x=", "stream 'x' has no source (NAME=SOURCE, or a stream's source in --config)")]
    [InlineData("", "an empty source was given")]
    [InlineData("=door.mp4", "source '=door.mp4' has an empty stream name before '='; give NAME=SOURCE, or the source alone")]
    [InlineData("=rtsp://cam.local/live", "source '=rtsp://cam.local/live' has an empty stream name before '='; give NAME=SOURCE, or the source alone")]
    public void A_source_that_cannot_be_a_camera_is_refused(string text, string message) =>
        Assert.Equal(message, Assert.Throws<VideoAffectException>(() => LiveSourceSpec.Parse(text, 0)).Message);

    /// <summary>
    /// NAME=SOURCE with a name that holds '/' or ':' is read as one location (a URL's query and a
    /// path may hold '='); where that is no file but the part after '=' is a source, the name is the
    /// mistake, said at once (before 0.28 the stream started, then failed as a missing file).
    /// </summary>
    [Fact]
    public void A_name_that_cannot_be_one_is_said_so_where_its_source_exists()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = dir.File("door.mp4");
        File.WriteAllText(clip, "");
        foreach (var (text, name) in new[] { ($"cams/door={clip}", "cams/door"), ("door:1=rtsp://10.0.0.5/stream", "door:1"), ("a/b=/dev/video0", "a/b"), ("x:y=-", "x:y") })
            Assert.Equal($"source '{text}' is no file, and '{name}' cannot be a stream's name (NAME=SOURCE): a name may only hold letters, digits, '-' and '_'",
                Assert.Throws<VideoAffectException>(() => LiveSourceSpec.Parse(text, 0)).Message);
        // The password of a camera's URL stays out of the line.
        Assert.DoesNotContain("s3cret", Assert.Throws<VideoAffectException>(() => LiveSourceSpec.Parse("door:1=rtsp://admin:s3cret@10.0.0.5/stream", 0)).Message);

        // Not a mistake: a file whose path holds '=' exists; the part after '=' is no source; a URL whose query holds a URL.
        string dotted = Directory.CreateDirectory(dir.File("run=1")).FullName;
        string inside = Path.Combine(dotted, "cam.mp4");
        File.WriteAllText(inside, "");
        Assert.Equal(LiveSourceKind.File, LiveSourceSpec.Parse(inside, 0).Kind);
        Assert.Equal(LiveSourceKind.File, LiveSourceSpec.Parse("cams/door=/no/such/file.mp4", 0).Kind);
        Assert.Equal(LiveSourceKind.Url, LiveSourceSpec.Parse("http://relay.local/play?to=rtsp://10.0.0.5/stream", 0).Kind);
    }

    [Fact]
    public void A_folder_is_not_a_video()
    {
        using var dir = TestPaths.NewTempFolder();
        var spec = LiveSourceSpec.Parse($"x={dir.Path}", 0);
        Assert.Equal($"source '{dir.Path}' is a folder, not a video; give one of its files (NAME=FILE)", Assert.Throws<VideoAffectException>(spec.CheckExists).Message);
    }
}
