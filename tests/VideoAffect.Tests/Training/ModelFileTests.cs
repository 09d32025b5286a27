using System.Security.Cryptography;
using System.Text;
using VideoAffect.Model;
using VideoAffect.Tests.Support;
using VideoAffect.Training;

namespace VideoAffect.Tests.Training;

/// <summary>The .vamodel format: exact round trips, and a clear ModelFormatException for every kind of bad file.</summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class ModelFileTests
{
    [Fact]
    public void The_seed_network_round_trips_bit_for_bit_with_its_training_state()
    {
        using var dir = TestPaths.NewTempFolder();
        var network = SeedNetwork.Create(seed: 9);
        Assert.Equal(2_345_607, SeedNetwork.ParameterCount(network));
        var random = new RandomData();
        var sizes = network.Layers.OfType<Conv2DLayer>().SelectMany(c => new[] { c.Weights.Length, c.Bias.Length }).ToArray();
        var moments = new AdamMoments(sizes.Select(n => random.Floats(n)).ToArray(), sizes.Select(n => random.Floats(n)).ToArray());
        var state = new TrainingState { CompletedEpochs = 3, BatchesIntoEpoch = 7, Steps = 1354, Seed = 4, BatchSize = 64, History = [new EpochMetrics(1, 1.5, 0.4, 1.4, 0.45, 400)] };
        ModelFile.Save(network, dir.File("m.vamodel"), new TrainingCheckpoint(state, moments));

        var (loaded, checkpoint) = ModelFile.Load(dir.File("m.vamodel"));
        Assert.Equal(network.Layers.Select(l => (l.GetType(), l.OutputShape)), loaded.Layers.Select(l => (l.GetType(), l.OutputShape)));
        Assert.Equal(network.Layers.OfType<DropoutLayer>().Select(d => d.Rate), loaded.Layers.OfType<DropoutLayer>().Select(d => d.Rate));
        Assert.Equal(network.Layers.OfType<Conv2DLayer>().Select(c => c.Relu), loaded.Layers.OfType<Conv2DLayer>().Select(c => c.Relu));
        Assert.Equal(network.Layers.OfType<Conv2DLayer>().SelectMany(c => c.Weights.Concat(c.Bias)), loaded.Layers.OfType<Conv2DLayer>().SelectMany(c => c.Weights.Concat(c.Bias)));
        Assert.Equal(EmotionLabels.Fer2013, loaded.Labels);
        Assert.Equal(state.Steps, checkpoint!.State.Steps);
        Assert.Equal(state.History, checkpoint.State.History);
        Assert.Equal(moments.Variance.SelectMany(v => v), checkpoint.Moments.Variance.SelectMany(v => v));
    }

    [Fact]
    public void Same_padding_and_strides_survive_the_round_trip()
    {
        using var dir = TestPaths.NewTempFolder();
        var network = new SequentialBuilder(new TensorShape(9, 7, 1)).Conv2D(4, 3, stride: 2, padding: VideoAffect.Kernels.Padding.Same)
            .MaxPool(3, 2, VideoAffect.Kernels.Padding.Same).Dense(7, relu: false).Softmax().Build(EmotionLabels.Fer2013, "t");
        ModelFile.Save(network, dir.File("m.vamodel"));
        var loaded = ModelFile.Load(dir.File("m.vamodel")).Network;
        var a = (Conv2DLayer)network.Layers[1];
        var b = (Conv2DLayer)loaded.Layers[1];
        Assert.Equal((a.Geometry.PadTop, a.Geometry.PadLeft, a.OutputShape), (b.Geometry.PadTop, b.Geometry.PadLeft, b.OutputShape));
        Assert.Equal(network.Layers[2].OutputShape, loaded.Layers[2].OutputShape);
    }

    /// <summary>A file with a valid checksum around the given header and payload: what a buggy writer could produce.</summary>
    static void WriteRaw(string path, string header, int floats)
    {
        var body = new MemoryStream();
        body.Write("VAMODEL1"u8);
        var json = Encoding.UTF8.GetBytes(header);
        body.Write(BitConverter.GetBytes(json.Length));
        body.Write(json);
        body.Write(new byte[floats * 4]);
        body.Write(SHA256.HashData(body.ToArray()));
        File.WriteAllBytes(path, body.ToArray());
    }

    const string Labels = "\"labels\":[\"angry\",\"disgust\",\"fear\",\"happy\",\"sad\",\"surprise\",\"neutral\"]";

    /// <summary>Headers a buggy writer could produce, by name (so test names stay readable).</summary>
    static string Header(string fault) => fault switch
    {
        "short-payload" or "long-payload" => "{\"input\":[4,4,1]," + Labels + ",\"layers\":[{\"type\":\"dense\",\"units\":7},{\"type\":\"softmax\"}]}",
        "unknown-layer" => "{\"input\":[4,4,1]," + Labels + ",\"layers\":[{\"type\":\"lstm\"}]}",
        "wrong-classes" => "{\"input\":[4,4,1]," + Labels + ",\"layers\":[{\"type\":\"dense\",\"units\":5},{\"type\":\"softmax\"}]}",
        "window-too-big" => "{\"input\":[4,4,1]," + Labels + ",\"layers\":[{\"type\":\"conv2d\",\"filters\":2,\"kernel\":9}]}",
        "bad-dropout" => "{\"input\":[4,4,1]," + Labels + ",\"layers\":[{\"type\":\"dropout\",\"rate\":1.5}]}",
        "two-axis-input" => "{\"input\":[4,4]," + Labels + ",\"layers\":[]}",
        "no-units" => "{\"input\":[4,4,1]," + Labels + ",\"layers\":[{\"type\":\"dense\"}]}",
        _ => "not json",
    };

    [Theory]
    [InlineData("short-payload", 100, "fewer parameters than its layers need")]
    [InlineData("long-payload", 200, "data after its parameters")]
    [InlineData("unknown-layer", 0, "unknown layer type 'lstm'")]
    [InlineData("wrong-classes", 85, "expected 7 classes")]
    [InlineData("window-too-big", 0, "malformed header")]
    [InlineData("bad-dropout", 0, "dropout rate 1.5 is not in [0, 1)")]
    [InlineData("two-axis-input", 0, "input shape must be height, width, channels")]
    [InlineData("no-units", 0, "lacks a positive 'units'")]
    [InlineData("not-json", 0, "malformed header")]
    public void A_well_sealed_but_wrong_file_is_named_with_its_fault(string kind, int floats, string fault)
    {
        using var dir = TestPaths.NewTempFolder();
        WriteRaw(dir.File("bad.vamodel"), Header(kind), floats);
        var e = Assert.ThrowsAny<ModelFormatException>(() => ModelFile.Load(dir.File("bad.vamodel")));
        Assert.Contains(fault, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Damaged_truncated_and_foreign_files_are_refused_by_analyze_in_one_line()
    {
        using var dir = TestPaths.NewTempFolder();
        ModelFile.Save(TestModels.Bands(), dir.File("good.vamodel"));
        var bytes = File.ReadAllBytes(dir.File("good.vamodel"));
        File.WriteAllBytes(dir.File("truncated.vamodel"), bytes[..(bytes.Length / 3)]);
        bytes[200] ^= 0x40;
        File.WriteAllBytes(dir.File("flipped.vamodel"), bytes);
        string clip = Clips.MovingFace(dir.File("in.mp4"), 2, audio: false);
        foreach (var (file, message) in new[]
        {
            ("truncated.vamodel", "truncated.vamodel is damaged or truncated (checksum mismatch)"),
            ("flipped.vamodel", "flipped.vamodel is damaged or truncated (checksum mismatch)"),
        })
        {
            var r = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("out.mp4"), "--model", dir.File(file), "--backend", "cpu"]);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal($"videoaffect: error: {message}", r.StandardError.Trim());
        }
    }
}
