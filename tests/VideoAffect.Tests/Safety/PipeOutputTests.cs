using System.Diagnostics;
using VideoAffect.Outputs;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Safety;

/// <summary>
/// `--events` into a named pipe or a terminal, as a Unix user writes a stream of lines: a FIFO
/// another program reads, bash's `--events >(jq ...)`, /dev/stdout, /dev/stderr. The pipe is
/// written into, never replaced; one nobody reads is one line at once, not a hang; a reader that
/// goes away stops the run as standard output's reader does.
/// </summary>
public class PipeOutputTests
{
    static string[] Analyze(string input, params string[] more) => ["analyze", input, "-o", "/dev/null", "--backend", "cpu", .. more];

    /// <summary>The records a run writes to a plain events file: what every pipe must receive, line for line.</summary>
    static string[] Reference(TempFolder dir, string input)
    {
        var r = ProcessRunner.Cli(Analyze(input, "--events", dir.File("reference.jsonl")), timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        var lines = File.ReadAllLines(dir.File("reference.jsonl"));
        Assert.NotEmpty(lines);
        return lines;
    }

    static Process Bash(string script) => Process.Start(new ProcessStartInfo("bash", ["-c", script]) { UseShellExecute = false })!;

    [Fact]
    public void A_named_pipe_gets_the_records_as_a_file_would_and_stays_a_pipe()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("clip.mp4"), 12, audio: false);
        var expected = Reference(dir, input);
        string fifo = dir.File("records.jsonl");
        ProcessRunner.Tool("mkfifo", fifo);
        using var reader = Bash($"cat '{fifo}' > '{dir.File("read.jsonl")}'");
        var r = ProcessRunner.Cli(Analyze(input, "--events", fifo), timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.True(reader.WaitForExit(30_000), "the pipe's reader never saw its end");
        Assert.Equal(expected, File.ReadAllLines(dir.File("read.jsonl")));
        Assert.Equal(FileKind.Fifo, FileFacts.OfEntry(fifo).Kind);
        Assert.Empty(Directory.GetFiles(dir.Path, "records.partial*"));
        Assert.Contains($"events: {fifo}", r.StandardError + r.StandardOutput);
    }

    [Fact]
    public void A_named_pipe_nobody_reads_is_one_line_at_once()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("clip.mp4"), 6, audio: false);
        string fifo = dir.File("records.jsonl");
        ProcessRunner.Tool("mkfifo", fifo);
        var clock = Stopwatch.StartNew();
        var r = ProcessRunner.Cli(Analyze(input, "--events", fifo), timeoutSeconds: 60);
        Assert.False(r.TimedOut, "the run waited for a reader");
        Assert.Equal(2, r.ExitCode);
        var error = Assert.Single(r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("videoaffect: "));
        Assert.Contains("is a named pipe that no program reads; start its reader first", error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed.TotalSeconds:0} s");
        Assert.Equal(FileKind.Fifo, FileFacts.OfEntry(fifo).Kind);
    }

    [Fact]
    public void Bash_process_substitution_dev_stdout_and_dev_stderr_take_the_records()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("clip.mp4"), 12, audio: false);
        var expected = Reference(dir, input);

        // >(...) hands the command /dev/fd/63, a pipe whose link names no path.
        var substituted = ProcessRunner.Run("bash", ["-c", $"dotnet '{TestPaths.CliAssembly}' {string.Join(' ', Analyze(input).Select(a => $"'{a}'"))} --events >(cat > '{dir.File("substituted.jsonl")}'); wait"],
            TimeSpan.FromSeconds(90));
        Assert.True(substituted.ExitCode == 0, substituted.StandardError);
        for (int i = 0; i < 50 && (!File.Exists(dir.File("substituted.jsonl")) || File.ReadAllLines(dir.File("substituted.jsonl")).Length < expected.Length); i++) Thread.Sleep(100);
        Assert.Equal(expected, File.ReadAllLines(dir.File("substituted.jsonl")));

        // /dev/stdout is '-': the records on standard output, the summary out of their way on stderr.
        var stdout = ProcessRunner.Cli(Analyze(input, "--events", "/dev/stdout", "--json"), timeoutSeconds: 90);
        Assert.True(stdout.ExitCode == 0, stdout.StandardError);
        Assert.Equal(expected, stdout.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("\"events\": \"(standard output)\"", stdout.StandardError);

        // /dev/stderr written where it stands: a log file the shell opened gets the records after the start line, not over it.
        string log = dir.File("run.log");
        var stderr = ProcessRunner.Run("bash", ["-c", $"dotnet '{TestPaths.CliAssembly}' {string.Join(' ', Analyze(input).Select(a => $"'{a}'"))} --events /dev/stderr 2> '{log}'"],
            TimeSpan.FromSeconds(90));
        Assert.True(stderr.ExitCode == 0, File.ReadAllText(log));
        var logged = File.ReadAllLines(log);
        Assert.StartsWith($"{input}: ", logged[0]);
        Assert.Equal(expected, logged.Where(l => l.StartsWith("{\"frame\"")));
    }

    [Fact]
    public void A_reader_that_goes_away_stops_the_run_as_standard_outputs_does()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("clip.mp4"), 60, audio: false);
        string fifo = dir.File("records.jsonl");
        ProcessRunner.Tool("mkfifo", fifo);
        using var reader = Bash($"head -n 2 '{fifo}' > '{dir.File("head.jsonl")}'");
        var r = ProcessRunner.Cli(Analyze(input, "--events", fifo), timeoutSeconds: 90);
        Assert.False(r.TimedOut, "the run went on with nobody reading");
        Assert.Equal(141, r.ExitCode);
        var error = Assert.Single(r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("videoaffect: "));
        Assert.Equal($"videoaffect: the program reading the events file '{fifo}' closed it; stopped", error);
        Assert.True(reader.WaitForExit(10_000));
        Assert.Equal(2, File.ReadAllLines(dir.File("head.jsonl")).Length);
        Assert.Equal(FileKind.Fifo, FileFacts.OfEntry(fifo).Kind);
    }

    [Fact]
    public void Only_terminals_among_devices_are_written_into()
    {
        Assert.True(FileFacts.IsTerminal("/dev/tty"));
        Assert.True(FileFacts.IsTerminal("/dev/console"));
        Assert.False(FileFacts.IsTerminal("/dev/null"));
        Assert.False(FileFacts.IsTerminal("/dev/full"));
        Assert.False(FileFacts.IsTerminal("/dev/zero"));
        Assert.False(FileFacts.IsTerminal(TestPaths.CliAssembly));
        Assert.False(FileFacts.IsTerminal("/no/such/file"));
    }
}
