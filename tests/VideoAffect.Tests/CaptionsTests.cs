using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using VideoAffect.Pipeline;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// `analyze --captions NAME.vtt`: each confirmed track's shown emotion as WebVTT cues (new in 0.28).
/// The cues are read back by ffmpeg's WebVTT demuxer (their times, in file order) and held against
/// the records: every record's moment lies in a cue of its track and label, and every cue starts at
/// a record of its track and label and ends one frame after its last.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class CaptionsTests
{
    sealed record Cue(double Start, double End, int Track, string Label);

    /// <summary>The cues as ffprobe's WebVTT demuxer times them, with their text in the same order.</summary>
    static List<Cue> ReadCues(string path)
    {
        var times = ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "packet=pts_time,duration_time", "-of", "csv=p=0", path)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(',', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => (Start: double.Parse(f[0], CultureInfo.InvariantCulture), Length: double.Parse(f[1], CultureInfo.InvariantCulture))).ToList();
        var texts = Regex.Matches(File.ReadAllText(path), @"-->[^\n]*\n#(\d+) (\w+)\n").Select(m => (Track: int.Parse(m.Groups[1].Value), Label: m.Groups[2].Value)).ToList();
        Assert.Equal(times.Count, texts.Count);
        return times.Zip(texts, (t, x) => new Cue(t.Start, t.Start + t.Length, x.Track, x.Label)).ToList();
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)] // a part: the annotated video, and the captions, start at 0 there
    public async Task Each_records_moment_is_in_a_cue_of_its_track_and_emotion(double start)
    {
        using var dir = TestPaths.NewTempFolder();
        var summary = await new VideoAnalyzer(new AnalyzeOptions
        {
            InputPath = TestPaths.SampleClip,
            OutputPath = "/dev/null",
            EventsPath = dir.File("out.jsonl"),
            CaptionsPath = dir.File("out.vtt"),
            Start = start > 0 ? TimeSpan.FromSeconds(start) : null,
            End = TimeSpan.FromSeconds(start + 2),
            Recognition = new() { Backend = "cpu" },
        }).RunAsync(CancellationToken.None);
        Assert.Equal(dir.File("out.vtt"), summary.Captions);
        Assert.StartsWith("WEBVTT\n\n", File.ReadAllText(dir.File("out.vtt")));
        var cues = ReadCues(dir.File("out.vtt"));
        var records = File.ReadAllLines(dir.File("out.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Select(r => (Time: r.GetProperty("time").GetDouble() - start, Track: r.GetProperty("track").GetInt32(), Label: r.GetProperty("smoothed_label").GetString()!))
            .ToList();
        Assert.True(records.Count > 50, $"{records.Count} records");
        Assert.Equal(cues.OrderBy(c => c.Start).ToList(), cues); // WebVTT's order: by start
        const double Frame = 1.0 / 30, Millisecond = 0.0011;
        foreach (var r in records)
            Assert.Contains(cues, c => c.Track == r.Track && c.Label == r.Label && c.Start - Millisecond <= r.Time && r.Time < c.End);
        foreach (var c in cues)
        {
            var mine = records.Where(r => r.Track == c.Track && r.Label == c.Label && r.Time >= c.Start - Millisecond && r.Time < c.End).ToList();
            Assert.NotEmpty(mine);
            Assert.Equal(mine.Min(r => r.Time), c.Start, Millisecond);
            Assert.Equal(mine.Max(r => r.Time) + Frame, c.End, Millisecond);
        }
        // The sample's one face is happy throughout: one cue over the whole part.
        Assert.Contains(cues, c => c.Label == "happy" && c.Start < Millisecond && c.End > 2 - Frame - Millisecond);
    }

    [Fact]
    public async Task The_reports_player_shows_the_captions()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("in.mp4"), 30, fps: 15, audio: false);
        Directory.CreateDirectory(dir.File("captions"));
        await new VideoAnalyzer(new AnalyzeOptions
        {
            InputPath = input,
            OutputPath = dir.File("out.mp4"),
            EventsPath = dir.File("out.jsonl"),
            CaptionsPath = dir.File("captions/out.vtt"),
            ReportPath = dir.File("out.html"),
            Recognition = new() { Backend = "cpu" },
        }).RunAsync(CancellationToken.None);
        Assert.Contains("<track kind=\"captions\" label=\"emotions\" srclang=\"en\" default src=\"captions/out.vtt\">", File.ReadAllText(dir.File("out.html")));
        Assert.NotEmpty(ReadCues(dir.File("captions/out.vtt")));
    }

    [Fact]
    public void Several_inputs_take_a_folder_and_another_format_is_refused()
    {
        using var dir = TestPaths.NewTempFolder();
        string a = Clips.MovingFace(dir.File("a.mp4"), 10, fps: 15, width: 320, height: 240, audio: false);
        File.Copy(a, dir.File("b.mp4"));
        Directory.CreateDirectory(dir.File("vtt"));
        var r = ProcessRunner.Cli(["analyze", a, dir.File("b.mp4"), "-o", "/dev/null", "--captions", dir.File("vtt"), "--backend", "cpu"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Equal(["a.annotated.vtt", "b.annotated.vtt"], Directory.GetFiles(dir.File("vtt")).Select(Path.GetFileName).Order());
        Assert.All(Directory.GetFiles(dir.File("vtt")), f => Assert.StartsWith("WEBVTT", File.ReadAllText(f)));

        var srt = ProcessRunner.Cli(["analyze", a, "-o", "/dev/null", "--captions", dir.File("a.srt"), "--backend", "cpu"]);
        Assert.Equal(2, srt.ExitCode);
        Assert.Equal($"videoaffect: error: --captions '{dir.File("a.srt")}': captions are WebVTT; give them a .vtt name (or a folder)", srt.StandardError.Trim());
        Assert.False(File.Exists(dir.File("a.srt")));
    }
}
