using System.Text.Json.Nodes;
using VideoAffect.Model;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>Model files that are wrong in the ways users meet: each a ModelFormatException naming the problem.</summary>
public class ModelLoaderTests
{
    static (TempFolder Dir, string Json) CopyModel(Action<JsonObject>? editJson = null, Func<byte[], byte[]>? editWeights = null)
    {
        var dir = TestPaths.NewTempFolder();
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.ModelDirectory, "emotion.json")))!.AsObject();
        editJson?.Invoke(json);
        File.WriteAllText(dir.File("emotion.json"), json.ToJsonString());
        var weights = File.ReadAllBytes(Path.Combine(TestPaths.ModelDirectory, "emotion.bin"));
        File.WriteAllBytes(dir.File("emotion.bin"), editWeights?.Invoke(weights) ?? weights);
        return (dir, dir.File("emotion.json"));
    }

    [Fact]
    public void An_unknown_op_is_named_in_the_error()
    {
        var (dir, json) = CopyModel(j =>
        {
            var node = j["modelTopology"]!["node"]!.AsArray().First(n => (string?)n!["op"] == "Relu")!;
            node["op"] = "Elu";
        });
        using (dir)
        {
            var e = Assert.Throws<ModelFormatException>(() => TfjsGraphModelLoader.Load(json));
            Assert.Contains("op 'Elu'", e.Message);
        }
    }

    [Fact]
    public void Weights_of_the_wrong_length_are_rejected()
    {
        var (dir, json) = CopyModel(editWeights: w => w[..^40]);
        using (dir)
        {
            var e = Assert.Throws<ModelFormatException>(() => TfjsGraphModelLoader.Load(json));
            Assert.Contains("820476 bytes but the model expects 820516", e.Message);
        }
    }

    [Fact]
    public void A_missing_weights_file_is_named()
    {
        var (dir, json) = CopyModel();
        using (dir)
        {
            File.Delete(dir.File("emotion.bin"));
            var e = Assert.Throws<ModelFormatException>(() => TfjsGraphModelLoader.Load(json));
            Assert.Contains("emotion.bin", e.Message);
        }
    }

    [Fact]
    public void Json_that_is_not_a_model_is_rejected()
    {
        using var dir = TestPaths.NewTempFolder();
        File.WriteAllText(dir.File("m.json"), "{\"hello\": 1}");
        Assert.Throws<ModelFormatException>(() => TfjsGraphModelLoader.Load(dir.File("m.json")));
        File.WriteAllText(dir.File("broken.json"), "{\"modelTopology\": ");
        Assert.Contains("is not valid JSON", Assert.Throws<ModelFormatException>(() => TfjsGraphModelLoader.Load(dir.File("broken.json"))).Message);
        // With a byte order mark and white space it is still read as JSON.
        File.WriteAllText(dir.File("bom.json"), " \n{\"hello\": 1}", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.DoesNotContain("none of the models", Assert.Throws<ModelFormatException>(() => TfjsGraphModelLoader.Load(dir.File("bom.json"))).Message);
    }

    [Fact]
    public void A_file_that_is_no_json_is_said_to_be_no_model_without_being_read_whole()
    {
        // A video given as --model: before 0.26.5 read whole into memory, then "is not valid JSON ('0x00' is an invalid start of a value ...)".
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("talk.mp4"), 3, audio: false);
        var e = Assert.Throws<ModelFormatException>(() => PretrainedModel.Load(clip));
        Assert.Equal($"model file '{clip}' is none of the models VideoAffect reads: a .vamodel from videoaffect train, an ONNX classifier (.onnx) or a TF.js graph model (its model.json)", e.Message);
    }

    [Fact]
    public void A_model_passed_by_path_loads_without_the_cache()
    {
        var (dir, json) = CopyModel();
        using (dir)
        {
            var network = PretrainedModel.Load(json);
            Assert.Equal(7, network.ClassCount);
        }
    }
}
