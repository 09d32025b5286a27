using System.Text.Json;
using VideoAffect.Model;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Training;

/// <summary>`evaluate` and `--model` with hand-set 48x48 models whose answers are known.</summary>
public class EvaluateCliTests
{
    [Fact]
    public void Evaluate_gives_exactly_the_expected_confusion_matrix_for_each_test_split()
    {
        using var dir = TestPaths.NewTempFolder();
        ModelFile.Save(TestModels.Bands(), dir.File("bands.vamodel"));
        (int Actual, int Predicted)[] publicPairs = [(0, 0), (0, 0), (1, 3), (2, 2), (3, 3), (3, 3), (3, 4), (6, 5), (6, 6)];
        (int Actual, int Predicted)[] privatePairs = [(4, 4), (5, 5), (5, 0), (1, 1), (6, 6)];
        var rows = publicPairs.Select(p => Fer2013Files.Row(p.Actual, TestModels.BandImage(p.Predicted), "PublicTest"))
            .Concat(privatePairs.Select(p => Fer2013Files.Row(p.Actual, TestModels.BandImage(p.Predicted), "PrivateTest")))
            .Append(Fer2013Files.Row(2, TestModels.BandImage(1), "Training")) // never evaluated
            .Append("3,0 0,PublicTest");                                       // malformed: skipped and reported
        string csv = Fer2013Files.Write(dir.File("tiny.csv"), rows);

        var r = ProcessRunner.Cli(["evaluate", dir.File("bands.vamodel"), csv, "-o", dir.File("eval"), "--backend", "cpu"]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Contains("skipped 1 malformed row (first: line 17: 2 pixels", r.StandardError);
        Assert.Contains("PublicTest: accuracy 66.67 % (6 of 9)", r.StandardOutput);
        Assert.Contains("PrivateTest: accuracy 80.00 % (4 of 5)", r.StandardOutput);
        Assert.True(r.StandardOutput.IndexOf("PublicTest") < r.StandardOutput.IndexOf("PrivateTest"));
        Assert.Equal(Expected(publicPairs), File.ReadAllText(dir.File("eval/confusion-PublicTest.csv")));
        Assert.Equal(Expected(privatePairs), File.ReadAllText(dir.File("eval/confusion-PrivateTest.csv")));
        Assert.False(File.Exists(dir.File("eval/confusion-Training.csv")));
    }

    /// <summary>The matrix written out by hand from the pairs, independently of the product's code.</summary>
    static string Expected((int Actual, int Predicted)[] pairs)
    {
        string[] labels = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];
        var lines = new List<string> { "actual\\predicted," + string.Join(",", labels) };
        for (int a = 0; a < 7; a++)
            lines.Add(labels[a] + "," + string.Join(",", Enumerable.Range(0, 7).Select(p => pairs.Count(x => x == (a, p)))));
        return string.Join("\n", lines) + "\n";
    }

    [Fact]
    public void A_folder_from_dataset_prepare_evaluates_like_its_CSV()
    {
        using var dir = TestPaths.NewTempFolder();
        ModelFile.Save(TestModels.Bands(), dir.File("bands.vamodel"));
        string csv = Fer2013Files.Write(dir.File("tiny.csv"),
            [Fer2013Files.Row(1, TestModels.BandImage(1), "PublicTest"), Fer2013Files.Row(2, TestModels.BandImage(5), "PrivateTest"), Fer2013Files.Row(4, TestModels.BandImage(4), "PrivateTest")]);
        Assert.Equal(0, ProcessRunner.Cli(["dataset", "prepare", csv, dir.File("folders")]).ExitCode);
        var fromCsv = ProcessRunner.Cli(["evaluate", dir.File("bands.vamodel"), csv, "-o", dir.File("a"), "--backend", "cpu"]);
        var fromFolders = ProcessRunner.Cli(["evaluate", dir.File("bands.vamodel"), dir.File("folders"), "-o", dir.File("b"), "--backend", "cpu"]);
        Assert.True(fromFolders.ExitCode == 0, fromFolders.StandardError);
        Assert.Contains("PrivateTest: accuracy 50.00 % (1 of 2)", fromFolders.StandardOutput);
        foreach (var split in new[] { "PublicTest", "PrivateTest" })
            Assert.Equal(File.ReadAllText(dir.File($"a/confusion-{split}.csv")), File.ReadAllText(dir.File($"b/confusion-{split}.csv")));
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void Analyze_with_a_trained_48x48_model_runs_that_model_on_every_face(string backend)
    {
        using var dir = TestPaths.NewTempFolder();
        ModelFile.Save(TestModels.Brightness(), dir.File("brightness.vamodel"));
        const int frames = 4;
        string input = Clips.MovingFace(dir.File("in.mp4"), frames, audio: false);
        var r = ProcessRunner.Cli(["analyze", input, "-o", dir.File("out.mp4"), "--events", dir.File("out.jsonl"),
            "--model", dir.File("brightness.vamodel"), "--backend", backend]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        var records = File.ReadAllLines(dir.File("out.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(frames, records.Count);
        string[] labels = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];
        foreach (var record in records)
        {
            var p = labels.Select(l => record.GetProperty("probabilities").GetProperty(l).GetDouble()).ToArray();
            // ln(p_j / p_0) = 2 (c_j - c_0) m - (c_j^2 - c_0^2): every class must give back the same mean brightness m.
            var means = Enumerable.Range(1, 6).Select(j =>
                (Math.Log(p[j] / p[0]) + TestModels.Centre(j) * TestModels.Centre(j) - TestModels.Centre(0) * TestModels.Centre(0))
                / (2 * (TestModels.Centre(j) - TestModels.Centre(0)))).ToArray();
            Assert.InRange(means[0], -1, 1);
            Assert.True(means.Max() - means.Min() < 1e-3, $"probabilities {string.Join(", ", p)} are not this model's");
        }
    }
}
