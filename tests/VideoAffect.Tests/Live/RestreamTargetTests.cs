using VideoAffect.Live;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// `monitor --restream URL`: which URLs it pushes to and how (the container ffmpeg sends, the
/// timeout for a silent server), each stream's own URL, what messages show of it, and the URLs it
/// refuses before any camera starts. The push itself, against a real RTMP server, is <see cref="RestreamTests"/>.
/// </summary>
public sealed class RestreamTargetTests
{
    const string N = RestreamTarget.NamePlaceholder; // where a URL takes the stream's name

    [Theory]
    [InlineData("rtmp://10.0.0.2/live/" + N, "-f flv -rw_timeout 10000000")]
    [InlineData("rtmps://live.example.com:443/app/" + N, "-f flv -rw_timeout 10000000")]
    [InlineData("rtsp://10.0.0.2:8554/" + N, "-f rtsp -rtsp_transport tcp -timeout 10000000")]
    [InlineData("RTSPS://10.0.0.2:8322/" + N, "-f rtsp -rtsp_transport tcp -timeout 10000000")]
    [InlineData("srt://10.0.0.2:8890?streamid=publish:" + N, "-f mpegts -linger 2")]
    [InlineData("udp://239.0.0.1:5000", "-f mpegts")]
    [InlineData("tcp://10.0.0.2:5001", "-f mpegts -rw_timeout 10000000")]
    public void Each_scheme_is_pushed_in_its_container(string url, string options)
    {
        Assert.Equal(options, RestreamTarget.Parse(url).FfmpegOptions);
    }

    [Fact]
    public void Each_stream_gets_its_own_url_and_messages_show_no_path_or_credentials()
    {
        var target = RestreamTarget.Parse("rtmp://pub:s3cret@10.0.0.2:1935/live/{name}?key=abc");
        Assert.True(target.NamesStreams);
        Assert.Equal("rtmp://pub:s3cret@10.0.0.2:1935/live/lobby?key=abc", target.UrlFor("lobby"));
        Assert.Equal("rtmp://pub:s3cret@10.0.0.2:1935/live/door?key=abc", target.UrlFor("door"));
        // A streaming site's key is the path's last part, which no rule tells from a name.
        Assert.Equal("rtmp://10.0.0.2:1935", target.Shown("lobby"));
        Assert.Equal("rtmp://a.rtmp.youtube.com", RestreamTarget.Parse("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl").Shown("lobby"));
        Assert.False(RestreamTarget.Parse("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl").NamesStreams);
    }

    [Theory]
    [InlineData("restream", "it is no URL (a recording goes to a folder: --record DIR)")]
    [InlineData("out/restream.mp4", "it is no URL")]
    [InlineData("http://10.0.0.2/live/" + N, "its scheme 'http://' is not one monitor pushes to")]
    [InlineData("file:///tmp/x.flv", "its scheme 'file://' is not one monitor pushes to")]
    [InlineData("rtmp:///live/" + N, "no server to push to in it")]
    [InlineData("udp://239.0.0.1", "udp:// needs a port (udp://239.0.0.1:5000)")]
    [InlineData("srt://10.0.0.2?streamid=" + N, "srt:// needs a port")]
    public void A_url_monitor_cannot_push_to_is_one_line(string url, string message)
    {
        var e = Assert.Throws<VideoAffectException>(() => RestreamTarget.Parse(url));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_password_in_a_refused_url_is_not_repeated()
    {
        var e = Assert.Throws<VideoAffectException>(() => RestreamTarget.Parse("http://pub:s3cret@10.0.0.2/live/{name}"));
        Assert.DoesNotContain("s3cret", e.Message);
    }

    /// <summary>Several streams at one URL would each take the server's stream from the other: refused unless {name} tells them apart.</summary>
    [Fact]
    public void Several_streams_or_streams_to_come_need_the_name_in_the_url()
    {
        var two = LiveSourceSpec.ParseAll(["a=rtsp://10.0.0.5/one", "b=rtsp://10.0.0.6/two"]);
        var e = Assert.Throws<VideoAffectException>(() => new MonitorOptions { Sources = two, RestreamUrl = "rtmp://10.0.0.2/live/cam" }.Validate());
        Assert.Contains("would take every stream at one URL; put {name} in it", e.Message);
        Assert.Throws<VideoAffectException>(() => new MonitorOptions { Sources = [], KeepRunning = true, RestreamUrl = "rtmp://10.0.0.2/live/cam" }.Validate());
        new MonitorOptions { Sources = two, RestreamUrl = "rtmp://10.0.0.2/live/{name}" }.Validate();
        new MonitorOptions { Sources = [two[0]], RestreamUrl = "rtmp://10.0.0.2/live/cam" }.Validate();
    }

    /// <summary>Through the CLI: one line and exit code 2 before any camera starts.</summary>
    [Fact]
    public void The_cli_refuses_a_bad_restream_with_one_line()
    {
        var run = ProcessRunner.Cli(["monitor", "a=rtsp://127.0.0.1:9/one", "b=rtsp://127.0.0.1:9/two", "--restream", "rtmp://127.0.0.1/live/cam"], timeoutSeconds: 60);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("videoaffect: error: --restream 'rtmp://127.0.0.1/live/cam' would take every stream at one URL; put {name} in it for the stream's name (rtmp://10.0.0.2/live/{name})", run.StandardError.Trim());
    }
}
