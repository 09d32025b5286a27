using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Cluster;

/// <summary>
/// `cluster submit` refuses a batch whose jobs would write over a video or over each other's
/// outputs, as `analyze` refuses such a batch, and says so before it asks the cluster anything:
/// no cluster runs at the address given here, so reaching for it would be another message, and
/// nothing is written.
/// </summary>
public class ClusterSubmitTests
{
    const string Nowhere = "redis://127.0.0.1:1";

    [Theory]
    [InlineData("-o out empty", "folder 'DIR/empty' holds no video files")]
    [InlineData("-o out a/talk.mp4 b/talk.mkv", "'DIR/a/talk.mp4' and 'DIR/b/talk.mkv' would both write 'DIR/out/talk.annotated.mp4'")]
    [InlineData("-o out a/talk.mp4 out/talk.annotated.mp4", "output video 'DIR/out/talk.annotated.mp4' is the input 'DIR/out/talk.annotated.mp4'")]
    [InlineData("-o out a a/talk.mp4", "'DIR/a/talk.mp4' is given twice")] // once in its folder, once by name
    [InlineData("-o out a/none.mp4", "video 'DIR/a/none.mp4' does not exist")]
    [InlineData("-o notes.txt a", "--output 'DIR/notes.txt' is a file; give the folder the nodes write to")]
    [InlineData("-o out a -", "standard input ('-') is this command's, which no node can read")]
    // Per-job options are checked as analyze checks them, and their outputs' names too.
    [InlineData("-o out a --start 5 --end 2", "--end (2 s) must come after --start (5 s)")]
    [InlineData("-o out a b --recorded-at 2026-12-04T08:00", "--recorded-at 2026-12-04T08:00 is one video's start, and 2 videos are given")]
    [InlineData("-o out a --records-format xml", "--records-format 'xml': give jsonl or csv")]
    [InlineData("-o out a/talk.mp4 out/talk.annotated.csv --records-format csv", "events file 'DIR/out/talk.annotated.csv' is the input 'DIR/out/talk.annotated.csv'")]
    [InlineData("-o out a --video-format avi", "--video-format 'avi': give mp4, mov, mkv or webm")]
    [InlineData("-o out a --video-format webm --no-video", "--video-format names the annotated video's container, and --no-video asks for none")]
    [InlineData("-o out a/talk.mp4 out/talk.annotated.webm --video-format webm", "output video 'DIR/out/talk.annotated.webm' is the input 'DIR/out/talk.annotated.webm'")]
    [InlineData("-o out a --crf 52", "--crf 52: x264's constant rate factor for 'NAME.annotated.mp4' goes from 0 (lossless) to 51")]
    [InlineData("-o out a --video-format webm --crf 64", "--crf 64: libvpx's constant rate factor for 'NAME.annotated.webm' (WebM) goes from 0 (best) to 63")]
    [InlineData("-o out a --crf 28 --no-video", "--crf sets the annotated video's quality, and --no-video asks for none")]
    public void A_batch_that_would_overwrite_or_clash_is_refused_before_the_cluster_is_asked(string arguments, string expected)
    {
        using var dir = TestPaths.NewTempFolder();
        foreach (var file in new[] { "a/talk.mp4", "b/talk.mkv", "out/talk.annotated.mp4", "out/talk.annotated.csv", "out/talk.annotated.webm", "notes.txt" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(dir.File(file))!);
            File.WriteAllText(dir.File(file), file); // never opened: submit checks names, the nodes read the videos
        }
        Directory.CreateDirectory(dir.File("empty"));
        var before = Snapshot(dir.Path);

        // Paths are made absolute; an option's value (a word after an option that takes one) stays as it is.
        var words = arguments.Split(' ');
        var paths = words.Select((a, i) => a.StartsWith('-') || (i > 0 && words[i - 1] is "--start" or "--end" or "--recorded-at" or "--records-format" or "--video-format" or "--crf") ? a : dir.File(a));
        var r = ProcessRunner.Cli(["cluster", "submit", "--cluster", Nowhere, .. paths], timeoutSeconds: 60);
        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.StandardError.Trim().Split('\n'));
        Assert.StartsWith("videoaffect: error: ", line);
        Assert.Contains(expected.Replace("DIR", dir.Path), line);
        Assert.Equal(before, Snapshot(dir.Path)); // nothing written, nothing removed
    }

    [Fact]
    public void A_jobs_options_become_the_nodes_analyze_options()
    {
        var job = new VideoAffect.Cluster.JobClaim("job-0001-talk", "/videos/talk.mp4", "/out", 1,
            new VideoAffect.Cluster.JobOptions { Crf = 28, VideoFormat = "webm", Start = 2 });
        var options = VideoAffect.Cluster.JobAnalysis.Options(job, new RecognitionOptions());
        Assert.Equal((28, "/out/talk.annotated.webm", TimeSpan.FromSeconds(2)), (options.Crf, options.OutputPath, options.Start));
        Assert.Equal("2 s to the end, webm video, CRF 28", VideoAffect.Cluster.JobAnalysis.Describe(job.Options));
    }

    /// <summary>
    /// `cluster add`'s cameras and `node`'s ports are checked before the cluster is reached: a bad
    /// camera is said as such, not as an unreachable cluster (before 0.19 the cluster was asked
    /// first, and a bad third camera came after the first two were registered).
    /// </summary>
    [Theory]
    [InlineData("cluster|add|a=rtsp://10.0.0.5/1|cam=", "videoaffect: error: stream 'cam' has no source (NAME=SOURCE, or a stream's source in --config)")]
    [InlineData("cluster|add|bad name=rtsp://10.0.0.5/1", "videoaffect: error: stream name 'bad name' may only hold letters, digits, '-' and '_'")]
    [InlineData("cluster|add|a=rtsp://10.0.0.5/1|a=rtsp://10.0.0.6/1", "videoaffect: error: two cameras are named 'a'; give each its own name (NAME=SOURCE)")]
    [InlineData("node|--silo-port|99999", "videoaffect: error: --silo-port must be a port number, 1 to 65535 (or 0: a free one)")]
    public void Cameras_and_ports_are_checked_before_the_cluster_is_reached(string arguments, string line)
    {
        var r = ProcessRunner.Cli([.. arguments.Split('|'), "--cluster", Nowhere], timeoutSeconds: 60);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(line, r.StandardError.Trim());
    }

    static List<string> Snapshot(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(p => $"{Path.GetRelativePath(root, p)}:{(File.Exists(p) ? File.ReadAllText(p) : "/")}").Order(StringComparer.Ordinal).ToList();
}
