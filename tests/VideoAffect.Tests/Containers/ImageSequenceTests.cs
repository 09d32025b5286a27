using System.Globalization;
using System.Text.Json;
using VideoAffect.Media;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Containers;

/// <summary>
/// A numbered image sequence (frames/img%04d.png, as editors export and datasets ship clips) is one
/// clip to analyze: its frames in number order, at ffprobe's times (25 per second, or --frame-rate),
/// with the records the same pictures get as a lossless video; its outputs named after it; none of
/// its frame files ever an output.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class ImageSequenceTests
{
    static List<JsonElement> Records(string path) => File.ReadLines(path).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    /// <summary>24 frames of a moving face as img0001.png.. (numbered from 1, as editors do).</summary>
    static string Frames(TempFolder dir)
    {
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 24, audio: false);
        Directory.CreateDirectory(dir.File("frames"));
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-start_number", "1", dir.File("frames/img%04d.png"));
        return dir.File("frames/img%04d.png");
    }

    static double[] Times(IEnumerable<JsonElement> records) =>
        records.Select(r => r.GetProperty("time").GetDouble()).Distinct().ToArray();

    [Fact]
    public void A_sequence_is_analysed_as_the_clip_its_frames_make()
    {
        using var dir = TestPaths.NewTempFolder();
        string pattern = Frames(dir);
        // The reference: the same pictures as a lossless video, at the same rate.
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-framerate", "25", "-start_number", "1", "-i", pattern, "-c:v", "ffv1", dir.File("lossless.mkv"));
        var video = ProcessRunner.Cli(["analyze", dir.File("lossless.mkv"), "-o", dir.File("lossless.annotated.mp4"), "--backend", "cpu"]);
        Assert.True(video.ExitCode == 0, video.StandardError);

        var r = ProcessRunner.Cli(["analyze", pattern, "--backend", "cpu", "--json"]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        using (var summary = JsonDocument.Parse(r.StandardOutput))
            Assert.Equal(24, summary.RootElement.GetProperty("frames_decoded").GetInt32());
        // Named after the sequence, beside it; 24 frames in the annotated video.
        Assert.True(File.Exists(dir.File("frames/img.annotated.mp4")));
        Assert.Equal(24, Clips.CountFrames(dir.File("frames/img.annotated.mp4")));
        var records = Records(dir.File("frames/img.annotated.jsonl"));
        var reference = Records(dir.File("lossless.annotated.jsonl"));
        Assert.True(records.Count >= 20, $"{records.Count} records");
        Assert.Equal(reference.Select(x => (x.GetProperty("frame").GetInt32(), x.GetProperty("time").GetDouble(), x.GetProperty("box").ToString(), x.GetProperty("probabilities").ToString())),
            records.Select(x => (x.GetProperty("frame").GetInt32(), x.GetProperty("time").GetDouble(), x.GetProperty("box").ToString(), x.GetProperty("probabilities").ToString())));

        // --frame-rate: the times ffprobe gives the sequence read at that rate.
        var slow = ProcessRunner.Cli(["analyze", pattern, "-o", dir.File("slow.mp4"), "--frame-rate", "12.5", "--backend", "cpu"]);
        Assert.True(slow.ExitCode == 0, slow.StandardError);
        var expected = ProcessRunner.Tool("ffprobe", "-v", "error", "-framerate", "12.5", "-i", pattern, "-show_entries", "frame=best_effort_timestamp_time", "-of", "csv=p=0")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(t => double.Parse(t.Trim().TrimEnd(','), CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(24, expected.Length);
        var slowRecords = Records(dir.File("slow.jsonl"));
        Assert.All(slowRecords, x => Assert.Equal(expected[x.GetProperty("frame").GetInt32()], x.GetProperty("time").GetDouble(), 6));
        Assert.Equal(0.08 * 23, expected[^1], tolerance: 1e-6);
        Assert.Equal(Clips.FrameTimes(dir.File("slow.mp4")).Select(t => Math.Round(t!.Value, 3)), expected.Select(t => Math.Round(t, 3)));
    }

    [Fact]
    public void No_frame_of_a_sequence_is_ever_an_output_and_wrong_sequences_are_one_line()
    {
        using var dir = TestPaths.NewTempFolder();
        string pattern = Frames(dir);
        byte[] frame5 = File.ReadAllBytes(dir.File("frames/img0005.png"));
        foreach (var (option, path) in new[] { ("--report", "frames/img0005.png"), ("--summary", "frames/img0005.png"), ("-o", "frames/img0005.png") })
        {
            var r = ProcessRunner.Cli(["analyze", pattern, option, dir.File(path), "--backend", "cpu"], timeoutSeconds: 60);
            Assert.Equal(2, r.ExitCode);
            Assert.DoesNotContain('\n', r.StandardError.Trim());
        }
        var report = ProcessRunner.Cli(["analyze", pattern, "--report", dir.File("frames/img0005.png"), "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Contains($"is the input '{dir.File("frames/img0005.png")}'", report.StandardError);
        Assert.Equal(frame5, File.ReadAllBytes(dir.File("frames/img0005.png")));
        Assert.Equal(24, Directory.GetFiles(dir.File("frames")).Length); // nothing written beside them

        var none = ProcessRunner.Cli(["analyze", dir.File("frames/x%03d.png")], timeoutSeconds: 60);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("is neither a file nor an image sequence with a first frame", none.StandardError);
        var folder = ProcessRunner.Cli(["analyze", dir.File("frames")], timeoutSeconds: 60);
        Assert.Equal(2, folder.ExitCode);
        Assert.Contains($"numbered images are read as one clip with the pattern '{pattern}'", folder.StandardError);
        var rate = ProcessRunner.Cli(["analyze", dir.File("clip.mp4"), "--frame-rate", "10"], timeoutSeconds: 60);
        Assert.Equal(2, rate.ExitCode);
        Assert.Contains("--frame-rate is for image sequences", rate.StandardError);
    }

    [Fact]
    public void The_files_of_a_pattern_are_those_printf_would_name()
    {
        using var dir = TestPaths.NewTempFolder();
        foreach (var name in new[] { "img0001.png", "img0002.png", "img0010.png", "img12345.png", "img001.png", "img00003.png", "img0004.jpg", "imgx0005.png", "7.png", "07.png", "12.png" })
            File.WriteAllText(dir.File(name), "");
        Assert.Equal(["img0001.png", "img0002.png", "img0010.png", "img12345.png"], ImageSequence.Files(dir.File("img%04d.png")).Select(Path.GetFileName));
        Assert.Equal(["7.png", "12.png"], ImageSequence.Files(dir.File("%d.png")).Select(Path.GetFileName));
        Assert.Equal(1, ImageSequence.Start(dir.File("img%04d.png")));
        Assert.Equal(3, ImageSequence.Start(dir.File("img%05d.png"))); // img00003.png
        Assert.Null(ImageSequence.Start(dir.File("img%06d.png")));
        Assert.Equal("img", ImageSequence.Name("/x/frames/img_%04d.png"));
        Assert.Equal("frames", ImageSequence.Name("/x/frames/%04d.png"));
        Assert.True(ImageSequence.IsPattern(dir.File("img%04d.png")));
        Assert.False(ImageSequence.IsPattern(dir.File("img%04d%04d.png")));
        Assert.False(ImageSequence.IsPattern("https://host/img%04d.png"));
        File.WriteAllText(dir.File("100%d.png"), ""); // a file that exists is that file, whatever its name
        Assert.False(ImageSequence.IsPattern(dir.File("100%d.png")));
    }
}
