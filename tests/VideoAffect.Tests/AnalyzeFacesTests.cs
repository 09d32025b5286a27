using System.Globalization;
using System.Text.Json;
using OpenCvSharp;
using VideoAffect.Outputs;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// `analyze --faces FOLDER`: each track of the video as one face, FOLDER/NAME.faces/HHMMSS.mmm_TRACK_LABEL.jpg
/// named by the track's first frame in the records, with its description beside it; put in place
/// only by a completed run, replaced whole by the next one, and never over a folder or file of the user's.
/// </summary>
public class AnalyzeFacesTests
{
    static List<JsonElement> Records(string path) => File.ReadLines(path).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    static string VideoTime(double seconds)
    {
        long ms = (long)Math.Round(seconds * 1000), s = ms / 1000;
        return string.Create(CultureInfo.InvariantCulture, $"{s / 3600:00}{s / 60 % 60:00}{s % 60:00}.{ms % 1000:000}");
    }

    [Fact]
    public void Each_track_gets_one_face_named_by_its_start_and_a_later_run_replaces_the_folder_whole()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("talk.mp4"), 30, audio: false);
        Directory.CreateDirectory(dir.File("faces"));
        var run = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("out.mp4"), "--faces", dir.File("faces"), "--backend", "cpu"]);
        Assert.True(run.ExitCode == 0, run.StandardError);
        string folder = dir.File("faces/talk.annotated.faces");
        Assert.Contains($"faces: {dir.File("faces/talk.annotated.faces")} (", run.StandardError);

        // The records' tracks, each with the time of its first frame.
        var tracks = Records(dir.File("out.jsonl")).GroupBy(r => r.GetProperty("track").GetInt32())
            .ToDictionary(g => g.Key, g => g.Min(r => r.GetProperty("time").GetDouble()));
        Assert.NotEmpty(tracks);
        var faces = Directory.GetFiles(folder, "*.jpg").Select(Path.GetFileNameWithoutExtension).Order().ToList();
        Assert.Equal(tracks.Count, faces.Count);
        foreach (var (track, start) in tracks)
        {
            string name = Assert.Single(faces, f => f!.Split('_')[1] == track.ToString(CultureInfo.InvariantCulture))!;
            Assert.StartsWith($"{VideoTime(start)}_{track}_", name);
            using var description = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, name + ".json")));
            Assert.Equal(track, description.RootElement.GetProperty("track").GetInt32());
            Assert.EndsWith("_" + description.RootElement.GetProperty("label").GetString(), name);
            using var picture = Cv2.ImRead(Path.Combine(folder, name + ".jpg"));
            Assert.True(picture.Width >= 24 && picture.Height >= 24, $"{name}.jpg is a picture of a face ({picture.Width}x{picture.Height})");
        }

        // A second run (the first half second, where the detector is told to find no face) replaces the folder whole: its faces only.
        var again = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("out.mp4"), "--faces", dir.File("faces"), "--end", "0.5", "--backend", "cpu", "--min-neighbors", "1000"]);
        Assert.True(again.ExitCode == 0, again.StandardError);
        Assert.Empty(Directory.GetFiles(folder, "*.jpg")); // no faces found: nothing of the first run is left
        Assert.True(File.Exists(Path.Combine(folder, FolderOutput.MarkerName)));
        Assert.Equal(["faces/talk.annotated.faces"], Directory.GetFileSystemEntries(dir.File("faces")).Select(p => Path.GetRelativePath(dir.Path, p)));
    }

    /// <summary>
    /// Ctrl-C: the earlier run's folder stays as it was, and the stopped run's faces (its tracks end
    /// with it) are kept under the partial name, as its other outputs are.
    /// </summary>
    [Fact]
    public async Task A_stopped_run_leaves_the_earlier_faces_and_keeps_its_own_under_the_partial_name()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("talk.mp4"), 900, audio: false);
        Directory.CreateDirectory(dir.File("faces"));
        string folder = dir.File("faces/talk.annotated.faces"), partial = dir.File("faces/talk.annotated.partial.faces");
        var first = ProcessRunner.Cli(["analyze", clip, "-o", "/dev/null", "--faces", dir.File("faces"), "--end", "1", "--backend", "cpu"]);
        Assert.True(first.ExitCode == 0, first.StandardError);
        var before = Directory.GetFiles(folder).Select(Path.GetFileName).Order().ToList();
        Assert.Contains(before, f => f!.EndsWith(".jpg"));

        using var cli = new RunningCli(["analyze", clip, "-o", dir.File("out.mp4"), "--faces", dir.File("faces"), "--backend", "cpu"], ownProcessGroup: true);
        await cli.WaitForAsync("detector", TimeSpan.FromSeconds(60));
        await Task.Delay(2000);
        var (exitCode, _) = cli.InterruptGroup(TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 130, $"exit {exitCode}: {cli.StandardError}");
        Assert.Equal(before, Directory.GetFiles(folder).Select(Path.GetFileName).Order().ToList());
        Assert.Contains($"faces: {partial} (", cli.StandardError);
        Assert.Contains("unfinished", cli.StandardError);
        Assert.NotEmpty(Directory.GetFiles(partial, "*.jpg"));
        Assert.True(File.Exists(dir.File("out.partial.mp4")), "the video is kept under its partial name too");
    }

    [Fact]
    public void A_folder_of_the_users_there_is_refused_and_left_as_it_is()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("talk.mp4"), 6, audio: false);
        Directory.CreateDirectory(dir.File("faces/talk.annotated.faces"));
        File.WriteAllText(dir.File("faces/talk.annotated.faces/me.jpg"), "a user's picture");
        var refused = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("out.mp4"), "--faces", dir.File("faces"), "--backend", "cpu"]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("videoaffect: error: the faces folder", refused.StandardError);
        Assert.Contains("is a folder VideoAffect did not make", refused.StandardError);
        Assert.Equal("a user's picture", File.ReadAllText(dir.File("faces/talk.annotated.faces/me.jpg")));
        Assert.False(File.Exists(dir.File("out.mp4")));
        // In a batch, the second video's folder refuses the whole batch before its first video runs.
        string first = Clips.MovingFace(dir.File("intro.mp4"), 6, audio: false);
        Directory.CreateDirectory(dir.File("out"));
        var batch = ProcessRunner.Cli(["analyze", first, clip, "-o", dir.File("out"), "--faces", dir.File("faces"), "--backend", "cpu"]);
        Assert.Equal(2, batch.ExitCode);
        Assert.Contains($"videoaffect: error: {clip}: the faces folder", batch.StandardError);
        Assert.Empty(Directory.GetFileSystemEntries(dir.File("out")));
        Assert.Equal(["talk.annotated.faces"], Directory.GetFileSystemEntries(dir.File("faces")).Select(Path.GetFileName));

        var hidden = ProcessRunner.Cli(["analyze", clip, "--faces", dir.File("faces"), "--anonymize", "blur"]);
        Assert.Equal(2, hidden.ExitCode);
        Assert.Contains("--faces keeps the faces that --anonymize hides", hidden.StandardError);
        // Without tracking there is no track to keep a face of: said, not an empty folder.
        var untracked = ProcessRunner.Cli(["analyze", clip, "--faces", dir.File("faces"), "--no-tracking"]);
        Assert.Equal(2, untracked.ExitCode);
        Assert.Equal("videoaffect: error: --faces keeps each track's face, and --no-tracking makes no tracks; give one or the other", untracked.StandardError.Trim());
        var missing = ProcessRunner.Cli(["analyze", clip, "--faces", dir.File("nowhere")]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--faces names the folder", missing.StandardError);
    }
}
