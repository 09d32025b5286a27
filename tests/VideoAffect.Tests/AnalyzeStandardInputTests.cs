using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// `yt-dlp -o - URL | videoaffect analyze -`: a video piped in is kept in a file of the run's own
/// and analysed as its file is (the same records, its audio copied), named "-" in what is said and
/// "stdin" in its outputs' names, in the current folder; its options are checked before standard
/// input is read; an empty pipe, '-' twice, text and a terminal are one line each.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class AnalyzeStandardInputTests
{
    static string Cli(string arguments) => $"dotnet '{TestPaths.CliAssembly}' analyze {arguments} --backend cpu";

    static ProcessRunner.Result Bash(string script, string workingDirectory, int seconds = 120) =>
        ProcessRunner.Run("bash", ["-c", script], TimeSpan.FromSeconds(seconds), workingDirectory: workingDirectory);

    [Fact]
    public void A_piped_video_is_analysed_as_its_file_is_with_its_outputs_in_the_current_folder()
    {
        using var dir = TestPaths.NewTempFolder();
        Clips.MovingFace(dir.File("talk.mp4"), 30, width: 320, height: 240, audio: true);
        Directory.CreateDirectory(dir.File("out"));

        // The pipe and the file in one command: each its own run, with the same records.
        var both = Bash($"cat talk.mp4 | {Cli("- talk.mp4 -o out/ --json")}", dir.Path);
        Assert.True(both.ExitCode == 0, both.StandardError);
        var lines = both.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["-", "talk.mp4"], lines.Select(l => l.GetProperty("input").GetString()));
        Assert.All(lines, l => Assert.Equal("complete", l.GetProperty("status").GetString()));
        Assert.All(lines, l => Assert.Equal(30, l.GetProperty("frames_written").GetInt32()));
        Assert.Contains("[1/2] -", both.StandardError);
        string expected = File.ReadAllText(dir.File("out/talk.annotated.jsonl"));
        Assert.True(expected.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 20, "the face on most frames");
        Assert.Equal(expected, File.ReadAllText(dir.File("out/stdin.annotated.jsonl")));
        Assert.Equal("video audio", Clips.StreamTypes(dir.File("out/stdin.annotated.mp4")));
        Assert.Equal(30, Clips.CountFrames(dir.File("out/stdin.annotated.mp4")));

        // Alone, from a file redirected in: its outputs in the current folder, named after standard input.
        var alone = Bash($"{Cli("-")} < talk.mp4", dir.Path);
        Assert.True(alone.ExitCode == 0, alone.StandardError);
        Assert.Matches(@"read [0-9.]+ kB from standard input", alone.StandardError);
        using (var summary = JsonDocument.Parse(File.ReadAllText(dir.File("stdin.annotated.summary.json"))))
        {
            Assert.Equal("-", summary.RootElement.GetProperty("input").GetString());
            Assert.Equal(dir.File("stdin.annotated.mp4"), summary.RootElement.GetProperty("video").GetString());
        }
        Assert.Equal(expected, File.ReadAllText(dir.File("stdin.annotated.jsonl")));
        // Nothing of the kept copy is left where the run kept it.
        Assert.Empty(Directory.GetDirectories(dir.Path, "stdin-*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_bad_pipe_or_option_is_one_line_and_options_are_checked_before_standard_input_is_read()
    {
        using var dir = TestPaths.NewTempFolder();
        foreach (var (script, message) in new[]
        {
            ($"true | {Cli("-")}", "standard input ('-') held no video: it was empty"),
            ($"echo x | {Cli("- /dev/stdin")}", "standard input ('-') holds one video; give it once"),
            ($"echo not a video | {Cli("- -o out.mp4")}", "'-'"),
            ($"script -qec \"{Cli("- -o out.mp4")}\" /dev/null", "'-' is a video on standard input, which is a terminal; pipe one in"),
            // A stream that never ends: the bad option is said at once, standard input left unread.
            ($"yes | {Cli("- -o out.avi")}", "out.avi"),
            ($"yes | {Cli("- --events faces.parquet")}", "unknown records format '.parquet'"),
            ($"yes | {Cli("- --report faces.pdf")}", "unknown report format '.pdf'"),
            ($"yes | {Cli("- --summary run.csv")}", "the run summary is one JSON document, not '.csv'"),
        })
        {
            var r = Bash(script, dir.Path, seconds: 60);
            string said = r.StandardError + r.StandardOutput; // script(1) puts the terminal's output on its standard output
            Assert.True(r.ExitCode == 2, $"{script}: exit {r.ExitCode}: {said}");
            string line = Assert.Single(said.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("videoaffect: error: ")); // after a terminal's escapes
            Assert.Contains(message, line);
            // The kept copy's path is never shown: the file the user gave is '-'.
            Assert.DoesNotContain("stdin-", line);
            Assert.DoesNotContain("   at ", said);
        }
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
