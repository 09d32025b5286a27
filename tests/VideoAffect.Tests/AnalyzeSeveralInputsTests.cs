using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// `analyze` of several videos in one command: each input is a run of its own with the same
/// results as alone, a bad one is reported and the others go on, names that would clash are
/// refused before anything is written, and Ctrl-C stops the batch keeping what was done.
/// </summary>
public class AnalyzeSeveralInputsTests
{
    [Fact]
    public void Each_input_gets_the_outputs_it_gets_alone_and_a_bad_one_does_not_stop_the_others()
    {
        using var dir = TestPaths.NewTempFolder();
        Directory.CreateDirectory(dir.File("out"));
        Directory.CreateDirectory(dir.File("alone"));
        string first = Clips.MovingFace(dir.File("first.mp4"), 20, audio: false);
        string second = Clips.MovingFace(dir.File("second.mp4"), 25, width: 320, height: 240, audio: true);
        File.WriteAllText(dir.File("broken.mp4"), "not a video");

        var r = ProcessRunner.Cli(["analyze", first, dir.File("broken.mp4"), second, "-o", dir.File("out"), "--json", "--backend", "cpu"], timeoutSeconds: 180);
        Assert.True(r.ExitCode == 2, $"one input failed: exit code 2, got {r.ExitCode}: {r.StandardError}");

        // One summary line per input, in order, the failed one with its error.
        var lines = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["complete", "failed", "complete"], lines.Select(l => l.GetProperty("status").GetString()));
        Assert.Equal([first, dir.File("broken.mp4"), second], lines.Select(l => l.GetProperty("input").GetString()));
        Assert.Contains("not a readable video", lines[1].GetProperty("error").GetString());
        Assert.Equal([20, 25], new[] { lines[0], lines[2] }.Select(l => l.GetProperty("frames_written").GetInt32()));
        var errors = r.StandardError.Split('\n').Where(l => l.StartsWith("videoaffect: ")).ToList();
        Assert.Equal(2, errors.Count);
        Assert.Contains("broken.mp4", errors[0]);
        Assert.Equal($"videoaffect: 2 of 3 inputs analysed; failed: {dir.File("broken.mp4")}", errors[1]);

