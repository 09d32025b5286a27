using System.Text.RegularExpressions;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Reliability;

/// <summary>
/// Long commands stopped from outside before their end: the program reading their standard output
/// going away (`analyze --events - | head`, `classify photos/ --json | head`), Ctrl-C to
/// `classify`, and the terminal hanging up under `analyze`. .NET's console stream drops writes to a pipe nobody reads, so these ran to the end
/// of the input (and the shell waited for them); `classify` did not look at Ctrl-C at all.
/// </summary>
// Not in the serial live collection: each stop lands mid-run on a run far longer than the wait,
// however loaded the machine (the suite's wall time is the serial collections' sum).
public class EarlyStopTests
{
    const string ReaderGone = "videoaffect: standard output was closed by the program reading it; stopped";

    [Fact]
    public void Analyze_stops_when_the_reader_of_its_records_goes_away_and_keeps_what_it_did()
    {
        using var dir = TestPaths.NewTempFolder();
        using var cli = new RunningCli(["analyze", TestPaths.SampleClip, "-o", dir.File("out.mp4"), "--events", "-", "--backend", "cpu"], outputReadUpToOneLine: true);
        var (exitCode, output) = cli.WaitForExit(TimeSpan.FromSeconds(120));
        Assert.True(exitCode == 141, $"exit {exitCode}: {cli.StandardError}");
        Assert.StartsWith("{\"frame\":0,", output);
        var line = Assert.Single(cli.StandardError.Split('\n'), l => l.StartsWith("videoaffect:"));
        Assert.StartsWith(ReaderGone, line);
        Assert.Contains("out.partial.mp4", line);
        Assert.DoesNotContain("   at ", cli.StandardError);
        // Stopped near where the reader left, not at the clip's end; what was done is a playable, partial video.
        Assert.False(File.Exists(dir.File("out.mp4")), "a stopped run must not look complete");
        Assert.InRange(Clips.CountFrames(dir.File("out.partial.mp4")), 1, Clips.CountFrames(TestPaths.SampleClip) / 2);
    }

    static string[] Photos(TempFolder dir, int count)
    {
        var folder = Directory.CreateDirectory(dir.File("photos")).FullName;
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            string path = Path.Combine(folder, $"p{i:D3}.jpg");
            File.Copy(TestPaths.Photo("faces/sample1.jpg"), path);
            return path;
        })];
    }

    [Fact]
    public void Classify_stops_when_the_reader_of_its_results_goes_away()
    {
        using var dir = TestPaths.NewTempFolder();
        Photos(dir, 100);
        using var cli = new RunningCli(["classify", dir.File("photos"), "--json", "--annotate", Directory.CreateDirectory(dir.File("out")).FullName], outputReadUpToOneLine: true);
        var (exitCode, output) = cli.WaitForExit(TimeSpan.FromSeconds(120));
        Assert.True(exitCode == 141, $"exit {exitCode}: {cli.StandardError}");
        Assert.StartsWith("{\"image\":", output);
        Assert.Equal(ReaderGone, Assert.Single(cli.StandardError.Split('\n'), l => l.StartsWith("videoaffect:")));
        // Each photo is printed before it is annotated: the one whose line found nobody reading has no annotated copy.
        Assert.InRange(Directory.GetFiles(dir.File("out"), "p*.annotated.jpg").Length, 1, 50);
    }

    /// <summary>
    /// Help and the version into a pipe whose reader is gone (`videoaffect --help | head` once printed a
    /// stack trace): exit 141, as the commands give, and nothing on stderr, as `git --help | head` says nothing.
    /// `head -c 0` exits before the CLI has started, so every write finds the pipe closed.
    /// </summary>
    [Theory]
    [InlineData("--help")]
    [InlineData("analyze --help")]
    [InlineData("--version")]
    public void Help_and_version_into_a_closed_pipe_end_quietly(string arguments)
    {
        var r = ProcessRunner.Run("bash", ["-c", $"dotnet '{TestPaths.CliAssembly}' {arguments} | head -c 0; exit ${{PIPESTATUS[0]}}"], TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 141, $"exit {r.ExitCode}: {r.StandardError}");
        Assert.Equal("", r.StandardError.Trim());
    }

    [Fact]
    public async Task Ctrl_C_stops_classify_between_photos()
    {
        using var dir = TestPaths.NewTempFolder();
        var photos = Photos(dir, 200);
        string annotated = Directory.CreateDirectory(dir.File("out")).FullName;
        using var cli = new RunningCli(["classify", dir.File("photos"), "--annotate", annotated], ownProcessGroup: true);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // (Every output is claimed, with a lock file beside it, before the first photo.)
        while (Directory.GetFiles(annotated, "p*.annotated.jpg").Length == 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"no photo annotated within 60 s: {cli.StandardError}");
            await Task.Delay(50);
        }
        var (exitCode, output) = cli.InterruptGroup(TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 130, $"exit {exitCode}: {cli.StandardError}");
        var said = Regex.Match(cli.StandardError, @"videoaffect: cancelled after (\d+) of 200 images");
        Assert.True(said.Success, cli.StandardError);
        int done = int.Parse(said.Groups[1].Value);
        Assert.InRange(done, 1, photos.Length - 1);
        // Every photo it got to is printed and annotated whole; nothing half-written is left.
        Assert.Equal(done, Regex.Matches(output, @": \d+ face\(s\)").Count);
        Assert.Equal(done, Directory.GetFiles(annotated, "p*.annotated.jpg").Length);
        Assert.Empty(Directory.GetFiles(annotated, ".*")); // the claims are given up
    }

    /// <summary>
    /// The terminal hung up (a dropped ssh session, a closed window): SIGHUP, and every later write
    /// to the terminal fails. Before 0.16 SIGHUP ended the process on the spot, and without it the
    /// progress bar's failed write crashed it (SIGABRT), leaving the outputs' lock files behind.
    /// </summary>
    [Fact]
    public void A_hung_up_terminal_stops_the_run_in_order()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("long.mp4"), 900, fps: 15, width: 480, height: 360, audio: false);
        var hungUp = ProcessRunner.Run("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "Support", "terminal", "hang_up.py"), "4",
            "dotnet", TestPaths.CliAssembly, "analyze", input, "-o", dir.File("out.mp4"), "--backend", "cpu"], TimeSpan.FromSeconds(60));
        Assert.Equal("exit 130", hungUp.StandardOutput.Trim());
        Assert.False(File.Exists(dir.File("out.mp4")), "a stopped run must not look complete");
        Assert.InRange(Clips.CountFrames(dir.File("out.partial.mp4")), 1, 899);
        foreach (var line in File.ReadAllLines(dir.File("out.partial.jsonl"))) System.Text.Json.JsonDocument.Parse(line).Dispose();
        var left = ProcessRunner.Run("pgrep", ["-f", input], TimeSpan.FromSeconds(5));
        Assert.True(left.StandardOutput.Trim() == "", $"processes still using the input: {left.StandardOutput}");
        Assert.Empty(Directory.GetFiles(dir.Path, ".*videoaffect-lock"));
        Assert.True(File.Exists(dir.File("out.summary.partial.json")), "the summary of what was done");
    }
}
