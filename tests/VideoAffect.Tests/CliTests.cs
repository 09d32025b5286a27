using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>The videoaffect command as a user runs it: a real process, its exit code and output.</summary>
public class CliTests
{
    [Fact]
    public void Classify_json_reports_the_astronaut_happy()
    {
        var r = ProcessRunner.Cli(["classify", "--json", "--backend", "cpu", TestPaths.Photo("astronaut.png"), TestPaths.Photo("coffee.png")]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        var lines = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var astronaut = JsonDocument.Parse(lines[0]);
        var face = Assert.Single(astronaut.RootElement.GetProperty("faces").EnumerateArray());
        Assert.Equal("happy", face.GetProperty("label").GetString());
        Assert.Equal(177, face.GetProperty("box").GetProperty("x").GetInt32());
        using var coffee = JsonDocument.Parse(lines[1]);
        Assert.Empty(coffee.RootElement.GetProperty("faces").EnumerateArray());
    }

    [Fact]
    public void Classify_with_the_ilgpu_detector_finds_OpenCVs_face()
    {
        // With --backend cpu there is no GPU to share, so the kernels run on ILGPU's CPU accelerator.
        var r = ProcessRunner.Cli(["classify", "--json", "--backend", "cpu", "--detector", "ilgpu", TestPaths.Photo("astronaut.png")]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        using var doc = JsonDocument.Parse(r.StandardOutput);
        var box = Assert.Single(doc.RootElement.GetProperty("faces").EnumerateArray()).GetProperty("box");
        Assert.Equal((177, 66, 95, 95), (box.GetProperty("x").GetInt32(), box.GetProperty("y").GetInt32(), box.GetProperty("w").GetInt32(), box.GetProperty("h").GetInt32()));
    }

    [Theory]
    [InlineData("analyze x.mp4 --min-face abc", "videoaffect: usage: --min-face takes a whole number of pixels or a percentage of the frame's shorter side above 0% and at most 100%, such as 30 or 5% (got 'abc'); see 'videoaffect analyze --help'")]
    [InlineData("analyze x.mp4 --max-face 120%", "videoaffect: usage: --max-face takes a whole number of pixels or a percentage of the frame's shorter side above 0% and at most 100%, such as 30 or 5% (got '120%'); see 'videoaffect analyze --help'")]
    [InlineData("monitor x.mp4 --stall-timeout 5q", "videoaffect: usage: --stall-timeout takes a duration such as 500ms, 5s, 10m or 2h (got '5q'); see 'videoaffect monitor --help'")]
    [InlineData("monitor x.mp4 --record-max-size 20X", "videoaffect: usage: --record-max-size takes a size such as 500M, 20G or 1.5T (got '20X'); see 'videoaffect monitor --help'")]
    // Optional number options (Nullable<T>) are said in words too, as the others are.
    [InlineData("analyze x.mp4 --input-mean x", "videoaffect: usage: --input-mean takes a number (got 'x'); see 'videoaffect analyze --help'")]
    [InlineData("analyze x.mp4 --video-stream first", "videoaffect: usage: --video-stream takes a whole number (got 'first'); see 'videoaffect analyze --help'")]
    [InlineData("analyze x.mp4 --batch-size many", "videoaffect: usage: --batch-size takes a whole number (got 'many'); see 'videoaffect analyze --help'")]
    [InlineData("analyze", "videoaffect: usage: Required argument 'inputs' missing for command: 'analyze'; see 'videoaffect analyze --help'")]
    // A mistyped option is refused, not taken as one more source or image (monitor once watched a source named '--seconds').
    [InlineData("monitor x.mp4 --seconds 5", "videoaffect: usage: unknown option '--seconds'; see 'videoaffect monitor --help'")]
    [InlineData("classify a.png -q", "videoaffect: usage: unknown option '-q'; see 'videoaffect classify --help'")]
    [InlineData("analyze x.mp4 --min-size 3", "videoaffect: usage: unknown option '--min-size'; see 'videoaffect analyze --help'")]
    [InlineData("devices --bogus", "videoaffect: usage: unknown option or argument '--bogus'; see 'videoaffect devices --help'")]
    // A subcommand's hint names its whole path, and an unknown command is called that.
    [InlineData("models fetch --all", "videoaffect: usage: unknown option '--all'; see 'videoaffect models fetch --help'")]
    // A mistyped option or command is said with the one most likely meant (0.26.5).
    [InlineData("analyse x.mp4", "videoaffect: usage: unknown command 'analyse' (did you mean 'analyze'?); name a command: analyze, monitor, classify, devices, bench, dataset, train, evaluate, models, node, cluster; see 'videoaffect --help'")]
    [InlineData("analyze x.mp4 --detect-evry 3", "videoaffect: usage: unknown option '--detect-evry' (did you mean '--detect-every'?); see 'videoaffect analyze --help'")]
    [InlineData("cluster stats", "videoaffect: usage: unknown command 'cluster stats' (did you mean 'status'?); name a command: add, remove, submit, status; see 'videoaffect cluster --help'")]
    [InlineData("cluster list", "videoaffect: usage: unknown command 'cluster list'; name a command: add, remove, submit, status; see 'videoaffect cluster --help'")]
    [InlineData("models", "videoaffect: usage: name a command: list, fetch, verify; see 'videoaffect models --help'")]
    [InlineData("", "videoaffect: usage: name a command: analyze, monitor, classify, devices, bench, dataset, train, evaluate, models, node, cluster; see 'videoaffect --help'")]
    public void A_command_line_that_does_not_parse_is_one_line_and_exit_code_2(string commandLine, string expected)
    {
        var r = ProcessRunner.Cli(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(expected, r.StandardError.Trim());
        Assert.Equal("", r.StandardOutput.Trim()); // no help dump
    }

    /// <summary>
    /// Help shows each time option's default in the syntax the option takes, never as a TimeSpan
    /// ("00:00:00.0200000"), and "until stopped" rather than a zero for monitor's --duration.
    /// </summary>
    [Fact]
    public void Help_shows_time_defaults_as_the_options_take_them()
    {
        var r = ProcessRunner.Cli(["monitor", "--help"]);
        Assert.Equal(0, r.ExitCode);
        string Line(string option) => r.StandardOutput.Split('\n').Single(l => l.TrimStart().StartsWith(option + " "));
        Assert.EndsWith("[default: 20ms]", Line("--batch-timeout-ms").TrimEnd());
        Assert.EndsWith("[default: 5m]", Line("--segment-seconds").TrimEnd());
        Assert.EndsWith("[default: forever]", Line("--record-keep").TrimEnd());
        Assert.EndsWith("[default: 5s]", Line("--stall-timeout").TrimEnd());
        Assert.EndsWith("[default: 30s]", Line("--reconnect-max").TrimEnd());
        Assert.EndsWith("[default: until Ctrl-C or SIGTERM]", Line("--duration").TrimEnd());
        Assert.DoesNotContain("00:00", r.StandardOutput);
    }

    /// <summary>
    /// `--events -`: the records as JSON lines on standard output, byte for byte what a records file
    /// of the same run holds, with the summary moved to stderr out of their way; no file named '-'.
    /// </summary>
    [Fact]
    public void Events_to_standard_output_are_the_records_file_line_for_line_and_the_summary_goes_to_stderr()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 20, audio: false);
        var toFile = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("a.mp4"), "--backend", "cpu"], timeoutSeconds: 120);
        Assert.True(toFile.ExitCode == 0, toFile.StandardError);
        var streamed = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("b.mp4"), "--events", "-", "--backend", "cpu"], timeoutSeconds: 120);
        Assert.True(streamed.ExitCode == 0, streamed.StandardError);
        string expected = File.ReadAllText(dir.File("a.jsonl"));
        Assert.True(expected.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 15, "the clip's face is found on most frames");
        Assert.Equal(expected, streamed.StandardOutput);
        Assert.Contains("events: (standard output)", streamed.StandardError);
        Assert.Contains("complete: 20/20 frames", streamed.StandardError);
        Assert.True(File.Exists(dir.File("b.mp4")) && File.Exists(dir.File("b.summary.json")));
        Assert.False(File.Exists(dir.File("b.jsonl")));
        Assert.Empty(Directory.GetFiles(dir.Path, "-*"));
        Assert.Contains("\"events\": \"(standard output)\"", File.ReadAllText(dir.File("b.summary.json")));
    }

    [Fact]
    public void Every_time_option_takes_the_same_duration_syntax()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 5, fps: 15, audio: false);
        // Units on options whose bare number is seconds, and on the one whose bare number is milliseconds.
        var r = ProcessRunner.Cli(["monitor", clip, "--backend", "cpu", "--stall-timeout", "5s", "--reconnect-max", "1m", "--duration", "20s", "--batch-timeout-ms", "0.02s", "--json"], timeoutSeconds: 60);
        Assert.True(r.ExitCode == 0, r.StandardError);
        r = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("out.mp4"), "--backend", "cpu", "--batch-timeout-ms", "20"], timeoutSeconds: 60);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Contains("Exit codes: 0 done", ProcessRunner.Cli(["--help"]).StandardOutput);
    }

    /// <summary>
    /// analyze, monitor and a cluster node run the same recognition, so each takes every option of
    /// it (a node once took only --backend, and its cameras and jobs could not use a model or
    /// detector of the user's choice). A wrong value is refused by each in the same words.
    /// </summary>
    /// <summary>Every option named appears in the command's --help, as an option (not inside another's name).</summary>
    static void AssertHelpLists(string command, IEnumerable<string> options)
    {
        string help = ProcessRunner.Cli([command, "--help"]).StandardOutput;
        var missing = options.Where(o => !System.Text.RegularExpressions.Regex.IsMatch(help, $@"(^|[\s,]){System.Text.RegularExpressions.Regex.Escape(o)}([\s,<]|$)", System.Text.RegularExpressions.RegexOptions.Multiline)).ToList();
        Assert.True(missing.Count == 0, $"{command} lacks {string.Join(", ", missing)}");
    }

    [Fact]
    public void Analyze_monitor_and_node_take_the_same_recognition_options()
    {
        string[] recognition = ["--backend", "--model", "--labels", "--input-mean", "--input-scale", "--pixel-order", "--batch-size", "--batch-timeout-ms",
            "--crop-margin", "--align", "--detector", "--cascade", "--detect-every", "--classify-every", "--no-tracking", "--smoothing", "--keep-tentative", "--ignore-zone", "--only-zone"];
        foreach (var command in new[] { "analyze", "monitor", "node" }) AssertHelpLists(command, recognition);
        var node = ProcessRunner.Cli(["node", "--cluster", "redis://127.0.0.1:1", "--detect-every", "0"], timeoutSeconds: 60);
        Assert.Equal(2, node.ExitCode);
        Assert.Contains("--detect-every must be at least 1", node.StandardError);
    }

    /// <summary>
    /// A node is a monitor in a cluster: it reads cameras and writes what each stream writes as a
    /// monitor does (before 0.16 it took only --records and --loop: no UDP cameras, no recordings,
    /// no CSV records).
    /// </summary>
    [Fact]
    public void Monitor_and_node_take_the_same_camera_and_output_options()
    {
        string[] live = ["--records", "--records-format", "--record", "--segment-seconds", "--rtsp-transport", "--stall-timeout",
            "--reconnect-max", "--snapshot-interval", "--loop", "--queue-capacity"];
        foreach (var command in new[] { "monitor", "node" }) AssertHelpLists(command, live);
        // Checked before the node joins a cluster (nothing listens on port 1).
        var node = ProcessRunner.Cli(["node", "--cluster", "redis://127.0.0.1:1", "--records-format", "xml"], timeoutSeconds: 60);
        Assert.Equal(2, node.ExitCode);
        Assert.Contains("--records-format must be jsonl or csv (got 'xml')", node.StandardError);
    }

    [Fact]
    public void An_unknown_detector_is_a_one_line_error()
    {
        var r = ProcessRunner.Cli(["classify", "--detector", "dlib", TestPaths.Photo("astronaut.png")]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("videoaffect: error: unknown detector 'dlib'; choose one of: auto, simd, opencv, ilgpu, blazeface", r.StandardError.Trim());
    }

    [Fact]
    public void Classify_without_detection_treats_the_image_as_one_face()
    {
        var r = ProcessRunner.Cli(["classify", "--no-detect", "--json", TestPaths.Photo("camera.png")]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        using var doc = JsonDocument.Parse(r.StandardOutput);
        var face = Assert.Single(doc.RootElement.GetProperty("faces").EnumerateArray());
        Assert.Equal(512, face.GetProperty("box").GetProperty("w").GetInt32());
        double sum = face.GetProperty("probabilities").EnumerateObject().Sum(p => p.Value.GetDouble());
        Assert.InRange(sum, 0.999, 1.001);
    }

    [Fact]
    public void Devices_lists_the_cpu_paths()
    {
        var r = ProcessRunner.Cli(["devices"]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Contains("cpu        usable", r.StandardOutput);
        Assert.Contains("ilgpu-cpu  usable", r.StandardOutput);

        // --json: the same list, line for line, for scripts (`jq '.[] | select(.usable) | .backend'`).
        var j = ProcessRunner.Cli(["devices", "--json"]);
        Assert.True(j.ExitCode == 0, j.StandardError);
        using var list = JsonDocument.Parse(j.StandardOutput);
        var rows = list.RootElement.EnumerateArray().ToList();
        var lines = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(lines.Length, rows.Count);
        foreach (var (line, row) in lines.Zip(rows))
        {
            string state = row.GetProperty("state").GetString()!;
            Assert.StartsWith($"{row.GetProperty("backend").GetString(),-10} {(state == "not usable" ? "NOT usable" : state)}", line);
            Assert.Equal(state == "usable", row.GetProperty("usable").GetBoolean());
            Assert.EndsWith(row.GetProperty("detail").GetString()!, line);
        }
        Assert.True(rows.Single(x => x.GetProperty("backend").GetString() == "cpu").GetProperty("usable").GetBoolean());
        Assert.True(rows.Single(x => x.GetProperty("backend").GetString() == "ilgpu-cpu").GetProperty("usable").GetBoolean());
    }

    [Fact]
    public void Analyze_prints_a_summary_and_exits_zero()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("clip.mp4"), 20, audio: false);
        var r = ProcessRunner.Cli(["analyze", input, "--json"]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        using var summary = JsonDocument.Parse(r.StandardOutput);
        Assert.Equal(20, summary.RootElement.GetProperty("frames_written").GetInt32());
        Assert.True(File.Exists(dir.File("clip.annotated.mp4")));
        Assert.True(File.Exists(dir.File("clip.annotated.jsonl")));
    }
}
