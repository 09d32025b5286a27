using VideoAffect.Kernels;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Support.ReferenceOps;

namespace VideoAffect.Tests;

/// <summary>
/// The ops ONNX import added to the engine (AveragePool, the activations, broadcast arithmetic,
/// ScaleShift, Concat, the channels-first flatten and its inverse) against the float64 reference on
/// both portable backends. Whole imported graphs are checked against ONNX Runtime in OnnxImportTests.
/// </summary>
[Collection(Support.KernelSimulationCollection.Name)]
public class ImportedOpsTests
{
    const double Tolerance = 1e-5;

    static Tensor AsTensor(float[] values, int n, TensorShape s) =>
        new(values.Select(v => (double)v).ToArray(), n, s.IsImage ? s.Height : 1, s.IsImage ? s.Width : 1, s.IsImage ? s.Channels : s.Size);

    /// <summary>The network's output on <paramref name="backend"/> against the reference: the largest difference relative to the reference's scale.</summary>
    static double ErrorOf(string backend, Network network, float[] input, int batch, Tensor expected) =>
        RelativeError(Backends.Run(backend, network, input, batch), expected.Data);

    [Theory]
    [InlineData("cpu", 2, 3, 1, 2, 1, 1, 0, 1, false, false)]
    [InlineData("cpu", 3, 3, 1, 1, 1, 1, 1, 1, false, true)]
    [InlineData("cpu", 2, 2, 2, 2, 0, 0, 0, 0, true, false)]
    [InlineData("cpu", 3, 2, 2, 3, 1, 0, 1, 2, true, true)]
    [InlineData("ilgpu-cpu", 2, 3, 1, 2, 1, 1, 0, 1, false, false)]
    [InlineData("ilgpu-cpu", 3, 3, 1, 1, 1, 1, 1, 1, false, true)]
    [InlineData("ilgpu-cpu", 2, 2, 2, 2, 0, 0, 0, 0, true, false)]
    public void AveragePool_matches_float64_reference(string backend, int kh, int kw, int sy, int sx, int pt, int pl, int pb, int pr, bool ceil, bool countPad)
    {
        var rnd = new RandomData();
        var shape = new TensorShape(9, 11, 5);
        var g = WindowGeometry.Explicit(9, 11, 5, 5, kh, kw, sy, sx, pt, pl, pb, pr, ceil);
        var network = Backends.Wrap(shape, _ => new AveragePoolLayer("pool", 0, g, new AveragePoolDivisor(countPad, pb, pr)));
        var input = rnd.Floats(2 * shape.Size);
        var expected = AveragePool(AsTensor(input, 2, shape), kh, kw, sy, sx, pt, pl, pb, pr, ceil, countPad);
        Assert.Equal((expected.H, expected.W), (g.OutHeight, g.OutWidth));
        Assert.True(ErrorOf(backend, network, input, 2, expected) <= Tolerance, $"average pool on {backend} (seed {rnd.Seed})");
    }

