using OpenCvSharp;
using VideoAffect.Classification;
using VideoAffect.Detection;
using VideoAffect.Inference;
using VideoAffect.Model;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>The pretrained model as setup installs it, and what it says about a real photo.</summary>
[Collection(Support.KernelSimulationCollection.Name)]
public class ModelTests
{
    [Fact]
    public void Pretrained_model_loads_as_the_mini_xception_graph()
    {
        var network = PretrainedModel.Load();
        Assert.Equal(new TensorShape(64, 64, 1), network.InputShape);
        Assert.Equal(EmotionLabels.Fer2013, network.Labels);
        long parameters = network.Layers.Sum(l => l switch
        {
            Conv2DLayer c => c.Weights.Length + c.Bias.Length,
            DepthwiseConv2DLayer d => d.Weights.Length,
            _ => 0,
        });
        // 205,127 float32 values in emotion.bin (820,516 bytes less the 2 int32 Mean axes).
        Assert.Equal(205_127, parameters);
        var ops = network.Layers.GroupBy(l => l.GetType().Name).ToDictionary(g => g.Key, g => g.Count());
        // 2 plain convs, 4 separable blocks (depthwise + pointwise), 2 residual 1x1 shortcuts, the 3x3 classifier conv.
        Assert.Equal(9, ops["Conv2DLayer"]);
        Assert.Equal(4, ops["DepthwiseConv2DLayer"]);
        Assert.Equal(2, ops["MaxPoolLayer"]);
        Assert.Equal(2, ops["AddLayer"]);
        // ~65.8 M multiply-adds per face (DESIGN.md §3).
        Assert.InRange(network.MultiplyAddsPerItem, 60_000_000, 70_000_000);
        Assert.IsType<SoftmaxLayer>(network.Layers[^1]);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void Astronaut_has_one_face_where_opencv_finds_it_and_it_is_happy(string backend)
    {
        using var engine = BackendFactory.Create(backend, PretrainedModel.Load(), 4);
        using var detector = new OpenCvHaarDetector(new DetectorOptions());
        using var classifier = new ImageClassifier(engine, detector);
        var result = classifier.Classify(TestPaths.Photo("astronaut.png"));

        var face = Assert.Single(result.Faces);
        Assert.True(face.Box.IntersectionOverUnion(new FaceBox(177, 66, 95, 95)) >= 0.9, $"face at {face.Box}");
        Assert.Equal("happy", face.Prediction.Label);
        Assert.True(face.Prediction.Confidence > 0.9, $"happy with p={face.Prediction.Confidence}");
        Assert.InRange(face.Prediction.Probabilities.Sum(), 0.9999, 1.0001);
    }

    [Fact]
    public void Photos_without_people_have_no_faces()
    {
        using var detector = new OpenCvHaarDetector(new DetectorOptions());
        foreach (var name in new[] { "chelsea.png", "coffee.png" })
        {
            using var image = Cv2.ImRead(TestPaths.Photo(name), ImreadModes.Grayscale);
            Assert.Empty(detector.Detect(image));
        }
    }
}
