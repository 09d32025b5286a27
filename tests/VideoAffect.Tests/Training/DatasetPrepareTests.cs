using OpenCvSharp;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Training;

/// <summary>`dataset prepare` on a small FER-2013-shaped CSV written by the test, malformed rows included.</summary>
public class DatasetPrepareTests
{
    static string Row(int emotion, int gray, string usage) => $"{emotion},{string.Join(' ', Enumerable.Repeat(gray, 48 * 48))},{usage}";

    static string WriteCsv(TempFolder dir) => WriteLines(dir,
    [
        "emotion,pixels,Usage",
        Row(3, 200, "Training"),                       // line 2: happy
        Row(0, 10, "PublicTest"),                      // line 3: angry
        Row(6, 128, "PrivateTest"),                    // line 4: neutral
        "9," + string.Join(' ', Enumerable.Repeat(1, 2304)) + ",Training",   // line 5: no such emotion
        "2,1 2 3,Training",                            // line 6: 3 pixels
        Row(4, 300 - 45, "Validation"),                // line 7: unknown split
        "5," + string.Join(' ', Enumerable.Repeat(256, 2304)) + ",Training", // line 8: not a gray level
        Row(5, 90, "Training"),                        // line 9: surprise
    ]);

    static string WriteLines(TempFolder dir, IEnumerable<string> lines)
    {
        File.WriteAllLines(dir.File("fer2013.csv"), lines);
        return dir.File("fer2013.csv");
    }

    [Fact]
    public void Rows_become_labelled_PNGs_and_every_malformed_row_is_named_by_its_line()
    {
        using var dir = TestPaths.NewTempFolder();
        var r = ProcessRunner.Cli(["dataset", "prepare", WriteCsv(dir), dir.File("out")]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Contains("wrote 4 faces", r.StandardOutput);
        Assert.Contains("4 malformed rows skipped", r.StandardOutput);
        foreach (var (line, reason) in new[] { (5, "emotion '9'"), (6, "3 pixels"), (7, "Usage 'Validation'"), (8, "pixel 1 '256'") })
            Assert.Contains(r.StandardError.Split('\n'), l => l.StartsWith($"line {line}:") && l.Contains(reason));

        var files = Directory.GetFiles(dir.File("out"), "*.png", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir.File("out"), f)).Order().ToList();
        Assert.Equal(["test/angry/public-000003.png", "test/neutral/private-000004.png", "train/happy/000002.png", "train/surprise/000009.png"], files);
        using var happy = Cv2.ImRead(dir.File("out/train/happy/000002.png"), ImreadModes.Unchanged);
        Assert.Equal((48, 48, 1), (happy.Width, happy.Height, happy.Channels()));
        Assert.Equal(200, happy.At<byte>(17, 31));
    }

    [Fact]
    public void A_cancelled_run_stops_before_its_next_row()
    {
        // Ctrl-C is looked at between rows (before 0.16 `dataset prepare` ran on to the end of the file).
        using var dir = TestPaths.NewTempFolder();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            VideoAffect.Training.DatasetPreparer.Prepare(WriteCsv(dir), dir.File("out"), strict: false, token: new CancellationToken(canceled: true)));
        Assert.False(Directory.Exists(dir.File("out")), "nothing written after the stop");
    }

    [Fact]
    public void Strict_rejects_the_file_at_its_first_bad_row_and_writes_nothing()
    {
        using var dir = TestPaths.NewTempFolder();
        var r = ProcessRunner.Cli(["dataset", "prepare", WriteCsv(dir), dir.File("out"), "--strict"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"videoaffect: error: '{dir.File("fer2013.csv")}' line 5: emotion '9' is not one of 0..6 (4 malformed rows; without --strict they are skipped)", r.StandardError.Trim());
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void A_file_without_one_good_row_is_an_error_not_zero_faces_written()
    {
        using var dir = TestPaths.NewTempFolder();
        string csv = WriteLines(dir, ["emotion,pixels,Usage", "9,1 2 3,Training"]);
        var r = ProcessRunner.Cli(["dataset", "prepare", csv, dir.File("out")]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"videoaffect: error: '{csv}' holds no faces to write (1 malformed row skipped)", r.StandardError);
        Assert.Equal("", r.StandardOutput);
    }

    /// <summary>An output that is the CSV itself, or a place that cannot be written, is one line before any row is read (before 0.19 an unexpected failure).</summary>
    [Fact]
    public void An_output_folder_that_is_a_file_or_cannot_be_written_is_one_line()
    {
        using var dir = TestPaths.NewTempFolder();
        string csv = WriteCsv(dir);
        string before = File.ReadAllText(csv);
        var r = ProcessRunner.Cli(["dataset", "prepare", csv, csv]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"videoaffect: error: the dataset folder '{csv}' is a file, not a folder; give a folder (it is made if missing)", r.StandardError.Trim());
        Assert.Equal(before, File.ReadAllText(csv));
        r = ProcessRunner.Cli(["dataset", "prepare", csv, "/proc/videoaffect-none"]);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("videoaffect: error: cannot write the dataset folder '/proc/videoaffect-none':", r.StandardError.Trim());
    }

    [Fact]
    public void A_file_that_is_not_the_FER_CSV_is_a_clear_error()
    {
        using var dir = TestPaths.NewTempFolder();
        var r = ProcessRunner.Cli(["dataset", "prepare", WriteLines(dir, ["name,score", "a,1"]), dir.File("out")]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is not the FER-2013 CSV", r.StandardError);
    }

    [Fact]
    public void A_file_that_is_not_text_is_said_to_be_what_it_is_not_printed_as_a_header()
    {
        // Before 0.26.5 a video given as the CSV had its first "line" (~1 KB of binary) printed as the header found.
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("talk.mp4"), 3, audio: false);
        Assert.Equal($"'{clip}' is not the FER-2013 CSV: it is a video (MP4/MOV)",
            Assert.Throws<VideoAffectException>(() => VideoAffect.Training.Fer2013Csv.Read(clip, []).ToList()).Message);
        File.WriteAllBytes(dir.File("fer2013.zip"), [(byte)'P', (byte)'K', 3, 4, 20, 0, 0, 0]);
        Assert.Equal($"'{dir.File("fer2013.zip")}' is not the FER-2013 CSV: it is a zip archive (unpack it: the CSV is inside)",
            Assert.Throws<VideoAffectException>(() => VideoAffect.Training.Fer2013Csv.Read(dir.File("fer2013.zip"), []).ToList()).Message);
        File.WriteAllText(dir.File("long.csv"), new string('x', 5000));
        Assert.Equal($"'{dir.File("long.csv")}' is not the FER-2013 CSV: its first 4 KiB hold no line end, so no header line",
            Assert.Throws<VideoAffectException>(() => VideoAffect.Training.Fer2013Csv.Read(dir.File("long.csv"), []).ToList()).Message);
        // A header of other columns is shown, cut short.
        File.WriteAllText(dir.File("other.csv"), string.Join(',', Enumerable.Range(0, 40).Select(i => $"column{i}")) + "\n1\n");
        Assert.EndsWith("…')", Assert.Throws<VideoAffectException>(() => VideoAffect.Training.Fer2013Csv.Read(dir.File("other.csv"), []).ToList()).Message);
    }
}
