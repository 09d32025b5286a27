using VideoAffect.Kernels;
using VideoAffect.Model;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Support.ReferenceOps;

namespace VideoAffect.Tests;

/// <summary>
/// Every layer type, on both the managed CPU path and our ILGPU kernels (CPU accelerator), against
/// the float64 reference on fresh random inputs: odd sizes, both paddings, strides 1 and 2, batches 1…64.
/// </summary>
[Collection(Support.KernelSimulationCollection.Name)]
public class LayerTests
{
    const double Tolerance = 1e-4;

    static void AssertClose(float[] actual, Tensor expected, int seed, string what)
    {
        double error = RelativeError(actual, expected.Data);
        Assert.True(error <= Tolerance, $"{what}: relative error {error:E2} > {Tolerance:E0} (seed {seed})");
    }

    static Tensor AsTensor(float[] data, int n, TensorShape s) => new(data.Select(v => (double)v).ToArray(), n, s.Height, s.Width, s.Channels);

    public static TheoryData<string, int, int, int, int, int, int, bool, bool, int> ConvCases()
    {
        var cases = new TheoryData<string, int, int, int, int, int, int, bool, bool, int>();
        foreach (var backend in new[] { "cpu", "cpu-avx2", "ilgpu-cpu" })
        {
            // backend, h, w, cin, cout, k, stride, same, relu, batch
            cases.Add(backend, 7, 9, 3, 5, 3, 1, true, true, 1);
            cases.Add(backend, 8, 8, 4, 7, 3, 2, true, false, 7);     // even input, stride 2: TF's asymmetric SAME pad
            cases.Add(backend, 9, 7, 2, 3, 3, 2, false, true, 2);
            cases.Add(backend, 5, 6, 16, 9, 1, 2, true, false, 3);    // 1x1 stride 2 (the residual shortcuts)
            cases.Add(backend, 6, 5, 3, 4, 5, 1, true, true, 1);
            cases.Add(backend, 11, 10, 1, 32, 3, 2, false, true, 2);  // like the model's first layer
            cases.Add(backend, 4, 4, 8, 16, 3, 1, true, true, 64);
            cases.Add(backend, 5, 7, 37, 19, 1, 1, true, true, 3);   // 1x1 with odd channel counts
            cases.Add(backend, 6, 9, 5, 40, 1, 1, true, true, 3);    // blocks of 3 vectors, the last one 2/3 inside the channels
            cases.Add(backend, 5, 6, 7, 96, 3, 1, true, false, 2);   // BlazeFace's widest layers: whole blocks of 3 vectors
            cases.Add(backend, 9, 11, 3, 24, 5, 2, true, true, 2);   // BlazeFace's stem: 24 channels, pairs of pixels in 512 bits, 30 pixels (a tail of 6)
            cases.Add(backend, 6, 11, 24, 24, 1, 1, true, false, 3); // 24 -> 24 pointwise, 66 pixels (a tail of 2)
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2D_matches_float64_reference(string backend, int h, int w, int cin, int cout, int k, int stride, bool same, bool relu, int batch)
    {
        var rnd = new RandomData();
        var weights = rnd.Floats(k * k * cin * cout, 0.5f);
        var bias = rnd.Floats(cout);
        var input = rnd.Floats(batch * h * w * cin);
        var g = new WindowGeometry(h, w, cin, cout, k, k, stride, stride, same ? Padding.Same : Padding.Valid);
        var network = Backends.Wrap(new TensorShape(h, w, cin), _ => new Conv2DLayer("conv", 0, g, weights, bias, relu));

        var expected = Conv2D(AsTensor(input, batch, new TensorShape(h, w, cin)), weights, bias, k, k, cout, stride, same, relu);
        Assert.Equal((expected.H, expected.W), (g.OutHeight, g.OutWidth));
        AssertClose(Backends.Run(backend, network, input, batch), expected, rnd.Seed, $"conv {h}x{w}x{cin}->{cout} k{k} s{stride} {(same ? "SAME" : "VALID")} on {backend}");
    }

    [Theory]
    [InlineData("cpu", 1, false)]
    [InlineData("cpu", 7, true)]
    [InlineData("cpu", 64, true)]
    [InlineData("ilgpu-cpu", 1, false)]
    [InlineData("ilgpu-cpu", 7, true)]
    [InlineData("ilgpu-cpu", 64, true)]
    public void Dense_on_a_flattened_tensor_matches_float64_reference(string backend, int batch, bool relu)
    {
        var rnd = new RandomData();
        var shape = new TensorShape(3, 5, 7); // flattened in NHWC order: 105 inputs
        const int units = 13;
        var weights = rnd.Floats(shape.Size * units, 0.3f);
        var bias = rnd.Floats(units);
        var input = rnd.Floats(batch * shape.Size);
        var network = Backends.Wrap(shape, _ => new DenseLayer("dense", 0, shape.Size, units, weights, bias, relu));

        var expected = new double[batch * units];
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < units; o++)
            {
                double sum = bias[o];
                for (int i = 0; i < shape.Size; i++) sum += (double)input[n * shape.Size + i] * weights[i * units + o];
                expected[n * units + o] = relu ? Math.Max(0, sum) : sum;
            }
        AssertClose(Backends.Run(backend, network, input, batch), new Tensor(expected, batch, 1, 1, units), rnd.Seed, $"dense {shape.Size}->{units} on {backend}");
    }

    [Theory]
    [InlineData("cpu", 7, 9, 5, 3, 1, true, 1)]
    [InlineData("cpu", 8, 8, 16, 3, 2, true, 7)]
    [InlineData("cpu", 9, 7, 3, 3, 1, false, 2)]
    [InlineData("ilgpu-cpu", 7, 9, 5, 3, 1, true, 1)]
    [InlineData("ilgpu-cpu", 8, 8, 16, 3, 2, true, 7)]
    [InlineData("ilgpu-cpu", 9, 7, 3, 3, 1, false, 2)]
    [InlineData("cpu", 16, 16, 24, 5, 1, true, 2)]   // BlazeFace's 5x5 depthwise, 8-channel SIMD blocks
    [InlineData("cpu", 16, 12, 13, 5, 2, true, 3)]   // stride 2 on an even input, a channel tail past the SIMD blocks
    [InlineData("cpu", 4, 3, 9, 5, 1, true, 1)]      // a window wider than the input
    [InlineData("cpu", 5, 27, 48, 3, 1, true, 2)]    // 512-bit vectors, groups of 8 pixels and a single one
    [InlineData("cpu-avx2", 5, 27, 48, 3, 1, true, 2)]
    [InlineData("cpu", 6, 30, 24, 3, 1, true, 2)]    // 512-bit flat groups of 6 pixels (24 channels), then single pixels
    [InlineData("cpu-avx2", 6, 30, 24, 3, 1, true, 2)] // groups of 8 then one of 4 pixels
    [InlineData("cpu", 7, 40, 8, 3, 1, true, 2)]     // flat groups of 18 pixels (8 channels)
    [InlineData("cpu", 6, 23, 24, 3, 1, false, 1)]   // VALID: the flat groups start at the row's first pixel
    [InlineData("cpu-avx2", 16, 12, 13, 5, 2, true, 3)]
    [InlineData("ilgpu-cpu", 16, 12, 13, 5, 2, true, 3)]
    public void Depthwise_matches_float64_reference(string backend, int h, int w, int c, int k, int stride, bool same, int batch)
    {
        var rnd = new RandomData();
        var weights = rnd.Floats(k * k * c);
        var bias = rnd.Floats(c);
        var input = rnd.Floats(batch * h * w * c);
        var g = new WindowGeometry(h, w, c, c, k, k, stride, stride, same ? Padding.Same : Padding.Valid);
        var network = Backends.Wrap(new TensorShape(h, w, c), _ => new DepthwiseConv2DLayer("dw", 0, g, weights, bias, relu: true));

        var expected = Depthwise(AsTensor(input, batch, new TensorShape(h, w, c)), weights, bias, k, k, stride, same, relu: true);
        AssertClose(Backends.Run(backend, network, input, batch), expected, rnd.Seed, $"depthwise on {backend}");
    }

    [Theory]
    [InlineData("cpu", 8, 8, 5, 3, 2, true, 3)]     // the model's pools: 3x3 stride 2 SAME on even sizes
    [InlineData("cpu", 7, 7, 3, 3, 2, true, 1)]
    [InlineData("cpu", 9, 6, 4, 2, 2, false, 2)]
    [InlineData("cpu", 5, 5, 3, 3, 1, true, 64)]
    [InlineData("ilgpu-cpu", 8, 8, 5, 3, 2, true, 3)]
    [InlineData("ilgpu-cpu", 7, 7, 3, 3, 2, true, 1)]
    [InlineData("ilgpu-cpu", 9, 6, 4, 2, 2, false, 2)]
    [InlineData("ilgpu-cpu", 5, 5, 3, 3, 1, true, 64)]
    public void MaxPool_matches_float64_reference(string backend, int h, int w, int c, int k, int stride, bool same, int batch)
    {
        var rnd = new RandomData();
        // All-negative inputs: a pool that let zero padding win would be caught.
        var input = rnd.Floats(batch * h * w * c).Select(v => v - 2f).ToArray();
        var g = new WindowGeometry(h, w, c, c, k, k, stride, stride, same ? Padding.Same : Padding.Valid);
        var network = Backends.Wrap(new TensorShape(h, w, c), _ => new MaxPoolLayer("pool", 0, g));

        var expected = MaxPool(AsTensor(input, batch, new TensorShape(h, w, c)), k, stride, same);
        AssertClose(Backends.Run(backend, network, input, batch), expected, rnd.Seed, $"maxpool on {backend}");
    }

    [Theory]
    [InlineData("cpu", false)]
    [InlineData("cpu", true)]
    [InlineData("ilgpu-cpu", false)]
    [InlineData("ilgpu-cpu", true)]
    public void Add_matches_float64_reference(string backend, bool relu)
    {
        var rnd = new RandomData();
        var shape = new TensorShape(5, 3, 11);
        const int batch = 3;
        var input = rnd.Floats(batch * shape.Size);
        // input + relu(input): two different operands from one network input.
        var network = Backends.Wrap(shape, layers =>
        {
            layers.Add(new ReluLayer("relu", 0, shape));
            return new AddLayer("add", 0, 1, shape, relu);
        });
        var x = AsTensor(input, batch, shape);
        var expected = ReferenceOps.Add(x, ReferenceOps.Relu(x), relu);
        AssertClose(Backends.Run(backend, network, input, batch), expected, rnd.Seed, $"add on {backend}");
    }

    [Theory]
    [MemberData(nameof(Backends.Portable), MemberType = typeof(Backends))]
    public void Relu_matches_float64_reference(string backend)
    {
        var rnd = new RandomData();
        var shape = new TensorShape(3, 7, 5);
        var input = rnd.Floats(2 * shape.Size);
        var network = Backends.Wrap(shape, _ => new ReluLayer("relu", 0, shape));
        AssertClose(Backends.Run(backend, network, input, 2), ReferenceOps.Relu(AsTensor(input, 2, shape)), rnd.Seed, $"relu on {backend}");
    }

    [Theory]
    [MemberData(nameof(Backends.Portable), MemberType = typeof(Backends))]
    public void GlobalAveragePool_matches_float64_reference(string backend)
    {
        var rnd = new RandomData();
        var shape = new TensorShape(5, 7, 9);
        var input = rnd.Floats(7 * shape.Size);
        var network = Backends.Wrap(shape, _ => new GlobalAveragePoolLayer("gap", 0, shape));
        AssertClose(Backends.Run(backend, network, input, 7), GlobalAveragePool(AsTensor(input, 7, shape)), rnd.Seed, $"mean on {backend}");
    }

    [Theory]
    [MemberData(nameof(Backends.Portable), MemberType = typeof(Backends))]
    public void Softmax_matches_float64_reference_and_survives_large_logits(string backend)
    {
        var rnd = new RandomData();
        var shape = new TensorShape(1, 1, 7);
        // Logits up to ±60: exp without the max shift would overflow float32.
        var input = rnd.Floats(5 * shape.Size, 60f);
        var network = Backends.Wrap(shape, _ => new SoftmaxLayer("softmax", 0, shape));
        var actual = Backends.Run(backend, network, input, 5);
        AssertClose(actual, Softmax(AsTensor(input, 5, shape)), rnd.Seed, $"softmax on {backend}");
        for (int n = 0; n < 5; n++)
            Assert.InRange(actual.AsSpan(n * 7, 7).ToArray().Sum(), 1 - 1e-5, 1 + 1e-5);
    }
}
