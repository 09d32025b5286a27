using System.Security.Cryptography;
using System.Text.Json;
using VideoAffect.Outputs;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Safety;

/// <summary>
/// Issue #15's data-safety rules, through the real CLI: no output may be an input or another output,
/// an existing non-regular file is never replaced (the null device means "write nothing"), and a
/// second run on the same outputs is refused while the first holds them.
/// </summary>
public class OutputSafetyTests
{
    static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    static void AssertRefused(ProcessRunner.Result r, string expected)
    {
        Assert.False(r.TimedOut, "the command hung");
        Assert.Equal(2, r.ExitCode);
        var error = Assert.Single(r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("videoaffect: "));
        Assert.Contains(expected, error);
        Assert.DoesNotContain("   at ", r.StandardError);
    }

    [Theory]
    [InlineData("-o")]
    [InlineData("--events")]
    [InlineData("--summary")]
    [InlineData("--report")]
    public void An_output_that_is_the_input_is_refused_and_the_input_kept(string option)
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("clip.mp4"), 6, audio: false);
        string before = Hash(input);
        string[] others = option == "-o" ? [] : ["-o", dir.File("out.mp4")];
        var r = ProcessRunner.Cli(["analyze", input, .. others, option, input, "--backend", "cpu"], timeoutSeconds: 60);
        AssertRefused(r, "is the input");
        Assert.Equal(before, Hash(input));
    }

    [Fact]
    public void An_output_reached_through_a_link_or_another_spelling_is_still_the_input()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("clip.mp4"), 6, audio: false);
        string before = Hash(input);
        File.CreateSymbolicLink(dir.File("link.mp4"), input);
        AssertRefused(ProcessRunner.Cli(["analyze", input, "-o", dir.File("link.mp4")], timeoutSeconds: 60), "is the input");
        Directory.CreateDirectory(dir.File("sub"));
        AssertRefused(ProcessRunner.Cli(["analyze", input, "-o", Path.Combine(dir.Path, "sub", "..", "clip.mp4")], timeoutSeconds: 60), "is the input");
        Assert.Equal(before, Hash(input));
        Assert.Equal(FileKind.SymbolicLink, FileFacts.OfEntry(dir.File("link.mp4")).Kind);
    }

    [Fact]
    public void A_link_as_an_output_is_written_through_and_kept_and_a_loop_of_links_is_refused()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("clip.mp4"), 6, audio: false);
        Directory.CreateDirectory(dir.File("kept"));
        // A link to a file that is there, and one (relative, through a second link) to a file that is not there yet.
        File.WriteAllText(dir.File("kept/old.mp4"), "an older result");
        File.CreateSymbolicLink(dir.File("latest.mp4"), dir.File("kept/old.mp4"));
        File.CreateSymbolicLink(dir.File("hop.mp4"), "kept/new.mp4");
        File.CreateSymbolicLink(dir.File("next.mp4"), "hop.mp4");
        foreach (var (link, file) in new[] { ("latest.mp4", "kept/old.mp4"), ("next.mp4", "kept/new.mp4") })
        {
            var r = ProcessRunner.Cli(["analyze", input, "-o", dir.File(link), "--events", "/dev/null", "--summary", "/dev/null", "--backend", "cpu"], timeoutSeconds: 90);
            Assert.True(r.ExitCode == 0, r.StandardError);
            Assert.Equal(FileKind.SymbolicLink, FileFacts.OfEntry(dir.File(link)).Kind);
            Assert.Equal(6, Clips.CountFrames(dir.File(file)));
        }
        Assert.Equal(FileKind.SymbolicLink, FileFacts.OfEntry(dir.File("hop.mp4")).Kind);
        Assert.Empty(Directory.GetFiles(dir.Path, "*partial*", SearchOption.AllDirectories));

        File.CreateSymbolicLink(dir.File("loop-a.mp4"), "loop-b.mp4");
        File.CreateSymbolicLink(dir.File("loop-b.mp4"), "loop-a.mp4");
        AssertRefused(ProcessRunner.Cli(["analyze", input, "-o", dir.File("loop-a.mp4")], timeoutSeconds: 60), "a loop of links");
        Assert.Equal(FileKind.SymbolicLink, FileFacts.OfEntry(dir.File("loop-a.mp4")).Kind);
        Assert.Equal(FileKind.SymbolicLink, FileFacts.OfEntry(dir.File("loop-b.mp4")).Kind);
    }

    [Fact]
    public void An_input_named_like_the_outputs_partial_file_is_not_written_over()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("clip.partial.mp4"), 6, audio: false);
        string before = Hash(input);
        AssertRefused(ProcessRunner.Cli(["analyze", input, "-o", dir.File("clip.mp4")], timeoutSeconds: 60), "which is the input");
        Assert.Equal(before, Hash(input));
    }

    /// <summary>
    /// An input whose outputs' names would pass the 255 bytes a file name may have (a long
    /// download's title, in a script's folder): one line naming the output, not its write probe's
    /// "path too long", and nothing written.
    /// </summary>
    [Fact]
    public void An_output_name_too_long_for_the_file_system_is_one_line()
    {
        using var dir = TestPaths.NewTempFolder();
        string name = new string('a', 235) + ".mp4"; // the input's name fits, NAME.annotated.mp4 (249 bytes) and its probe do not
        string input = Clips.MovingFace(dir.File(name), 6, audio: false);
        Directory.CreateDirectory(dir.File("out"));
        string output = Path.Combine(dir.File("out"), Path.GetFileNameWithoutExtension(name) + ".annotated.mp4");
        AssertRefused(ProcessRunner.Cli(["analyze", input, "-o", dir.File("out"), "--backend", "cpu"], timeoutSeconds: 60),
            $"cannot write output video '{output}': its name is 249 bytes, and with the partial and lock files made beside it over the 255 a file name may have: name it shorter");
        Assert.Empty(Directory.GetFileSystemEntries(dir.File("out")));
    }

    [Theory]
    [InlineData("-o")]
    [InlineData("--summary")]
    [InlineData("--report")]
    public void Standard_output_as_an_output_is_refused_not_written_as_a_file_named_dash(string option)
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("clip.mp4"), 6, audio: false);
        string[] others = option == "-o" ? [] : ["-o", dir.File("out.mp4")];
        // The child runs in this process's folder: that is where a file named '-' would appear.
        string dash = Path.Combine(Environment.CurrentDirectory, "-");
        Assert.False(File.Exists(dash), $"a file named '-' is already in {Environment.CurrentDirectory}");
        var r = ProcessRunner.Cli(["analyze", input, .. others, option, "-", "--backend", "cpu"], timeoutSeconds: 60);
        AssertRefused(r, "cannot go to standard output ('-')");
        Assert.False(File.Exists(dash));
        Assert.Empty(Directory.GetFiles(dir.Path, "out*"));
    }

    [Fact]
    public void Two_outputs_on_one_path_are_refused()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("clip.mp4"), 6, audio: false);
        AssertRefused(ProcessRunner.Cli(["analyze", input, "-o", dir.File("out.mp4"), "--events", dir.File("out.mp4")], timeoutSeconds: 60), "also the output video");
        AssertRefused(ProcessRunner.Cli(["analyze", input, "-o", dir.File("out.mp4"), "--summary", dir.File("out.partial.mp4")], timeoutSeconds: 60), "partial file");
        Assert.Empty(Directory.GetFiles(dir.Path, "out*"));
    }

    [Fact]
    public void A_device_node_is_never_replaced()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("clip.mp4"), 6, audio: false);
        // A private copy of /dev/full (character device 1,7): the tests run as root, as CI does.
        var made = ProcessRunner.Run("mknod", [dir.File("full"), "c", "1", "7"], TimeSpan.FromSeconds(5));
        Assert.True(made.ExitCode == 0, $"mknod failed (the tests need root): {made.StandardError}");
        foreach (string option in new[] { "-o", "--events", "--summary" })
        {
            var args = option == "-o" ? new[] { "analyze", input, "-o", dir.File("full") } : ["analyze", input, "-o", dir.File("out.mp4"), option, dir.File("full")];
            AssertRefused(ProcessRunner.Cli(args, timeoutSeconds: 60), "is a character device");
            Assert.Equal(FileKind.CharacterDevice, FileFacts.OfEntry(dir.File("full")).Kind);
        }
        Assert.False(File.Exists(dir.File("out.mp4")));
    }

    [Fact]
    public void Output_to_the_null_device_writes_no_video_and_keeps_the_device()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("clip.mp4"), 10, audio: false);
        var before = FileFacts.Of("/dev/null");
        var r = ProcessRunner.Cli(["analyze", input, "-o", "/dev/null", "--backend", "cpu", "--json"], timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Equal(before, FileFacts.Of("/dev/null"));
        Assert.Equal(FileKind.CharacterDevice, FileFacts.OfEntry("/dev/null").Kind);
        Assert.False(File.Exists("/dev/null.jsonl"), "records must not be put beside the device");
        // Records and summary go beside the input, as without -o.
        var summary = JsonDocument.Parse(File.ReadAllText(dir.File("clip.annotated.summary.json"))).RootElement;
        Assert.Equal("(discarded)", summary.GetProperty("video").GetString());
        Assert.Equal(10, summary.GetProperty("frames_written").GetInt32());
        Assert.True(summary.GetProperty("stage_busy_seconds").GetProperty("detect").GetDouble() > 0, "the summary says where the time went");
        Assert.True(File.ReadAllLines(dir.File("clip.annotated.jsonl")).Length >= 8);
        Assert.False(File.Exists(dir.File("clip.annotated.mp4")));
    }

    [Fact]
    public async Task A_second_run_on_the_same_outputs_is_refused_while_the_first_holds_them()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("clip.mp4"), 60, audio: false);
        using (var first = new RunningCli(["analyze", input, "-o", dir.File("out.mp4"), "--backend", "cpu"]))
        {
            await first.WaitForAsync("backend cpu", TimeSpan.FromSeconds(60));
            var second = ProcessRunner.Cli(["analyze", input, "-o", dir.File("out.mp4"), "--backend", "cpu"], timeoutSeconds: 60);
            AssertRefused(second, "being written by another videoaffect run");
            var (exitCode, _) = first.WaitForExit(TimeSpan.FromSeconds(120), "the first run");
            Assert.Equal(0, exitCode);
        }
        Assert.Equal(60, Clips.CountFrames(dir.File("out.mp4")));
        foreach (string line in File.ReadAllLines(dir.File("out.jsonl"))) JsonDocument.Parse(line);
        Assert.Empty(Directory.GetFiles(dir.Path, ".*lock"));
        // Once the first run is done, the outputs are free again.
        var third = ProcessRunner.Cli(["analyze", input, "-o", dir.File("out.mp4"), "--backend", "cpu", "--min-face", "400"], timeoutSeconds: 90);
        Assert.True(third.ExitCode == 0, third.StandardError);
    }

    [Fact]
    public void Monitor_and_train_follow_the_same_rules()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 6, audio: false);
        string before = Hash(clip);
        AssertRefused(ProcessRunner.Cli(["monitor", clip, "--resources", clip], timeoutSeconds: 60), "is the input");
        AssertRefused(ProcessRunner.Cli(["monitor", $"a={clip}", $"a={clip}"], timeoutSeconds: 60), "two streams are named 'a'");
        // A folder option given a file (once an IOException and exit code 1 after the run had started).
        AssertRefused(ProcessRunner.Cli(["monitor", clip, "--records", clip, "--backend", "cpu"], timeoutSeconds: 60), $"records folder '{clip}' is a file, not a folder");
        AssertRefused(ProcessRunner.Cli(["monitor", clip, "--record", clip, "--backend", "cpu"], timeoutSeconds: 60), $"recordings folder '{clip}' is a file, not a folder");
        AssertRefused(ProcessRunner.Cli(["train", dir.File("data.csv"), "-o", "/dev/null"], timeoutSeconds: 60), "needs a file to write its checkpoint to");
        Assert.Equal(before, Hash(clip));
        Assert.Equal(FileKind.CharacterDevice, FileFacts.OfEntry("/dev/null").Kind);
    }

    [Fact]
    public async Task A_killed_run_leaves_no_pipe_socket_behind_for_long()
    {
        using var dir = TestPaths.NewTempFolder();
        // Long enough (40 s of video, several seconds of work) that the run is still decoding when it
        // is looked at, however late a loaded machine lets the test see its first line: a 60-frame
        // clip was once done, its run folder gone, before the test looked.
        string input = Clips.MovingFace(dir.File("clip.mp4"), 600, audio: false);
        int pid;
        using (var cli = new RunningCli(["analyze", input, "-o", dir.File("out.mp4"), "--backend", "cpu"]))
        {
            await cli.WaitForAsync("backend cpu", TimeSpan.FromSeconds(60));
            pid = cli.Id;
            string runFolder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "videoaffect", "run", pid.ToString());
            // The pipes live in the run's own folder (they appear once the decoder starts), not in /tmp
            // (in-process tests running beside this one make /tmp's own count meaningless here).
            for (int i = 0; i < 100 && !(Directory.Exists(runFolder) && Directory.GetFileSystemEntries(runFolder, "CoreFxPipe_*").Length > 0); i++) await Task.Delay(100);
            Assert.NotEmpty(Directory.GetFileSystemEntries(runFolder, "CoreFxPipe_*"));
            ProcessRunner.Run("kill", ["-KILL", pid.ToString()], TimeSpan.FromSeconds(5));
            cli.WaitForExit(TimeSpan.FromSeconds(10), "SIGKILL");
        }
        // The next run clears what the killed one left.
        Assert.Equal(0, ProcessRunner.Cli(["analyze", input, "-o", dir.File("again.mp4"), "--backend", "cpu", "--min-face", "400"], timeoutSeconds: 90).ExitCode);
        Assert.False(Directory.Exists(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "videoaffect", "run", pid.ToString())));
        Assert.False(File.Exists(dir.File("out.mp4")));
    }

    [Fact]
    public void The_lock_is_exclusive_within_a_process_too_and_released_on_dispose()
    {
        using var dir = TestPaths.NewTempFolder();
        string path = dir.File("x.mp4");
        using (OutputLock.Acquire(path, "output video"))
        {
            var e = Assert.Throws<VideoAffectException>(() => OutputLock.Acquire(path, "output video"));
            Assert.Contains($"process {Environment.ProcessId}", e.Message);
        }
        Assert.False(File.Exists(OutputLock.LockPathFor(path)));
        using (OutputLock.Acquire(path, "output video")) Assert.True(File.Exists(OutputLock.LockPathFor(path)));
    }
}