    public static TheoryData<string, string> Activations()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in new[] { "cpu", "ilgpu-cpu" })
            foreach (var kind in new[] { "leaky", "sigmoid", "tanh", "clip", "clip-low", "hardsigmoid", "hardswish", "elu" })
                data.Add(backend, kind);
        return data;
    }

    [Theory]
    [MemberData(nameof(Activations))]
    public void Activations_match_float64_reference(string backend, string kind)
    {
        var rnd = new RandomData();
        var shape = new TensorShape(4, 5, 6);
        var (activation, reference) = kind switch
        {
            "leaky" => (new Activation(ActivationKind.LeakyRelu, alpha: 0.15f), (Func<double, double>)(v => v < 0 ? v * (double)0.15f : v)),
            "sigmoid" => (new Activation(ActivationKind.Sigmoid), v => 1 / (1 + Math.Exp(-v))),
            "tanh" => (new Activation(ActivationKind.Tanh), Math.Tanh),
            "clip" => (new Activation(ActivationKind.Clip, min: -0.25f, max: 0.5f), v => Math.Clamp(v, -0.25, 0.5)),
            "hardsigmoid" => (Activation.HardSigmoidOf(0.3f, 0.4f), v => Math.Clamp((double)0.3f * v + (double)0.4f, 0, 1)),
            "hardswish" => (new Activation(ActivationKind.HardSwish), v => v * Math.Clamp(v / 6 + 0.5, 0, 1)),
            "elu" => (new Activation(ActivationKind.Elu, alpha: 0.7f), v => v < 0 ? (double)0.7f * (Math.Exp(v) - 1) : v),
            _ => (new Activation(ActivationKind.Clip, min: 0f), v => Math.Max(v, 0)),
        };
        var network = Backends.Wrap(shape, _ => new ActivationLayer("act", 0, shape, activation));
        var input = rnd.Floats(3 * shape.Size, 4f);
        Assert.True(ErrorOf(backend, network, input, 3, Map(AsTensor(input, 3, shape), reference)) <= Tolerance, $"{kind} on {backend} (seed {rnd.Seed})");
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void PRelu_matches_float64_reference(string backend)
    {
        var rnd = new RandomData();
        var shape = new TensorShape(3, 4, 5);
        var slopes = rnd.Floats(5, 0.5f);
        var network = Backends.Wrap(shape, _ => new PReluLayer("prelu", 0, shape, slopes));
        var input = rnd.Floats(2 * shape.Size);
        var x = AsTensor(input, 2, shape);
        var expected = x with { Data = x.Data.Select((v, i) => v >= 0 ? v : v * slopes[i % 5]).ToArray() };
        Assert.True(ErrorOf(backend, network, input, 2, expected) <= Tolerance, $"prelu on {backend} (seed {rnd.Seed})");
    }

    // The op by name: BinaryOp is internal to the kernels, and a public test cannot take it.
    public static TheoryData<string, string, string> BinaryCases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var backend in new[] { "cpu", "ilgpu-cpu" })
            foreach (var op in Enum.GetValues<BinaryOp>())
                foreach (var form in new[] { "same", "channel", "item", "channel-first" })
                    data.Add(backend, op.ToString(), form);
        return data;
    }

    /// <summary>input op f(input), where f gives the same shape (a 1x1 conv), one value per channel (a global average) or one per item.</summary>
    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void Broadcast_arithmetic_matches_float64_reference(string backend, string opName, string form)
    {
        var op = Enum.Parse<BinaryOp>(opName);
        var rnd = new RandomData();
        var shape = new TensorShape(5, 4, 3);
        int outChannels = form == "item" ? 1 : 3;
        var weights = rnd.Floats(3 * outChannels, 0.5f);
        var bias = rnd.Floats(outChannels).Select(v => v + 3f).ToArray(); // keeps divisors away from zero
        var layers = new List<Layer> { new InputLayer("input", shape), new Conv2DLayer("conv", 0, new WindowGeometry(5, 4, 3, outChannels, 1, 1, 1, 1, Padding.Valid), weights, bias, relu: false) };
        if (form != "same") layers.Add(new GlobalAveragePoolLayer("pool", 1, layers[1].OutputShape));
        int other = layers.Count - 1;
        bool otherFirst = form == "channel-first";
        layers.Add(otherFirst
            ? new BinaryLayer("op", op, other, layers[other].OutputShape, 0, shape)
            : new BinaryLayer("op", op, 0, shape, other, layers[other].OutputShape));
        var network = new Network(layers, Enumerable.Range(0, shape.Size).Select(i => $"v{i}").ToList(), "binary");
        var input = rnd.Floats(2 * shape.Size);
        var x = AsTensor(input, 2, shape);
        var f = Conv2D(x, weights, bias, 1, 1, outChannels, 1, same: false, relu: false);
        if (form != "same") f = GlobalAveragePool(f);
        Func<double, double, double> apply = op switch { BinaryOp.Add => (a, b) => a + b, BinaryOp.Sub => (a, b) => a - b, BinaryOp.Mul => (a, b) => a * b, _ => (a, b) => a / b };
        var expected = otherFirst ? Broadcast(f, x, apply) : Broadcast(x, f, apply);
        Assert.True(ErrorOf(backend, network, input, 2, expected) <= Tolerance, $"{op} {form} on {backend} (seed {rnd.Seed})");
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void ScaleShift_and_concat_match_float64_reference(string backend)
    {
        var rnd = new RandomData();
        var shape = new TensorShape(3, 5, 4);
        var (scale, shift) = (rnd.Floats(4), rnd.Floats(4));
        var weights = rnd.Floats(4 * 2, 0.5f);
        var bias = rnd.Floats(2);
        var layers = new List<Layer>
        {
            new InputLayer("input", shape),
            new ScaleShiftLayer("affine", 0, shape, scale, shift),
            new Conv2DLayer("conv", 0, new WindowGeometry(3, 5, 4, 2, 1, 1, 1, 1, Padding.Valid), weights, bias, relu: false),
        };
        layers.Add(new ConcatLayer("concat", [1, 2, 0], [shape, layers[2].OutputShape, shape]));
        var network = new Network(layers, Enumerable.Range(0, layers[^1].OutputShape.Size).Select(i => $"v{i}").ToList(), "concat");
        var input = rnd.Floats(3 * shape.Size);
        var x = AsTensor(input, 3, shape);
        var expected = Concat(ScaleShift(x, scale, shift), Conv2D(x, weights, bias, 1, 1, 2, 1, same: false, relu: false), x);
        Assert.True(ErrorOf(backend, network, input, 3, expected) <= Tolerance, $"scale-shift + concat on {backend} (seed {rnd.Seed})");
    }

    /// <summary>Flattened channel by channel, then read back as an image of another shape (ONNX's Reshape across image axes).</summary>
    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void Channels_first_flatten_and_unflatten_match_float64_reference(string backend)
    {
        var rnd = new RandomData();
        var shape = new TensorShape(4, 3, 5);
        var image = new TensorShape(6, 5, 2);
        var layers = new List<Layer> { new InputLayer("input", shape), new ChannelOrderLayer("flatten", 0, shape, toChannelsFirst: true) };
        layers.Add(new ChannelOrderLayer("unflatten", 1, image, toChannelsFirst: false));
        var network = new Network(layers, [new NetworkOutput("flat", 1), new NetworkOutput("image", 2)], [], "layout");
        var input = rnd.Floats(2 * shape.Size);
        var flat = FlattenChannelsFirst(AsTensor(input, 2, shape));
        var back = UnflattenChannelsFirst(flat, 6, 5, 2);
        using var engine = VideoAffect.Inference.BackendFactory.Create(backend, network, 2);
        var outputs = new[] { new float[2 * shape.Size], new float[2 * image.Size] };
        engine.Run(input, 2, outputs);
        Assert.True(RelativeError(outputs[0], flat.Data) == 0, $"flatten on {backend}");
        Assert.True(RelativeError(outputs[1], back.Data) == 0, $"unflatten on {backend}");
    }
}