        // Every input's outputs in the folder, under its name; each as the same input gives alone.
        foreach (var (input, frames) in new[] { (first, 20), (second, 25) })
        {
            string name = Path.GetFileNameWithoutExtension(input);
            Assert.Equal(frames, Clips.CountFrames(dir.File($"out/{name}.annotated.mp4")));
            Assert.True(File.Exists(dir.File($"out/{name}.annotated.summary.json")));
            var alone = ProcessRunner.Cli(["analyze", input, "-o", dir.File($"alone/{name}.annotated.mp4"), "--backend", "cpu"], timeoutSeconds: 120);
            Assert.True(alone.ExitCode == 0, alone.StandardError);
            string expected = File.ReadAllText(dir.File($"alone/{name}.annotated.jsonl"));
            Assert.True(expected.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= frames * 3 / 4, "the face on most frames");
            Assert.Equal(expected, File.ReadAllText(dir.File($"out/{name}.annotated.jsonl")));
        }
        Assert.Empty(Directory.GetFiles(dir.File("out"), "*partial*"));
        Assert.Empty(Directory.GetFiles(dir.Path, "broken.annotated*"));
    }

    [Fact]
    public void A_folder_stands_for_the_videos_in_it_and_not_for_the_outputs_of_an_earlier_run()
    {
        using var dir = TestPaths.NewTempFolder();
        string folder = dir.File("recordings");
        Directory.CreateDirectory(Path.Combine(folder, "older"));
        Clips.MovingFace(Path.Combine(folder, "b.mp4"), 6, audio: false);
        Clips.MovingFace(Path.Combine(folder, "A.MOV"), 5, audio: false);
        Clips.MovingFace(Path.Combine(folder, "older", "deeper.mp4"), 5, audio: false); // not recursive
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not a video");

        for (int run = 1; run <= 2; run++)
        {
            // The second run finds the first one's outputs beside the videos, and leaves them out.
            var r = ProcessRunner.Cli(["analyze", folder, "-o", folder, "--json", "--backend", "cpu"], timeoutSeconds: 120);
            Assert.True(r.ExitCode == 0, r.StandardError);
            var inputs = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => Path.GetFileName(JsonDocument.Parse(l).RootElement.GetProperty("input").GetString()));
            Assert.Equal(["A.MOV", "b.mp4"], inputs); // by name, ordinal
            Assert.Equal(5, Clips.CountFrames(Path.Combine(folder, "A.annotated.mp4")));
            Assert.Equal(6, Clips.CountFrames(Path.Combine(folder, "b.annotated.mp4")));
        }
        Assert.False(File.Exists(Path.Combine(folder, "older", "deeper.annotated.mp4")));
    }

    [Fact]
    public void The_videos_a_command_names_itself_take_the_format_asked_for()
    {
        using var dir = TestPaths.NewTempFolder();
        string folder = dir.File("rec");
        Directory.CreateDirectory(folder);
        Clips.MovingFace(Path.Combine(folder, "a.mp4"), 5, audio: false);
        Clips.MovingFace(Path.Combine(folder, "b.mov"), 6, audio: true);

        for (int run = 1; run <= 2; run++)
        {
            // The second run finds the first one's WebM outputs beside the videos, and leaves them out.
            var r = ProcessRunner.Cli(["analyze", folder, "-o", folder, "--video-format", "webm", "--json", "--backend", "cpu"], timeoutSeconds: 120);
            Assert.True(r.ExitCode == 0, r.StandardError);
            Assert.Equal(["a.mp4", "b.mov"], r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => Path.GetFileName(JsonDocument.Parse(l).RootElement.GetProperty("input").GetString())));
        }
        foreach (var (name, frames, codecs) in new[] { ("a", 5, "vp9"), ("b", 6, "vp9 opus") })
        {
            string video = Path.Combine(folder, $"{name}.annotated.webm");
            Assert.Equal(codecs, Codecs(video));
            Assert.Equal(frames, Clips.CountFrames(video));
            Assert.True(File.Exists(Path.Combine(folder, $"{name}.annotated.jsonl")), "the records beside the video, under its name");
        }
        Assert.Empty(Directory.GetFiles(folder, "*.annotated.mp4"));

        // Beside the input, with no -o: INPUT.annotated.EXT; the option's value may be written as an extension.
        var beside = ProcessRunner.Cli(["analyze", Path.Combine(folder, "a.mp4"), "--video-format", ".MKV", "--backend", "cpu"], timeoutSeconds: 120);
        Assert.True(beside.ExitCode == 0, beside.StandardError);
        Assert.Equal("matroska,webm h264", ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "format=format_name", "-of", "default=nw=1:nk=1",
            Path.Combine(folder, "a.annotated.mkv")).Trim() + " " + Codecs(Path.Combine(folder, "a.annotated.mkv")));
    }

    static string Codecs(string video) =>
        ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", video).Replace("\n", " ").Trim();

    [Theory]
    [InlineData("empty-folder", "holds no video files")]
    [InlineData("missing-folder", "-o names the folder")] // one input, a folder asked for with its slash
    [InlineData("same-name", "would both write")]
    [InlineData("output-file", "with several inputs, -o names a folder that exists")]
    [InlineData("report-file", "with several inputs, --report names a folder that exists")]
    [InlineData("events-stdout", "--events - takes one input")]
    [InlineData("twice", "is given twice")]
    [InlineData("output-is-input", "is the input")]
    [InlineData("format-unknown", "--video-format 'avi': give mp4, mov, mkv or webm")]
    [InlineData("format-contradicts", "names its own container, not --video-format webm's")]
    public void Outputs_that_would_clash_are_refused_before_anything_is_written(string kind, string expected)
    {
        using var dir = TestPaths.NewTempFolder();
        Directory.CreateDirectory(dir.File("a"));
        Directory.CreateDirectory(dir.File("b"));
        Directory.CreateDirectory(dir.File("out"));
        string a = Clips.MovingFace(dir.File("a/talk.mp4"), 5, audio: false);
        string b = Clips.MovingFace(dir.File("b/talk.mp4"), 5, audio: false);
        string c = Clips.MovingFace(dir.File("c.mp4"), 5, audio: false);
        // c's default output is c.annotated.mp4 beside it: here another input of the same command.
        File.Copy(c, dir.File("c.annotated.mp4"));
        string[] arguments = kind switch
        {
            "empty-folder" => [c, dir.File("out")],
            "missing-folder" => [c, "-o", dir.File("nowhere") + "/"],
            "same-name" => [a, b, "-o", dir.File("out")],
            "output-file" => [a, c, "-o", dir.File("out/x.mp4")],
            "report-file" => [a, c, "--report", dir.File("out/report.html")],
            "events-stdout" => [a, c, "--events", "-"],
            "twice" => [c, dir.File("a/../c.mp4")],
            "output-is-input" => [c, dir.File("c.annotated.mp4")],
            "format-unknown" => [a, c, "-o", dir.File("out"), "--video-format", "avi"],
            "format-contradicts" => [c, "-o", dir.File("out/c.mp4"), "--video-format", "webm"],
            _ => throw new ArgumentException(kind),
        };
        var before = Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories).Order().ToList();
        var r = ProcessRunner.Cli(["analyze", .. arguments, "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("videoaffect: error: ", line);
        Assert.Contains(expected, line);
        Assert.Equal(before, Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories).Order().ToList());
    }

    [Fact]
    public async Task Stopping_a_batch_keeps_the_current_runs_partial_outputs_and_starts_no_other()
    {
        using var dir = TestPaths.NewTempFolder();
        Directory.CreateDirectory(dir.File("out"));
        string longer = Clips.MovingFace(dir.File("longer.mp4"), 600, fps: 30, audio: false);
        string next = Clips.MovingFace(dir.File("next.mp4"), 10, audio: false);
        using var cli = new RunningCli(["analyze", longer, next, "-o", dir.File("out"), "--backend", "cpu"]);
        await cli.WaitForAsync("longer.mp4: ", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var (exitCode, _) = cli.Terminate(TimeSpan.FromSeconds(60));
        Assert.Equal(130, exitCode);
        Assert.Contains("1 input(s) not started", cli.StandardError);
        Assert.True(File.Exists(dir.File("out/longer.annotated.partial.mp4")), cli.StandardError);
        Assert.True(Clips.CountFrames(dir.File("out/longer.annotated.partial.mp4")) > 0);
        Assert.False(File.Exists(dir.File("out/longer.annotated.mp4")));
        Assert.Empty(Directory.GetFiles(dir.File("out"), "next*"));
    }
}
