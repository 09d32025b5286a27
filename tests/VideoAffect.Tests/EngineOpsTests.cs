using OpenCvSharp;
using OpenCvSharp.Dnn;
using VideoAffect.Detection.BlazeFace;
using VideoAffect.Inference;
using VideoAffect.Kernels;
using VideoAffect.Model.Onnx;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Support.ReferenceOps;

namespace VideoAffect.Tests;

/// <summary>
/// The engine's graph features: the ops BlazeFace added (Pad, Reshape) against the float64
/// reference on both portable backends, several named outputs from one pass, the refusal of an op
/// a backend lacks, and the ONNX mapping of a whole multi-output graph run by OpenCV's DNN module.
/// </summary>
[Collection(Support.KernelSimulationCollection.Name)]
public class EngineOpsTests
{
    const double Tolerance = 1e-4;

    [Theory]
    [InlineData("cpu", 5, 4, 3, 0, 0, 0, 0, 0, 5, 1)]        // BlazeFace: channels widened at the back
    [InlineData("cpu", 3, 6, 2, 1, 2, 0, 3, 1, 1, 4)]
    [InlineData("ilgpu-cpu", 5, 4, 3, 0, 0, 0, 0, 0, 5, 1)]
    [InlineData("ilgpu-cpu", 3, 6, 2, 1, 2, 0, 3, 1, 1, 4)]
    public void Pad_matches_float64_reference(string backend, int h, int w, int c, int top, int bottom, int left, int right, int front, int back, int batch)
    {
        var rnd = new RandomData();
        var shape = new TensorShape(h, w, c);
        var input = rnd.Floats(batch * shape.Size);
        var network = Backends.Wrap(shape, _ => new PadLayer("pad", 0, PadLayer.Around(shape, (top, bottom), (left, right), (front, back))));
        var expected = Pad(new Tensor(input.Select(v => (double)v).ToArray(), batch, h, w, c), top, bottom, left, right, front, back);
        var actual = Backends.Run(backend, network, input, batch);
        Assert.Equal(expected.Data.Length, actual.Length);
        Assert.True(RelativeError(actual, expected.Data) <= Tolerance, $"pad on {backend} (seed {rnd.Seed})");
    }

    /// <summary>
    /// A convolution that adds a shortcut before its ReLU (the loader's conv + AddV2 + Relu fusion):
    /// channel counts that fill the SIMD blocks (48), leave a half block (24), or need the wide
    /// buffer (20, 7), with and without ReLU.
    /// </summary>
    [Theory]
    [InlineData("cpu", 24, 1, true, 3)]
    [InlineData("cpu", 48, 1, true, 2)]
    [InlineData("cpu", 20, 3, false, 2)]
    [InlineData("cpu", 7, 1, true, 5)]
    [InlineData("cpu", 40, 1, true, 2)]
    [InlineData("cpu", 96, 1, true, 2)]
    [InlineData("cpu-avx2", 24, 1, true, 3)]
    [InlineData("cpu-avx2", 40, 3, false, 2)]
    [InlineData("ilgpu-cpu", 24, 1, true, 3)]
    [InlineData("ilgpu-cpu", 20, 3, false, 2)]
    public void Convolution_with_a_residual_matches_float64_reference(string backend, int channels, int k, bool relu, int batch)
    {
        var rnd = new RandomData();
        var shape = new TensorShape(9, 7, channels);
        var g = new WindowGeometry(9, 7, channels, channels, k, k, 1, 1, Padding.Same);
        var weights = rnd.Floats(k * k * channels * channels, 0.3f);
        var bias = rnd.Floats(channels);
        var network = Backends.Wrap(shape, _ => new Conv2DLayer("block", 0, g, weights, bias, relu, residual: 0));
        var input = rnd.Floats(batch * shape.Size);
        var x = new Tensor(input.Select(v => (double)v).ToArray(), batch, 9, 7, channels);
        var expected = Add(Conv2D(x, weights, bias, k, k, channels, 1, true, relu: false), x, relu);
        var actual = Backends.Run(backend, network, input, batch);
        Assert.True(RelativeError(actual, expected.Data) <= Tolerance, $"conv+residual {channels}ch k{k} relu={relu} on {backend} (seed {rnd.Seed})");
    }

