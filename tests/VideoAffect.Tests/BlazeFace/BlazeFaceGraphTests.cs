using OpenCvSharp;
using VideoAffect.Detection.BlazeFace;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.BlazeFace;

/// <summary>
/// The whole BlazeFace graph on our engine against TF.js itself: its four raw outputs (scores and
/// regressors at both strides) for real photos, letterboxed as the detector feeds them, on the
/// managed CPU path and on our kernels on ILGPU's CPU accelerator.
/// </summary>
[Collection(Support.KernelSimulationCollection.Name)]
public class BlazeFaceGraphTests
{
    const double Tolerance = 1e-4;
    static readonly string[] Photos = ["astronaut.png", "faces/sample1.jpg", "chelsea.png"];
    static readonly Lazy<(Network Network, float[] Input, float[][] Expected)> Reference = new(() =>
    {
        var network = BlazeFaceModel.Load();
        var input = LetterboxedPhotos(network, Photos);
        var expected = TfjsReference.Run(Path.Combine(TestPaths.ModelDirectory, BlazeFaceModel.JsonFile), input, Photos.Length,
            network.Outputs.Select(o => o.Name).ToList());
        return (network, input, expected);
    });

    internal static unsafe float[] LetterboxedPhotos(Network network, IReadOnlyList<string> photos)
    {
        int size = network.InputShape.Size;
        var input = new float[photos.Count * size];
        using var letterbox = new LetterboxImage();
        for (int i = 0; i < photos.Count; i++)
        {
            using var photo = Cv2.ImRead(TestPaths.Photo(photos[i]), ImreadModes.Color);
            letterbox.Fill(new ReadOnlySpan<byte>((void*)photo.Data, photo.Width * photo.Height * 3), photo.Width, photo.Height,
                network.Input, input.AsSpan(i * size, size));
        }
        return input;
    }

    [Theory]
    [MemberData(nameof(Backends.Portable), MemberType = typeof(Backends))]
    public void Four_raw_outputs_match_TFjs_on_real_photos(string backend)
    {
        var (network, input, all) = Reference.Value;
        // ILGPU's CPU accelerator simulates GPU threads (about 35 s a frame here): the first photo only.
        int items = backend == "ilgpu-cpu" ? 1 : Photos.Length;
        var expected = all.Select((e, k) => e[..(items * network.OutputShape(k).Size)]).ToArray();
        using var engine = Inference.BackendFactory.Create(backend, network, items);
        var actual = network.Outputs.Select((_, k) => new float[items * network.OutputShape(k).Size]).ToArray();
        engine.Run(input.AsSpan(0, items * network.InputShape.Size), items, actual);
        for (int k = 0; k < actual.Length; k++)
        {
            Assert.Equal(expected[k].Length, actual[k].Length);
            // Errors relative to the output's own scale: logits and pixel offsets reach tens to hundreds.
            double scale = Math.Max(1.0, expected[k].Max(v => Math.Abs((double)v)));
            double error = actual[k].Zip(expected[k], (a, e) => Math.Abs((double)a - e)).Max() / scale;
            Assert.True(error <= Tolerance, $"output {network.Outputs[k].Name} {network.OutputShape(k)} on {backend}: max error {error:E2} of its scale {scale:F1} > {Tolerance:E0}");
        }
        // The reference is not trivial: the astronaut's face gives confident anchors (a logit of 1.98 here: score 0.88).
        float best = new[] { 0, 1 }.Max(k => all[k].Take(network.OutputShape(k).Size).Max());
        Assert.True(best > 1f, $"no confident anchor on the astronaut (best logit {best}, a score of 0.73 is 1)");
    }

    [Fact]
    public void The_graph_has_BlazeFace_s_shape_and_cost()
    {
        var network = Reference.Value.Network;
        Assert.Equal(new TensorShape(256, 256, 3), network.InputShape);
        Assert.Equal(PixelOrder.Rgb, network.Input.Pixels);
        Assert.Equal(["[512,1]", "[384,1]", "[512,16]", "[384,16]"], Enumerable.Range(0, 4).Select(k => $"[{string.Join(",", network.OutputShape(k).Dims)}]"));
        Assert.InRange(network.MultiplyAddsPerItem, 150_000_000, 250_000_000);
    }
}
