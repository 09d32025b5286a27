using VideoAffect.Live;
using VideoAffect.Media;

namespace VideoAffect.Tests.Media;

/// <summary>
/// A source that is no file but a URL typed wrong, a live stream given to analyze, or a URL of a
/// protocol the command does not read: one line that says so, never only "does not exist", and
/// never the password it was given.
/// </summary>
public class MistypedSourceTests
{
    [Theory]
    [InlineData("rstp://10.0.0.5/stream", "rtsp://10.0.0.5/stream")] // two letters swapped
    [InlineData("rtps://10.0.0.5/stream", null)] // rtsp or rtsps: not guessed
    [InlineData("htps://example.com/talk.mp4", "https://example.com/talk.mp4")] // one left out
    [InlineData("httpss://example.com/talk.mp4", "https://example.com/talk.mp4")] // one typed twice
    [InlineData("rtsq://10.0.0.5/stream", "rtsp://10.0.0.5/stream")] // one changed
    [InlineData("http:/example.com/talk.mp4", "http://example.com/talk.mp4")] // a slash short
    [InlineData("RTSP:10.0.0.5/stream", "rtsp://10.0.0.5/stream")]
    [InlineData("rtsp:///stream", null)] // no host: not a typo to mend (LiveSourceSpecTests)
    [InlineData("rtsp://10.0.0.5/stream", null)] // not mistyped
    [InlineData("htp://10.0.0.5/x", "http://10.0.0.5/x")] // (for analyze, which reads ftp:// too, not guessed: below)
    [InlineData("rtp://239.0.0.1:5000", null)] // ffmpeg's RTP, not a mistyped RTSP
    [InlineData("recordings/talk.mp4", null)]
    [InlineData("take:2.mp4", null)] // a file name with a colon
    [InlineData("/videos/a:b.mp4", null)]
    public void A_mistyped_url_is_mended_and_nothing_else_is_taken_for_one(string location, string? meant) =>
        Assert.Equal(meant, LocationTypos.Meant(location, MediaLocation.StreamSchemes));

    [Theory]
    [InlineData("rstp://admin:s3cret@10.0.0.5/stream", "input 'rstp://10.0.0.5/stream' does not exist (did you mean 'rtsp://10.0.0.5/stream'?)")]
    [InlineData("rtsp://admin:s3cret@10.0.0.5:8554/stream?token=x", "input 'rtsp://10.0.0.5:8554/stream' is a live stream, which analyze does not read (it takes video files and recordings at http(s):// or ftp:// URLs); watch it with videoaffect monitor")]
    [InlineData("sftp://me:s3cret@nas/talk.mp4", "input 'sftp://nas/talk.mp4' is no file, and analyze reads no sftp:// URL (only http(s):// and ftp://); another of ffmpeg's inputs can be piped in: ffmpeg -i URL -c copy -f matroska - | videoaffect analyze -")]
    [InlineData("htp://example.com/talk.mp4", "input 'htp://example.com/talk.mp4' is no file, and analyze reads no htp:// URL (only http(s):// and ftp://); another of ffmpeg's inputs can be piped in: ffmpeg -i URL -c copy -f matroska - | videoaffect analyze -")]
    [InlineData("talk-nothere.mp4", "input 'talk-nothere.mp4' does not exist")]
    public async Task Analyze_says_what_a_name_that_is_no_file_is(string input, string message)
    {
        var e = await Assert.ThrowsAsync<VideoAffectException>(() => VideoProbe.ProbeAsync(input, CancellationToken.None));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("cam=rstp://admin:s3cret@10.0.0.5/stream", "source 'rstp://admin:***@10.0.0.5/stream' does not exist (did you mean 'rtsp://admin:***@10.0.0.5/stream'?)")]
    [InlineData("cam=rtp://239.0.0.1:5000", "source 'rtp://239.0.0.1:5000' is no file, and monitor reads no rtp:// URL (rtsp(s)://, http(s)://, udp://, tcp://, rtmp:// and srt://); another of ffmpeg's inputs can be piped in: ffmpeg -i URL -c copy -f mpegts - | videoaffect monitor NAME=-")]
    [InlineData("cam=/videos/nothere.mp4", "source '/videos/nothere.mp4' does not exist")]
    public void Monitor_says_what_a_source_that_is_no_file_is(string text, string message) =>
        Assert.Equal(message, Assert.Throws<VideoAffectException>(() => LiveSourceSpec.Parse(text, 0).CheckExists()).Message);

    [Fact]
    public void A_camera_url_a_slash_short_is_refused_with_the_url_meant() =>
        Assert.Equal("source 'rtsp:/10.0.0.5/stream' names no host (did you mean 'rtsp://10.0.0.5/stream'?)",
            Assert.Throws<VideoAffectException>(() => LiveSourceSpec.Parse("cam=rtsp:/10.0.0.5/stream", 0)).Message);
}