    /// <summary>
    /// The managed path runs a depthwise convolution and the pointwise one that alone reads it as
    /// one step, band by band (BlazeFace's blocks): the result is the float64 reference's, with
    /// bands that do not divide the rows, a residual, 256- and 512-bit depthwise vectors, stride 2.
    /// </summary>
    [Theory]
    [InlineData("cpu", 19, 40, 24, 1, true, 3)]      // 8 rows per band: bands of 8, 8 and 3
    [InlineData("cpu-avx2", 19, 40, 24, 1, true, 2)]
    [InlineData("cpu", 20, 21, 48, 2, false, 2)]     // stride 2, 512-bit depthwise, no residual
    public void A_depthwise_and_its_pointwise_successor_run_fused_and_match_float64_reference(string backend, int h, int w, int channels, int stride, bool residual, int batch)
    {
        var rnd = new RandomData();
        var shape = new TensorShape(h, w, channels);
        var dwGeometry = new WindowGeometry(h, w, channels, channels, 3, 3, stride, stride, Padding.Same);
        int cout = residual ? channels : 32;
        var pwGeometry = new WindowGeometry(dwGeometry.OutHeight, dwGeometry.OutWidth, channels, cout, 1, 1, 1, 1, Padding.Same);
        var (dwWeights, dwBias) = (rnd.Floats(9 * channels, 0.5f), rnd.Floats(channels));
        var (pwWeights, pwBias) = (rnd.Floats(channels * cout, 0.3f), rnd.Floats(cout));
        var layers = new List<Layer>
        {
            new InputLayer("input", shape),
            new DepthwiseConv2DLayer("dw", 0, dwGeometry, dwWeights, dwBias, relu: false),
            new Conv2DLayer("pw", 1, pwGeometry, pwWeights, pwBias, relu: true, residual: residual ? 0 : null),
        };
        var network = new Network(layers, Enumerable.Range(0, layers[^1].OutputShape.Size).Select(i => $"v{i}").ToList(), "separable");
        var input = rnd.Floats(batch * shape.Size);

        var x = new Tensor(input.Select(v => (double)v).ToArray(), batch, h, w, channels);
        var depthwise = Depthwise(x, dwWeights, dwBias, 3, 3, stride, true, relu: false);
        var expected = residual
            ? Add(Conv2D(depthwise, pwWeights, pwBias, 1, 1, cout, 1, true, relu: false), x, relu: true)
            : Conv2D(depthwise, pwWeights, pwBias, 1, 1, cout, 1, true, relu: true);
        using var engine = (VideoAffect.Inference.Managed.ManagedCpuBackend)Backends.Create(backend, network, batch);
        var actual = new float[batch * network.ClassCount];
        engine.Run(input, batch, actual);
        Assert.Empty(engine.ReadActivation(1, batch)); // the depthwise output was never written out: the pair ran fused
        Assert.True(RelativeError(actual, expected.Data) <= Tolerance, $"depthwise+pointwise {h}x{w}x{channels} s{stride} on {backend} (seed {rnd.Seed})");
    }

    /// <summary>conv -> pad, and conv -> reshape to [anchors, values]: two outputs of one pass.</summary>
    static Network TwoOutputs(RandomData rnd)
    {
        var shape = new TensorShape(6, 4, 3);
        var g = new WindowGeometry(6, 4, 3, 4, 3, 3, 2, 2, Padding.Same);
        var layers = new List<Layer>
        {
            new InputLayer("input", shape),
            new Conv2DLayer("conv", 0, g, rnd.Floats(3 * 3 * 3 * 4, 0.5f), rnd.Floats(4), relu: true),
        };
        var convShape = layers[1].OutputShape;
        layers.Add(new ReshapeLayer("reshape", 1, convShape, new TensorShape(convShape.Height * convShape.Width * 2, 2)));
        layers.Add(new PadLayer("pad", 1, PadLayer.Around(convShape, (0, 0), (0, 0), (0, 4))));
        return new Network(layers, [new NetworkOutput("anchors", 2), new NetworkOutput("padded", 3)], [], "two-outputs");
    }

