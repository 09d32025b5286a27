using System.Globalization;
using System.Text.Json;
using VideoAffect.Tests.Brokers;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Brokers.BrokerRecords;

namespace VideoAffect.Tests.Live;

/// <summary>
/// `monitor --faces DIR`: each ended track's face as DIR/STREAM/DATE/TIME_TRACK_LABEL.jpg with its
/// description beside it, one pair per track of the stream's records, the face checked against the
/// clip's own frame (ffmpeg, cropped by OpenCV at the records' box), named by the track's start in
/// this machine's time; a second run adds its own and leaves the first's untouched; `--anonymize`
/// and a path that is not a folder are refused with one line.
/// </summary>
public sealed class FaceFolderTests
{
    [Fact]
    public void Each_ended_track_leaves_its_face_and_description_and_no_run_replaces_another_runs()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("lobby.mp4"), 45, fps: 15, audio: false);
        string faces = dir.File("faces");
        var run = ProcessRunner.Cli(["monitor", $"lobby={clip}", "--backend", "cpu", "--json", "--records", dir.File("records"), "--faces", faces], timeoutSeconds: 90);
        Assert.True(run.ExitCode == 0, run.StandardError);

        var tracks = ByTrack(File.ReadAllLines(dir.File("records/lobby.jsonl")));
        Assert.NotEmpty(tracks);
        var written = Directory.GetFiles(faces, "*", SearchOption.AllDirectories).Order().ToList();
        Assert.Equal(2 * tracks.Count, written.Count); // a picture and a description each, nothing half-written
        foreach (var track in tracks)
        {
            string jpeg = Assert.Single(written, f => f.EndsWith(".jpg", StringComparison.Ordinal) && Path.GetFileName(f).Split('_')[1] == track.Key.ToString(CultureInfo.InvariantCulture));
            var description = Json(File.ReadAllText(Path.ChangeExtension(jpeg, ".json")));
            Assert.Equal(track.Key, description.GetProperty("track").GetInt32());
            Assert.Equal(track.Count(), description.GetProperty("frames").GetInt32());
            Assert.Equal(track.First().GetProperty("time").GetDouble(), description.GetProperty("start_time").GetDouble(), tolerance: 1e-3);
            // Named DIR/STREAM/DATE/HHMMSS+ZZZZ_TRACK_LABEL.jpg by the track's start here, with its shown label.
            var start = DateTimeOffset.Parse(description.GetProperty("start_utc").GetString()!, CultureInfo.InvariantCulture).ToLocalTime();
            Assert.Equal(Path.Combine(faces, "lobby", start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                $"{start.ToString("HHmmsszzz", CultureInfo.InvariantCulture).Replace(":", "")}_{track.Key}_{description.GetProperty("label").GetString()}.jpg"), jpeg);
            EventFaces.AssertIsFaceOf(File.ReadAllBytes(jpeg), clip, EventFaces.MostConfident(track), dir.Path);
        }
        var sink = Sink(Json(run.StandardOutput), "file");
        Assert.Equal(tracks.Count, sink.GetProperty("sent").GetInt32());

        // Another run into the same folder adds its faces beside the first run's, whose files stay as they were.
        var before = written.ToDictionary(f => f, File.ReadAllBytes);
        var again = ProcessRunner.Cli(["monitor", $"lobby={clip}", "--backend", "cpu", "--faces", faces], timeoutSeconds: 90);
        Assert.True(again.ExitCode == 0, again.StandardError);
        var after = Directory.GetFiles(faces, "*", SearchOption.AllDirectories);
        Assert.True(after.Length > written.Count, "the second run wrote no face");
        foreach (var (path, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    /// <summary>
    /// A full disk drops faces, counted and said once in words that fit a folder, and the stream goes
    /// on: every frame read went through, exit code 0, no half-written file left in the folder.
    /// </summary>
    [SkippableFact]
    public void A_full_disk_drops_faces_and_the_stream_goes_on()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("lobby.mp4"), 45, fps: 15, audio: false);
        using var disk = Mount.Tiny(dir.File("disk"), 64);
        File.WriteAllBytes(dir.File("disk/filler"), new byte[48 * 1024]);
        try { File.WriteAllBytes(dir.File("disk/more"), new byte[64 * 1024]); } catch (IOException) { } // full to the last block
        var run = ProcessRunner.Cli(["monitor", $"lobby={clip}", "--backend", "cpu", "--json", "--faces", dir.File("disk/faces")], timeoutSeconds: 90);
        Assert.True(run.ExitCode == 0, run.StandardError);
        var summary = Json(run.StandardOutput);
        var stream = summary.GetProperty("streams")[0]; // every frame read went through, or was dropped by the live queue as any late frame is
        Assert.Equal(45, stream.GetProperty("frames").GetInt32());
        Assert.Equal(45, stream.GetProperty("processed").GetInt32() + stream.GetProperty("dropped").GetInt32());
        Assert.True(stream.GetProperty("faces").GetInt32() > 0, run.StandardOutput);
        var sink = Sink(summary, "file");
        Assert.Equal(0, sink.GetProperty("sent").GetInt32());
        Assert.True(sink.GetProperty("dropped").GetInt32() >= 1, run.StandardOutput);
        Assert.Single(run.StandardError.Split('\n'), l => l.Contains($"{sink.GetProperty("name").GetString()}: cannot write faces (No space left on device")
            && l.EndsWith("they are dropped (counted) until one can be written, the run goes on", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(dir.File("disk/faces"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Faces_with_anonymize_and_a_faces_path_that_is_a_file_are_refused_with_one_line()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("lobby.mp4"), 15, fps: 15, audio: false);
        File.WriteAllText(dir.File("notes.txt"), "mine");
        foreach (var (extra, message) in new[]
        {
            (new[] { "--faces", dir.File("faces"), "--anonymize", "blur" }, "--faces keeps the faces that --anonymize hides; give one or the other"),
            (new[] { "--faces", dir.File("faces"), "--no-tracking" }, "--faces keeps each track's face, and --no-tracking makes no tracks; give one or the other"),
            (new[] { "--faces", dir.File("notes.txt") }, $"the faces folder '{dir.File("notes.txt")}' is a file, not a folder; give a folder (it is made if missing)"),
            (new[] { "--faces", "/dev/null" }, "the faces folder '/dev/null' is a file, not a folder; give a folder (it is made if missing)"),
        })
        {
            var run = ProcessRunner.Cli(["monitor", $"lobby={clip}", "--backend", "cpu", .. extra]);
            Assert.Equal(2, run.ExitCode);
            Assert.Equal($"videoaffect: error: {message}", run.StandardError.Trim());
        }
        Assert.Equal("mine", File.ReadAllText(dir.File("notes.txt")));
        Assert.False(Directory.Exists(dir.File("faces")));
    }
}
