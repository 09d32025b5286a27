using System.Diagnostics;
using VideoAffect.Live;
using VideoAffect.Media;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Media;

/// <summary>
/// File names with double quotes, backslashes and % reach ffmpeg as they are. FFMpegCore quotes a
/// path without escaping it; the reference for the escaping is .NET's own splitting of a command
/// line (the one FFMpegCore's Process goes through) and, end to end, ffmpeg reading and writing
/// such files.
/// </summary>
public class FfmpegPathTests
{
    [Theory]
    [InlineData("plain.mp4")]
    [InlineData("a\"b.mp4")]
    [InlineData("a\\\"b.mp4")]      // a backslash before a quote
    [InlineData("a\\\\\"b.mp4")]    // two before a quote
    [InlineData("ends with\\")]     // before the closing quote FFMpegCore adds
    [InlineData("ends with\\\\")]
    [InlineData("back\\slash \"x\" 'y' %d $(z).mp4")]
    public void An_escaped_path_between_quotes_is_split_back_into_the_same_path(string path)
    {
        var start = new ProcessStartInfo("/bin/echo", $"-n \"{FfmpegPath.Escape(path)}\"") { RedirectStandardOutput = true, UseShellExecute = false };
        using var echo = Process.Start(start)!;
        string seen = echo.StandardOutput.ReadToEnd();
        echo.WaitForExit();
        // Relative, it arrives absolute (FfmpegPath.Local): the same file.
        Assert.Equal(Path.GetFullPath(path), seen);
    }

    [Fact]
    public async Task Files_and_folders_named_with_quotes_and_percent_signs_are_analysed_monitored_and_recorded()
    {
        using var dir = TestPaths.NewTempFolder();
        string folder = dir.File("out \"q\" %d");
        Directory.CreateDirectory(folder);
        string input = dir.File("it's a \"quoted\" name %d.mp4");
        File.Copy(Clips.MovingFace(dir.File("clip.mp4"), 15, audio: true), input);

        var r = ProcessRunner.Cli(["analyze", input, "-o", Path.Combine(folder, "x\"y.mp4"), "--backend", "cpu"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Equal(15, Clips.CountFrames(Path.Combine(folder, "x\"y.mp4")));
        Assert.Equal("video audio", Clips.StreamTypes(Path.Combine(folder, "x\"y.mp4")));

        using var monitor = new LiveMonitor(new MonitorOptions
        {
            Sources = [LiveSourceSpec.Parse($"cam={input}", 0)],
            RecordsDirectory = folder,
            RecordingDirectory = folder,
            Duration = TimeSpan.FromSeconds(30),
            // What is checked is the names, not live dropping: the queue holds every frame (with the
            // default, the newest only, a loaded suite once let 7 of the 15 through).
            QueueCapacity = 16,
            Recognition = new() { Backend = "cpu" },
        });
        var summary = await monitor.RunAsync(CancellationToken.None);
        var stream = Assert.Single(summary.Streams);
        Assert.Equal(15, stream.Frames);
        // In the folder named with %d, not in one where strftime put the day of the month; every
        // frame processed is in it.
        string recording = Assert.Single(Directory.GetFiles(folder, "cam-*.mp4"));
        Assert.True(stream.Processed == 15, $"{stream.Processed} of 15 processed");
        Assert.Equal(stream.Processed - stream.NotRecorded, Clips.CountFrames(recording));
    }

    [Fact]
    public void Relative_names_with_a_colon_or_a_leading_dash_are_files_not_protocols_or_options()
    {
        // Recordings are often named by their time; ffmpeg took "10:30 ..." for a protocol named
        // "10" ("Protocol not found"), and ffprobe "-take.mp4" for an option.
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 6, audio: true);
        foreach (var name in new[] { "2026-12-04T10:30:00.mp4", "-take.mp4" })
        {
            File.Copy(clip, dir.File(name));
            string output = "10:30 " + name.TrimStart('-');
            var r = ProcessRunner.Cli(["analyze", "--backend", "cpu", "-o", output, "--report", "10:30.png", "--", name], timeoutSeconds: 90, workingDirectory: dir.Path);
            Assert.True(r.ExitCode == 0, r.StandardError);
            Assert.Equal(6, Clips.CountFrames(dir.File(output)));
            Assert.Equal("video audio", Clips.StreamTypes(dir.File(output)));
            Assert.True(new FileInfo(dir.File("10:30.png")).Length > 0);
            File.Delete(dir.File("10:30.png"));
        }
        // monitor plays such a file as well.
        var m = ProcessRunner.Cli(["monitor", "--backend", "cpu", "--duration", "20", "--json", "--", "2026-12-04T10:30:00.mp4"], timeoutSeconds: 60, workingDirectory: dir.Path);
        Assert.True(m.ExitCode == 0, m.StandardError);
        using var summary = System.Text.Json.JsonDocument.Parse(m.StandardOutput);
        Assert.Equal(6, summary.RootElement.GetProperty("streams")[0].GetProperty("frames").GetInt32());
    }
}
