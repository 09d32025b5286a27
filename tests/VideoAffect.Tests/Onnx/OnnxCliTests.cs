using System.Text.Json;
using VideoAffect.Model;
using VideoAffect.Model.Onnx;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Onnx;

/// <summary>
/// `--model FILE.onnx` through the commands: classify, analyze and evaluate run an imported model,
/// and records, matrices and output use the model's own label set (FER+'s 8, with contempt).
/// </summary>
public class OnnxCliTests(GeneratedOnnxModels models) : IClassFixture<GeneratedOnnxModels>
{
    const string FerPlus = "neutral,happiness,surprise,sadness,anger,disgust,fear,contempt";

    [Fact]
    public void Classify_uses_an_onnx_model_and_its_eight_labels_or_a_colour_model_and_its_metadata()
    {
        var r = ProcessRunner.Cli(["classify", TestPaths.Photo("astronaut.png"), "--model", models.Path("ferplus_like_opset17.onnx"), "--labels", FerPlus,
            "--backend", "ilgpu-cpu", "--json"], timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        var face = JsonDocument.Parse(r.StandardOutput).RootElement.GetProperty("faces")[0];
        var probabilities = face.GetProperty("probabilities");
        Assert.Equal(FerPlus.Split(','), probabilities.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1.0, probabilities.EnumerateObject().Sum(p => p.Value.GetDouble()), 1e-4);

        r = ProcessRunner.Cli(["classify", TestPaths.Photo("astronaut.png"), "--model", models.Path("nhwc_opset21.onnx"), "--backend", "cpu", "--json"], timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        probabilities = JsonDocument.Parse(r.StandardOutput).RootElement.GetProperty("faces")[0].GetProperty("probabilities");
        Assert.Equal(["calm", "excited", "other"], probabilities.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Missing_labels_and_misplaced_options_are_one_clear_line()
    {
        var r = ProcessRunner.Cli(["classify", TestPaths.Photo("astronaut.png"), "--model", models.Path("ferplus_like_opset17.onnx"), "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.StandardError.Trim().Split('\n'));
        Assert.Contains("outputs 8 classes and its metadata names none; give them with --labels", r.StandardError);

        r = ProcessRunner.Cli(["classify", TestPaths.Photo("astronaut.png"), "--labels", "a,b", "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("apply to ONNX models", r.StandardError);

        r = ProcessRunner.Cli(["classify", TestPaths.Photo("astronaut.png"), "--model", models.Path("unsupported_op.onnx"), "--labels", "a,b", "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.StandardError.Trim().Split('\n'));
        Assert.Contains("op Erf (node 'y', opset 13)", r.StandardError);
    }

    /// <summary>A gray model with labels given on the command line, and a colour (BGR, NHWC) one whose metadata names its labels.</summary>
    [Theory]
    [InlineData("ferplus_like_opset17.onnx", FerPlus)]
    [InlineData("nhwc_opset21.onnx", null)]
    public void Analyze_records_carry_the_onnx_models_labels(string model, string? labels)
    {
        using var dir = TestPaths.NewTempFolder();
        Clips.SampleStart(dir.File("clip.mp4"), seconds: 2);
        string[] labelOptions = labels is null ? [] : ["--labels", labels];
        var r = ProcessRunner.Cli(["analyze", dir.File("clip.mp4"), "-o", dir.File("out.mp4"), "--model", models.Path(model), .. labelOptions, "--backend", "cpu"], timeoutSeconds: 180);
        Assert.True(r.ExitCode == 0, r.StandardError);
        var faces = File.ReadLines(dir.File("out.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.TryGetProperty("probabilities", out _)).ToList();
        Assert.True(faces.Count >= 50, $"{faces.Count} face records");
        string[] expected = (labels ?? "calm,excited,other").Split(',');
        Assert.All(faces, f => Assert.Equal(expected, f.GetProperty("probabilities").EnumerateObject().Select(p => p.Name)));
    }

    /// <summary>A colour model's faces cut on the device (ilgpu-cpu) give the host path's records, to a resize's rounding.</summary>
    [Fact]
    public void A_colour_model_cut_on_the_device_matches_the_host_crop()
    {
        using var dir = TestPaths.NewTempFolder();
        Clips.SampleStart(dir.File("clip.mp4"), seconds: 1);
        var records = new Dictionary<string, List<JsonElement>>();
        foreach (var backend in new[] { "cpu", "ilgpu-cpu" })
        {
            var r = ProcessRunner.Cli(["analyze", dir.File("clip.mp4"), "-o", dir.File($"{backend}.mp4"), "--model", models.Path("nhwc_opset21.onnx"), "--backend", backend, "--no-tracking"], timeoutSeconds: 180);
            Assert.True(r.ExitCode == 0, r.StandardError);
            records[backend] = File.ReadLines(dir.File($"{backend}.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.TryGetProperty("probabilities", out _)).ToList();
        }
        Assert.NotEmpty(records["cpu"]);
        Assert.Equal(records["cpu"].Count, records["ilgpu-cpu"].Count);
        foreach (var (host, device) in records["cpu"].Zip(records["ilgpu-cpu"]))
            foreach (var label in new[] { "calm", "excited", "other" })
                Assert.Equal(host.GetProperty("probabilities").GetProperty(label).GetDouble(), device.GetProperty("probabilities").GetProperty(label).GetDouble(), 0.02);
    }

    [Fact]
    public void Monitor_runs_a_colour_onnx_model()
    {
        using var dir = TestPaths.NewTempFolder();
        Clips.SampleStart(dir.File("clip.mp4"), seconds: 1);
        var r = ProcessRunner.Cli(["monitor", $"hall={dir.File("clip.mp4")}", "--model", models.Path("nhwc_opset21.onnx"), "--backend", "ilgpu-cpu",
            "--records", dir.File("records"), "--records-format", "csv", "--json"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.StandardError);
        var rows = File.ReadAllLines(Path.Combine(dir.File("records"), "hall.csv"));
        Assert.Contains(",p_calm,p_excited,p_other,", rows[0]);
        Assert.True(rows.Length > 1, "no face rows");
    }

    /// <summary>
    /// A model exported to ONNX and renamed with FER+'s words for the same classes evaluates exactly
    /// as the original: dataset classes are matched to the model's labels by name and synonym.
    /// </summary>
    [Fact]
    public void Evaluate_matches_dataset_classes_to_the_models_own_labels()
    {
        using var dir = TestPaths.NewTempFolder();
        File.WriteAllBytes(dir.File("bands.onnx"), OnnxExporter.Export(TestModels.Bands()));
        ModelFile.Save(TestModels.Bands(), dir.File("bands.vamodel"));
        (int Actual, int Predicted)[] pairs = [(0, 0), (1, 3), (2, 2), (3, 3), (3, 4), (6, 5), (6, 6), (4, 4), (5, 5)];
        string csv = Fer2013Files.Write(dir.File("tiny.csv"), pairs.Select(p => Fer2013Files.Row(p.Actual, TestModels.BandImage(p.Predicted), "PublicTest")));

        var native = ProcessRunner.Cli(["evaluate", dir.File("bands.vamodel"), csv, "-o", dir.File("native"), "--backend", "cpu"]);
        var imported = ProcessRunner.Cli(["evaluate", dir.File("bands.onnx"), csv, "-o", dir.File("onnx"), "--backend", "cpu",
            "--labels", "anger,disgust,fear,happiness,sadness,surprise,neutral"]);
        Assert.True(imported.ExitCode == 0, imported.StandardError);
        Assert.Contains("PublicTest: accuracy 66.67 % (6 of 9)", native.StandardOutput);
        Assert.Contains("PublicTest: accuracy 66.67 % (6 of 9)", imported.StandardOutput);
        string matrix = File.ReadAllText(dir.File("onnx/confusion-PublicTest.csv"));
        Assert.StartsWith("actual\\predicted,anger,disgust,fear,happiness,sadness,surprise,neutral\n", matrix);
        Assert.Equal(File.ReadAllText(dir.File("native/confusion-PublicTest.csv")).Split('\n').Skip(1).Select(l => l.Split(',', 2).Last()),
            matrix.Split('\n').Skip(1).Select(l => l.Split(',', 2).Last()));
    }
}