    [Theory]
    [MemberData(nameof(Backends.Portable), MemberType = typeof(Backends))]
    public void One_pass_fills_every_named_output(string backend)
    {
        var rnd = new RandomData();
        var network = TwoOutputs(rnd);
        const int batch = 5;
        var input = rnd.Floats(batch * network.InputShape.Size);
        var expected = ReferenceNetwork.RunAll(network, input, batch);
        using var engine = BackendFactory.Create(backend, network, maxBatch: 2); // split batches too
        var outputs = network.Outputs.Select((_, k) => new float[batch * network.OutputShape(k).Size]).ToArray();
        engine.Run(input, batch, outputs);
        for (int k = 0; k < outputs.Length; k++)
            Assert.True(RelativeError(outputs[k], expected[k]) <= Tolerance, $"output {network.Outputs[k].Name} on {backend} (seed {rnd.Seed})");
        Assert.Equal(new TensorShape(12, 2), network.OutputShape(0)); // a 3x2x4 activation as 12 anchors x 2 values
        Assert.Equal(1, network.OutputIndex("padded"));
    }

    /// <summary>An op with no implementation anywhere: every backend refuses it when it compiles the network.</summary>
    sealed class UnknownLayer(int input, TensorShape shape) : Layer("mystery", [input], shape);

    [Theory]
    [MemberData(nameof(Backends.Portable), MemberType = typeof(Backends))]
    public void A_backend_refuses_an_op_it_has_no_implementation_of_when_the_model_loads(string backend)
    {
        var shape = new TensorShape(2, 2, 1);
        var network = Backends.Wrap(shape, _ => new UnknownLayer(0, shape));
        var e = Assert.Throws<UnsupportedOpException>(() => BackendFactory.Create(backend, network, 1));
        Assert.Equal($"op Unknown ('mystery') has no implementation on the {backend} backend", e.Message);
        var onnx = Assert.Throws<ModelFormatException>(() => OnnxExporter.Export(network));
        Assert.Contains("op Unknown ('mystery') has no ONNX mapping", onnx.Message);
    }

    /// <summary>
    /// BlazeFace exported to ONNX (Pad on channels, NHWC reshapes into anchor tables, four named
    /// outputs) and run by OpenCV's DNN module gives our engine's outputs: an independent check of
    /// every op's ONNX mapping on a real graph.
    /// </summary>
    [Fact]
    public unsafe void BlazeFace_exported_to_ONNX_runs_in_OpenCV_DNN_with_our_outputs()
    {
        var network = BlazeFaceModel.Load();
        var input = BlazeFace.BlazeFaceGraphTests.LetterboxedPhotos(network, ["astronaut.png"]);
        using var cpu = BackendFactory.Create("cpu", network, 1);
        var ours = network.Outputs.Select((_, k) => new float[network.OutputShape(k).Size]).ToArray();
        cpu.Run(input, 1, ours);

        using var net = CvDnn.ReadNetFromOnnx(OnnxExporter.Export(network))!;
        net.SetPreferableBackend(Backend.OPENCV);
        var s = network.InputShape;
        using var blob = new Mat([1, s.Channels, s.Height, s.Width], MatType.CV_32F);
        var nchw = new Span<float>((void*)blob.Data, s.Size);
        for (int y = 0; y < s.Height; y++)
            for (int x = 0; x < s.Width; x++)
                for (int c = 0; c < s.Channels; c++)
                    nchw[(c * s.Height + y) * s.Width + x] = input[(y * s.Width + x) * s.Channels + c];
        net.SetInput(blob, "input");
        var names = network.Outputs.Select(o => o.Name).ToArray();
        var results = names.Select(_ => new Mat()).ToArray();
        net.Forward(results, names);
        for (int k = 0; k < names.Length; k++)
        {
            using var result = results[k];
            var theirs = new ReadOnlySpan<float>((void*)result.Data, (int)result.Total());
            Assert.Equal(ours[k].Length, theirs.Length);
            double scale = Math.Max(1, ours[k].Max(v => Math.Abs(v)));
            double error = 0;
            for (int i = 0; i < theirs.Length; i++) error = Math.Max(error, Math.Abs(theirs[i] - ours[k][i]) / scale);
            Assert.True(error <= Tolerance, $"ONNX output {names[k]}: max error {error:E2} of its scale {scale:F1}");
        }
    }
}
