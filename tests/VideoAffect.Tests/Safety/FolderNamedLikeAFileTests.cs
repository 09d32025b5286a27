using VideoAffect.Live;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Safety;

/// <summary>
/// monitor's records, recordings and faces folders (and dataset prepare's) are made if missing.
/// Before 0.27 `--records faces.csv` or `--record lobby.mp4`, meant as a file, made a folder of
/// that name with the files inside; such a name that does not exist yet is now one line before
/// the run, and nothing is made. A folder that exists is taken whatever its name.
/// </summary>
public class FolderNamedLikeAFileTests
{
    static MonitorOptions Monitor(string? records = null, string? recordings = null) => new()
    {
        Sources = [LiveSourceSpec.Parse($"cam={TestPaths.SampleClip}", 0)],
        RecordsDirectory = records,
        RecordingDirectory = recordings,
    };

    [Theory]
    [InlineData("faces.csv", " (with --records-format csv for CSV files)")]
    [InlineData("faces.jsonl", "")]
    [InlineData("faces.parquet/", "")]
    public void Records_named_like_a_file_are_refused_and_nothing_is_made(string name, string hint)
    {
        using var dir = TestPaths.NewTempFolder();
        string path = dir.File(name), stem = dir.File(name.TrimEnd('/')[..name.TrimEnd('/').LastIndexOf('.')]);
        var e = Assert.Throws<VideoAffectException>(() => Monitor(records: path).Validate());
        Assert.Equal($"the records folder '{path}' is named like a {Path.GetExtension(name.TrimEnd('/'))} file, but it names a folder to write files into (made if missing); give a folder name such as '{stem}'{hint}", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Recordings_named_like_a_video_are_refused_and_folders_of_other_names_or_that_exist_are_taken()
    {
        using var dir = TestPaths.NewTempFolder();
        var e = Assert.Throws<VideoAffectException>(() => Monitor(recordings: dir.File("lobby.mp4")).Validate());
        Assert.StartsWith($"the recordings folder '{dir.File("lobby.mp4")}' is named like a .mp4 file", e.Message);
        Assert.Throws<VideoAffectException>(() => Outputs.OutputFolder.Prepare(dir.File("data.csv"), "dataset folder"));
        Assert.Throws<VideoAffectException>(() => Outputs.OutputFolder.Prepare(dir.File("faces.zip"), "faces folder")); // an archive was meant
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));

        // Names with dots that are no file's (a version, a host), and a folder made beforehand.
        Monitor(records: dir.File("run-1.2"), recordings: dir.File("cam.example.com")).Validate();
        Directory.CreateDirectory(dir.File("already.csv"));
        Monitor(records: dir.File("already.csv")).Validate();
        Outputs.OutputFolder.Prepare(dir.File("already.csv"), "records folder");
    }
}
