using VideoAffect.Cli.Commands;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// monitor/node --config FILE: the YAML file is the command line written down (its keys the long
/// options, `streams` the sources with their own zones), the command line wins over it, and a
/// wrong file is one line naming where.
/// </summary>
public class MonitorConfigTests
{
    static string[] Expand(TempFolder dir, string yaml, params string[] args)
    {
        File.WriteAllText(dir.File("site.yaml"), yaml);
        return ConfigFile.Expand(VideoAffect.Cli.Program.Build(), ["monitor", "--config", dir.File("site.yaml"), .. args]);
    }

    [Fact]
    public void The_file_becomes_the_command_line_it_stands_for()
    {
        using var dir = TestPaths.NewTempFolder();
        var args = Expand(dir, """
            # the site's cameras
            streams:
              lobby: rtsp://10.0.0.5/stream
              door:
                source: rtsp://10.0.0.6/h264
                ignore-zones: ["0,0,200,150", "0:480,300:200,640:480"]
                only_zones: 10%,10%,80%,80%
            records: rec/
            detect_every: 2
            publish:
              - mqtt://10.0.0.2/site
              - redis://10.0.0.3/faces
            loop: false
            control: true
            """, "extra.mp4");
        Assert.Equal(["monitor", "--records", "rec/", "--detect-every", "2", "--publish", "mqtt://10.0.0.2/site", "--publish", "redis://10.0.0.3/faces", "--control",
            "--ignore-zone", "door=0,0,200,150", "--ignore-zone", "door=0:480,300:200,640:480", "--only-zone", "door=10%,10%,80%,80%",
            "lobby=rtsp://10.0.0.5/stream", "door=rtsp://10.0.0.6/h264", "extra.mp4"], args);
        // What the command line gives wins over the file (--records, -- a repeatable one -- --publish); streams add up.
        args = Expand(dir, "streams: [a.mp4]\nrecords: rec/\npublish: [mqtt://x/y]\nhttp: 127.0.0.1:8080\n", "--records=mine", "--publish", "redis://z/k", "b.mp4");
        Assert.Equal(["monitor", "--http", "127.0.0.1:8080", "a.mp4", "--records=mine", "--publish", "redis://z/k", "b.mp4"], args);
        // node takes the same file, without streams (its cameras come from the cluster).
        File.WriteAllText(dir.File("node.yaml"), "cluster: redis://127.0.0.1:6379\nmax-streams: 4\n");
        Assert.Equal(["node", "--cluster", "redis://127.0.0.1:6379", "--max-streams", "4", "--name", "a"],
            ConfigFile.Expand(VideoAffect.Cli.Program.Build(), ["node", "--config", dir.File("node.yaml"), "--name", "a"]));
        File.WriteAllText(dir.File("node.yaml"), "streams: [a.mp4]\n");
        Assert.Contains("'streams' is not a key of node", Assert.Throws<VideoAffectException>(() => ConfigFile.Expand(VideoAffect.Cli.Program.Build(), ["node", "--config", dir.File("node.yaml")])).Message);
        // Without --config nothing changes, for every command.
        string[] plain = ["analyze", "in.mp4", "--config", "x"];
        Assert.Same(plain, ConfigFile.Expand(VideoAffect.Cli.Program.Build(), plain));
    }

    [Theory]
    [InlineData("recrods: rec/\n", ":1: 'recrods' is not a key of monitor (did you mean 'records'?); keys are its long options without '--' and 'streams'")]
    [InlineData("streams:\n  hall:\n    sorce: x.mp4\n", ":3: 'sorce' is not a key of a stream (did you mean 'source'?); a stream takes source, ignore-zones and only-zones")]
    [InlineData("streams:\n  hall:\n    url: x.mp4\n", ":3: 'url' is not a key of a stream; a stream takes source, ignore-zones and only-zones")]
    [InlineData("streams:\n  hall:\n    ignore-zones: [\"1,2,3,4\"]\n", ":3: stream 'hall' has no source")]
    [InlineData("streams: [a\n", ":2:1: not YAML that can be read")]
    [InlineData("records: [a, b]\n", ":1: 'records' takes one value, not a list")]
    [InlineData("loop: maybe\n", ":1: 'loop' is a switch: true or false")]
    [InlineData("http: \u007Ba: 1\u007D\n", ":1: the value of 'http' must be a single value")] // a flow mapping, its braces escaped: scripts that count braces would take them for the body's
    [InlineData("- a\n- b\n", ":1: the file is not a mapping of keys to values")]
    [InlineData("", ": the file is empty")]
    [InlineData("config: other.yaml\n", ":1: 'config' is not a key of monitor")]
    public void A_wrong_file_is_one_line_naming_where(string yaml, string expected)
    {
        using var dir = TestPaths.NewTempFolder();
        var e = Assert.Throws<VideoAffectException>(() => Expand(dir, yaml));
        Assert.Contains(dir.File("site.yaml") + expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Monitor_watches_the_files_streams_with_their_zones_and_a_bad_file_is_exit_code_2()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = FaceZoneTests.PosterClip(dir);
        File.WriteAllText(dir.File("site.yaml"), $"""
            streams:
              hall:
                source: {clip}
                ignore-zones: ["400,250,240,230"]
              desk: {clip}
            records: {dir.File("file-rec")}
            backend: cpu
            """);
        // The command line's --records wins over the file's.
        var r = ProcessRunner.Cli(["monitor", "--config", dir.File("site.yaml"), "--records", dir.File("rec")], timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.False(Directory.Exists(dir.File("file-rec")));
        Assert.DoesNotContain(FaceZoneTests.Records(dir.File("rec/hall.jsonl")), FaceZoneTests.OnPoster);
        Assert.Contains(FaceZoneTests.Records(dir.File("rec/desk.jsonl")), FaceZoneTests.OnPoster);
        Assert.Contains(FaceZoneTests.Records(dir.File("rec/hall.jsonl")), x => !FaceZoneTests.OnPoster(x));

        File.WriteAllText(dir.File("bad.yaml"), "streams:\n  hall: x.mp4\nmin-face: abc\n");
        var bad = ProcessRunner.Cli(["monitor", "--config", dir.File("bad.yaml")], timeoutSeconds: 60);
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("videoaffect: usage: --min-face takes a whole number of pixels or a percentage of the frame's shorter side above 0% and at most 100%, such as 30 or 5% (got 'abc'); see 'videoaffect monitor --help'", bad.StandardError.Trim());
        var missing = ProcessRunner.Cli(["monitor", "--config", dir.File("none.yaml")], timeoutSeconds: 60);
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal($"videoaffect: --config {dir.File("none.yaml")}: no such file", missing.StandardError.Trim());
        var folder = ProcessRunner.Cli(["monitor", "--config", dir.Path], timeoutSeconds: 60);
        Assert.Equal(2, folder.ExitCode);
        Assert.Equal($"videoaffect: --config {dir.Path}: a folder, not a config file", folder.StandardError.Trim());
    }
}
