using VideoAffect.Brokers.Files;
using VideoAffect.Classification;
using VideoAffect.Detection;
using VideoAffect.Records;
using VideoAffect.Sinks;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Brokers;

/// <summary>
/// The --faces folder's names, from hand-made records: a track of a later run that starts in the
/// same second as one already written (track ids start again at 1 in each run) gets "-2", and the
/// file already there keeps its bytes.
/// </summary>
public sealed class FaceFolderSinkTests
{
    static readonly string[] Labels = ["happy", "sad"];

    [Fact]
    public async Task A_later_tracks_face_never_replaces_one_already_there()
    {
        using var dir = TestPaths.NewTempFolder();
        var start = new DateTime(2026, 12, 4, 9, 30, 5, DateTimeKind.Utc);
        foreach (byte face in new byte[] { 0xA1, 0xB2 }) // two runs, the same track starting at the same second
        {
            await using var sink = new FaceFolderSink(dir.Path);
            sink.Start(new SinkRun { Streams = ["door"], Report = _ => new StreamReport("live", 0, 0, 0, null), TrackFace = (_, _) => [face] });
            for (int i = 0; i < 3; i++)
                sink.Offer(new FrameRecord("door", i, i / 10.0, start.AddSeconds(i / 10.0), [new FaceRecord(0, 1, true, true, false, new FaceBox(1, 2, 30, 30),
                    new EmotionPrediction(Labels, [0.9f, 0.1f]), null)]));
            await sink.FinishAsync(RunOutcome.Complete);
        }
        var local = new DateTimeOffset(start).ToLocalTime();
        string folder = Path.Combine(dir.Path, "door", local.ToString("yyyy-MM-dd"));
        string stem = $"{local.ToString("HHmmsszzz").Replace(":", "")}_1_happy";
        Assert.Equal([$"{stem}-2.jpg", $"{stem}-2.json", $"{stem}.jpg", $"{stem}.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([0xA1], File.ReadAllBytes(Path.Combine(folder, $"{stem}.jpg")));
        Assert.Equal([0xB2], File.ReadAllBytes(Path.Combine(folder, $"{stem}-2.jpg")));
        Assert.Contains("\"start_utc\":\"2026-12-04T09:30:05Z\"", File.ReadAllText(Path.Combine(folder, $"{stem}-2.json")));
    }

    /// <summary>
    /// --faces-keep: at the start (and hourly) the faces older than the keep time go, by the time in
    /// their folder and name, with the day folders they leave empty; another file, a folder that is
    /// not a day's, and recent faces stay.
    /// </summary>
    [Fact]
    public async Task Faces_older_than_the_keep_time_go_and_nothing_else_does()
    {
        using var dir = TestPaths.NewTempFolder();
        var now = DateTimeOffset.UtcNow;
        string Day(DateTimeOffset t) => Path.Combine(dir.Path, "door", t.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        string Name(DateTimeOffset t, int track) => $"{t.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture)}+0000_{track}_happy";
        var old = now.AddDays(-10);
        var older = now.AddDays(-11);
        var recent = now.AddHours(-1);
        var files = new Dictionary<string, bool> // path, whether it stays
        {
            [Path.Combine(Day(old), Name(old, 3) + ".jpg")] = false,
            [Path.Combine(Day(old), Name(old, 3) + ".json")] = false,
            [Path.Combine(Day(old), Name(old, 3) + "-2.jpg")] = false,
            [Path.Combine(Day(old), "notes.txt")] = true,
            [Path.Combine(Day(older), Name(older, 5) + ".jpg")] = false,
            [Path.Combine(Day(recent), Name(recent, 4) + ".jpg")] = true,
            [Path.Combine(dir.Path, "door", "holiday", Name(old, 6) + ".jpg")] = true,
        };
        foreach (var file in files.Keys)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, [1]);
        }
        await using (var sink = new FaceFolderSink(dir.Path, keep: TimeSpan.FromDays(7))) { }
        foreach (var (file, stays) in files) Assert.True(File.Exists(file) == stays, $"{file} {(stays ? "was deleted" : "is still there")}");
        Assert.False(Directory.Exists(Day(older)), "a day folder left empty goes too");
        Assert.Equal("--faces-keep must be positive (leave it out to keep every face)",
            Assert.Throws<VideoAffectException>(() => new FaceFolderSink(dir.Path, keep: TimeSpan.Zero)).Message);
    }

    /// <summary>A model's own label (an ONNX model's) that a file name cannot hold is written with '_' in the name, in its folder.</summary>
    [Fact]
    public async Task A_label_a_file_name_cannot_hold_is_named_with_underscores()
    {
        using var dir = TestPaths.NewTempFolder();
        await using (var sink = new FaceFolderSink(dir.Path))
        {
            sink.Start(new SinkRun { Streams = ["door"], Report = _ => new StreamReport("live", 0, 0, 0, null), TrackFace = (_, _) => [7] });
            sink.Offer(new FrameRecord("door", 0, 0, DateTime.UtcNow, [new FaceRecord(0, 2, true, true, false, new FaceBox(1, 2, 30, 30),
                new EmotionPrediction(["so/so ..", "fine"], [0.9f, 0.1f]), null)]));
            await sink.FinishAsync(RunOutcome.Complete);
        }
        var file = Assert.Single(Directory.GetFiles(dir.Path, "*.jpg", SearchOption.AllDirectories));
        Assert.EndsWith("_2_so_so___.jpg", file, StringComparison.Ordinal);
        Assert.Equal(3, Path.GetRelativePath(dir.Path, file).Split('/').Length); // door/DATE/NAME.jpg
    }
}
