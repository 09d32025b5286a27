using VideoAffect.Pipeline;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// `--events NAME` writes CSV for a .csv name and JSON lines otherwise. Before 0.27 a name that
/// says another format (`faces.parquet`, `faces.xlsx`) silently got JSON lines, which the tool it
/// was meant for could not read; it is now one line before anything is written (after the output
/// safety rules, which say first that a records file would be the input or another output).
/// </summary>
public class RecordsNameTests
{
    static AnalyzeOptions Options(TempFolder dir, string events) =>
        new() { InputPath = TestPaths.SampleClip, OutputPath = dir.File("out.mp4"), EventsPath = events };

    /// <summary>As a run checks the names: after the safety rules have made the records file's target.</summary>
    static void CheckAsTheRunDoes(AnalyzeOptions options)
    {
        using var outputs = new Outputs.OutputSet([options.InputPath]);
        options.CheckOutputNames(outputs.Add(options.EventsPath, "events file", streamAllowed: true));
    }

    [Theory]
    [InlineData("faces.parquet")]
    [InlineData("faces.xlsx")]
    [InlineData("faces.tsv")]
    [InlineData("faces.mp4")] // a second video name, as a slip of the keyboard gives
    public void A_records_name_of_another_format_is_refused(string name)
    {
        using var dir = TestPaths.NewTempFolder();
        var e = Assert.Throws<VideoAffectException>(() => CheckAsTheRunDoes(Options(dir, dir.File(name))));
        Assert.Equal($"--events '{dir.File(name)}': unknown records format '{Path.GetExtension(name)}'; use .jsonl (JSON lines) or .csv", e.Message);
    }

    [Theory]
    [InlineData("faces.jsonl")]
    [InlineData("faces.NDJSON")]
    [InlineData("faces.json")]
    [InlineData("faces.csv")]
    [InlineData("faces.txt")]
    [InlineData("faces")]
    [InlineData("-")]
    [InlineData("/dev/null")]
    [InlineData("/dev/stdout")]
    public void JSON_lines_CSV_and_streams_are_taken(string name)
    {
        using var dir = TestPaths.NewTempFolder();
        var options = Options(dir, name.StartsWith('/') || name == "-" ? name : dir.File(name));
        Assert.Null(Record.Exception(() => CheckAsTheRunDoes(options)));
        Assert.Null(Record.Exception(() => options.CheckOutputNames())); // as the CLI checks them before reading a piped video
    }

    [Fact]
    public void A_pipe_takes_JSON_lines_whatever_its_name_and_a_link_is_judged_by_its_target_too()
    {
        using var dir = TestPaths.NewTempFolder();
        ProcessRunner.Run("mkfifo", [dir.File("records.fifo")], TimeSpan.FromSeconds(5));
        Assert.Null(Record.Exception(() => CheckAsTheRunDoes(Options(dir, dir.File("records.fifo")))));
        Assert.Null(Record.Exception(() => Options(dir, dir.File("records.fifo")).CheckOutputNames()));

        File.CreateSymbolicLink(dir.File("faces.jsonl"), dir.File("sheet.xlsx"));
        var e = Assert.Throws<VideoAffectException>(() => CheckAsTheRunDoes(Options(dir, dir.File("faces.jsonl"))));
        Assert.Contains($"'{dir.File("sheet.xlsx")}': unknown records format '.xlsx'", e.Message);
    }

    [Fact]
    public void The_input_given_as_the_records_file_is_refused_as_the_input_first()
    {
        using var dir = TestPaths.NewTempFolder();
        var e = Assert.Throws<VideoAffectException>(() => CheckAsTheRunDoes(Options(dir, TestPaths.SampleClip)));
        Assert.Contains("is the input", e.Message);
    }

    /// <summary>The records' and the summary's names (<see cref="SummaryNameTests"/>) through the CLI.</summary>
    [Theory]
    [InlineData("--events", "faces.parquet", "unknown records format '.parquet'; use .jsonl (JSON lines) or .csv")]
    [InlineData("--summary", "run.csv", "the run summary is one JSON document, not '.csv'; give it a .json name (or a folder)")]
    public void The_CLI_says_it_in_one_line_and_writes_nothing(string option, string name, string reason)
    {
        using var dir = TestPaths.NewTempFolder();
        var r = ProcessRunner.Cli(["analyze", TestPaths.SampleClip, "-o", dir.File("out.mp4"), option, dir.File(name), "--backend", "cpu"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"videoaffect: error: {option} '{dir.File(name)}': {reason}", r.StandardError.Trim());
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }
}
