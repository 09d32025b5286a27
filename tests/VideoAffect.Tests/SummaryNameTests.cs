using VideoAffect.Pipeline;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// `--summary NAME` is one JSON document whatever its name. Before 0.28 `--summary run.csv` (or
/// .xlsx, .jsonl) got JSON that the tool it was meant for failed on after the run; it is now one
/// line before anything is written. JSON is valid YAML, so .yaml and .yml stay taken.
/// </summary>
public class SummaryNameTests
{
    static AnalyzeOptions Options(TempFolder dir, string summary) =>
        new() { InputPath = TestPaths.SampleClip, OutputPath = dir.File("out.mp4"), EventsPath = dir.File("out.jsonl"), SummaryPath = summary };

    /// <summary>As a run checks the names: after the safety rules have made the summary's target.</summary>
    static void CheckAsTheRunDoes(AnalyzeOptions options)
    {
        using var outputs = new Outputs.OutputSet([options.InputPath]);
        var events = outputs.Add(options.EventsPath, "events file", streamAllowed: true);
        options.CheckOutputNames(events, outputs.Add(options.SummaryPath!, "summary file"));
    }

    [Theory]
    [InlineData("run.csv")]
    [InlineData("run.xlsx")]
    [InlineData("run.jsonl")] // an indented document is not JSON lines
    [InlineData("run.mp4")]
    public void A_summary_named_for_another_format_is_refused(string name)
    {
        using var dir = TestPaths.NewTempFolder();
        string expected = $"--summary '{dir.File(name)}': the run summary is one JSON document, not '{Path.GetExtension(name)}'; give it a .json name (or a folder)";
        Assert.Equal(expected, Assert.Throws<VideoAffectException>(() => CheckAsTheRunDoes(Options(dir, dir.File(name)))).Message);
        Assert.Equal(expected, Assert.Throws<VideoAffectException>(() => Options(dir, dir.File(name)).CheckOutputNames()).Message);
    }

    [Theory]
    [InlineData("run.json")]
    [InlineData("run.JSON")]
    [InlineData("run.yaml")]
    [InlineData("run.yml")]
    [InlineData("run.txt")]
    [InlineData("run")]
    [InlineData("/dev/null")]
    public void JSON_YAML_plain_names_and_the_null_device_are_taken(string name)
    {
        using var dir = TestPaths.NewTempFolder();
        var options = Options(dir, name.StartsWith('/') ? name : dir.File(name));
        Assert.Null(Record.Exception(() => CheckAsTheRunDoes(options)));
        Assert.Null(Record.Exception(() => options.CheckOutputNames()));
    }

    [Fact]
    public void A_link_is_judged_by_its_target_too()
    {
        using var dir = TestPaths.NewTempFolder();
        File.CreateSymbolicLink(dir.File("run.json"), dir.File("sheet.csv"));
        var e = Assert.Throws<VideoAffectException>(() => CheckAsTheRunDoes(Options(dir, dir.File("run.json"))));
        Assert.Contains("the run summary is one JSON document, not '.csv'", e.Message);
    }
}
