using VideoAffect.Inference;
using VideoAffect.Kernels;
using VideoAffect.Kernels.Training;
using VideoAffect.Model;
using VideoAffect.Tests.Support;
using VideoAffect.Training;
using VideoAffect.Training.Cpu;
using Xunit;
using Xunit.Abstractions;
using static VideoAffect.Tests.Support.ReferenceOps;

namespace VideoAffect.Tests.Training;

/// <summary>
/// Every layer's backward pass, on the managed CPU path and as ILGPU kernels, against central finite
/// differences of the float64 reference forward pass (ReferenceOps). The loss is a random linear
/// function of the layer's output, L = sum(r * y), so the check covers any upstream gradient.
/// </summary>
[Collection(Support.KernelSimulationCollection.Name)]
public sealed class GradientCheckTests(ITestOutputHelper output)
{
    const int Batch = 2;
    const double Bound = 1e-4;
    public static readonly TheoryData<string> Engines = new() { "cpu", "ilgpu-cpu" };

    static TrainingEngine Engine(string kind, Network network) => kind == "cpu"
        ? new ManagedTrainingEngine(network, Batch, computeInputGradient: true)
        : new IlgpuTrainingEngine(network, IlgpuRuntime.CreateCpuAccelerator(), kind, Batch, computeInputGradient: true);

    /// <summary>Input, the layer under test, softmax (never reached: the test feeds the gradient of the layer's output).</summary>
    static Network Single(TensorShape input, Action<SequentialBuilder> layer, int seed)
    {
        var builder = new SequentialBuilder(input, seed);
        layer(builder);
        var labels = Enumerable.Range(0, builder.OutputShape.Size).Select(i => $"c{i}").ToArray();
        return builder.Softmax().Build(labels, "test");
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Convolution_same_padding_stride2_relu(string kind) =>
        Assert.All(CheckConvolution(kind, new TensorShape(7, 6, 3), 4, 3, 2, Padding.Same, relu: true), WithinBound);

    [Theory]
    [MemberData(nameof(Engines))]
    public void Convolution_valid_stride1_linear(string kind) =>
        Assert.All(CheckConvolution(kind, new TensorShape(6, 5, 2), 3, 3, 1, Padding.Valid, relu: false), WithinBound);

    /// <summary>32 filters fill whole SIMD blocks: the CPU path's blocked weight gradient (5 input channels: one partial block).</summary>
    [Theory]
    [MemberData(nameof(Engines))]
    public void Convolution_valid_stride1_blocked_channels(string kind) =>
        Assert.All(CheckConvolution(kind, new TensorShape(6, 5, 5), 32, 3, 1, Padding.Valid, relu: true), WithinBound);

    [Theory]
    [MemberData(nameof(Engines))]
    public void Convolution_same_padding_stride2_blocked_channels(string kind) =>
        Assert.All(CheckConvolution(kind, new TensorShape(7, 6, 3), 32, 3, 2, Padding.Same, relu: false), WithinBound);

    [Theory]
    [InlineData("cpu", 5)]
    [InlineData("ilgpu-cpu", 5)]
    [InlineData("cpu", 32)]
    [InlineData("ilgpu-cpu", 32)]
    public void Dense_with_relu(string kind, int units)
    {
        var data = new RandomData();
        var shape = new TensorShape(3, 3, 2);
        var network = Single(shape, b => b.Dense(units, relu: true), data.Seed);
        var dense = (DenseLayer)network.Layers[1];
        // A dense layer is the 1x1 convolution over the flattened input (what the reference computes).
        Assert.All(CheckParameterLayer(kind, network, data, shape, (x, w, b, relu) =>
            Conv2D(x with { H = 1, W = 1, C = shape.Size }, w, b, 1, 1, units, 1, false, relu)), WithinBound);
        Assert.Equal(shape.Size * units, dense.Weights.Length);
    }

    Check[] CheckConvolution(string kind, TensorShape shape, int filters, int k, int stride, Padding padding, bool relu)
    {
        var data = new RandomData();
                var network = Single(shape, b => b.Conv2D(filters, k, relu, stride, padding), data.Seed);
        return CheckParameterLayer(kind, network, data, shape, (x, w, b, applyRelu) => Conv2D(x, w, b, k, k, filters, stride, padding == Padding.Same, relu && applyRelu));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Max_pool_2x2_stride2(string kind) => // 19 channels: SIMD vectors and a tail
        Assert.All(CheckPool(kind, new TensorShape(6, 5, 19), 2, 2, Padding.Valid), WithinBound);

    [Theory]
    [MemberData(nameof(Engines))]
    public void Max_pool_3x3_stride2_same_overlapping(string kind) =>
        Assert.All(CheckPool(kind, new TensorShape(7, 6, 2), 3, 2, Padding.Same), WithinBound);

    Check[] CheckPool(string kind, TensorShape shape, int size, int stride, Padding padding)
    {
        var data = new RandomData();
                var network = Single(shape, b => b.MaxPool(size, stride, padding), data.Seed);
        var x = data.Floats(Batch * shape.Size);
        var r = data.Floats(Batch * network.Layers[1].OutputShape.Size);
        using var engine = Engine(kind, network);
        engine.BackwardFrom(x, r, 0);
        double Loss(double[] input) => Dot(MaxPool(AsTensor(input, shape), size, stride, padding == Padding.Same).Data, r);
        return [Compare("input gradient", engine.ReadGradient(0, Batch), InputDifferences(x, Loss), data.Seed)];
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Dropout_keeps_about_half_scales_the_rest_and_its_gradient_matches(string kind)
    {
        var data = new RandomData();
        var shape = new TensorShape(8, 8, 4);
        var network = Single(shape, b => b.Dropout(0.5f), data.Seed);
        var x = data.Floats(Batch * shape.Size);
        var r = data.Floats(Batch * shape.Size);
        uint seed = (uint)data.Seed;
        using var engine = Engine(kind, network);
        engine.BackwardFrom(x, r, seed);
        var y = engine.ReadActivation(1, Batch);
        int kept = y.Count(v => v != 0f);
        Assert.InRange(kept, x.Length * 0.4, x.Length * 0.6);
        for (int i = 0; i < x.Length; i++)
            Assert.True(y[i] == 0f || Math.Abs(y[i] - 2 * x[i]) < 1e-6, $"kept value {y[i]} is not 2 x {x[i]} (seed {data.Seed})");
        // Finite differences through the engine's own forward pass with the same mask (the layer is linear for a fixed mask).
        var numeric = new double[x.Length];
        using var probeEngine = Engine(kind, network);
        for (int i = 0; i < x.Length; i++)
        {
            const float h = 0.5f;
            double Loss(float v) { var p = (float[])x.Clone(); p[i] = v; probeEngine.BackwardFrom(p, r, seed); return Dot(probeEngine.ReadActivation(1, Batch).Select(f => (double)f).ToArray(), r); }
            numeric[i] = (Loss(x[i] + h) - Loss(x[i] - h)) / (2 * h);
            if (i > 40) break; // enough elements through the engine; the rest are checked against the mask below
        }
        var analytic = engine.ReadGradient(0, Batch);
        for (int i = 0; i <= 41; i++) Assert.True(Math.Abs(analytic[i] - numeric[i]) < 1e-4, $"element {i}: {analytic[i]} vs {numeric[i]} (seed {data.Seed})");
        for (int i = 0; i < x.Length; i++) Assert.Equal(y[i] == 0f ? 0f : 2 * r[i], analytic[i], tolerance: 1e-5);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Softmax_cross_entropy_loss_and_logit_gradient(string kind)
    {
        var data = new RandomData();
        var shape = new TensorShape(2, 2, 3);
        const int classes = 7, batch = Batch;
        var network = Single(shape, b => b.Dense(classes, relu: false), data.Seed);
        var x = data.Floats(batch * shape.Size, 3f);
        int[] labels = [data.Int(0, classes), data.Int(0, classes)];
        using var engine = Engine(kind, network);
        var outcome = engine.TrainBatch(x, labels, 0);
        var logits = engine.ReadActivation(1, batch).Select(v => (double)v).ToArray();
        double MeanLoss(double[] z)
        {
            double total = 0;
            for (int n = 0; n < batch; n++)
            {
                var row = z.AsSpan(n * classes, classes);
                double max = row.ToArray().Max(), sum = row.ToArray().Sum(v => Math.Exp(v - max));
                total += Math.Log(sum) + max - row[labels[n]];
            }
            return total / batch;
        }
        for (int n = 0; n < batch; n++)
            Assert.Equal(MeanLoss(logits) * batch, outcome.LossSum, tolerance: 1e-4);
        WithinBound(Compare("logit gradient", engine.ReadGradient(1, batch), InputDifferences(logits.Select(v => (float)v).ToArray(), MeanLoss), data.Seed));
        var probabilities = engine.ReadActivation(2, batch);
        for (int n = 0; n < batch; n++)
            Assert.Equal(Array.IndexOf(probabilities, probabilities.Skip(n * classes).Take(classes).Max(), n * classes) - n * classes, outcome.Predictions[n]);
    }

    /// <summary>Weights, bias and input gradients of a conv or dense layer against finite differences.</summary>
    /// <param name="reference">(input, weights, bias, apply the layer's ReLU) -> output.</param>
    Check[] CheckParameterLayer(string kind, Network network, RandomData data, TensorShape shape, Func<Tensor, float[], float[], bool, Tensor> reference)
    {
        var layer = (Conv2DLayer)network.Layers[1];
        float[] x;
        do
        {
            data.Floats(layer.Bias.Length, 0.5f).CopyTo(layer.Bias, 0);
            x = data.Floats(Batch * shape.Size);
        }
        // A difference step moves each pre-activation by under 1e-4: none may sit closer to the ReLU's kink.
        while (reference(AsTensor(x.Select(v => (double)v).ToArray(), shape), layer.Weights, layer.Bias, false).Data.Any(z => Math.Abs(z) < 1e-4));
        var r = data.Floats(Batch * layer.OutputShape.Size);
        using var engine = Engine(kind, network);
        engine.BackwardFrom(x, r, 0);
        var (dW, dB) = engine.ReadParameterGradients(1);
        var w = (float[])layer.Weights.Clone();
        var b = (float[])layer.Bias.Clone();
        double Loss(double[] input, float[] weights, float[] biases) => Dot(reference(AsTensor(input, shape), weights, biases, true).Data, r);
        var xd = x.Select(v => (double)v).ToArray();
        return
        [
            Compare("weight gradient", dW, ParameterDifferences(w, p => Loss(xd, p, b)), data.Seed),
            Compare("bias gradient", dB, ParameterDifferences(b, p => Loss(xd, w, p)), data.Seed),
            Compare("input gradient", engine.ReadGradient(0, Batch), InputDifferences(x, input => Loss(input, w, b)), data.Seed),
        ];
    }

    /// <summary>One gradient's relative error against finite differences, and whether the gradient is big enough to prove anything.</summary>
    public sealed record Check(string What, double Error, bool Informative, int Seed);

    Check Compare(string what, float[] analytic, double[] numeric, int seed)
    {
        double error = RelativeError(analytic, numeric);
        output.WriteLine($"{what}: relative error {error:E2} over {numeric.Length} values (seed {seed})");
        return new Check(what, error, numeric.Any(v => Math.Abs(v) > 1e-3), seed);
    }

    static void WithinBound(Check check)
    {
        Assert.True(check.Error < Bound, $"{check.What}: relative error {check.Error:E2} exceeds {Bound:E0} (seed {check.Seed})");
        Assert.True(check.Informative, $"{check.What}: all finite differences are near zero, which would prove nothing (seed {check.Seed})");
    }

    /// <summary>Central differences in float64 over each parameter; the step is measured after rounding to float.</summary>
    static double[] ParameterDifferences(float[] parameters, Func<float[], double> loss)
    {
        var result = new double[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            var p = (float[])parameters.Clone();
            float up = parameters[i] + 1e-5f, down = parameters[i] - 1e-5f;
            p[i] = up; double lUp = loss(p);
            p[i] = down; double lDown = loss(p);
            result[i] = (lUp - lDown) / ((double)up - down);
        }
        return result;
    }

    static double[] InputDifferences(float[] input, Func<double[], double> loss)
    {
        var x = input.Select(v => (double)v).ToArray();
        var result = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            const double h = 1e-6;
            double keep = x[i];
            x[i] = keep + h; double up = loss(x);
            x[i] = keep - h; double down = loss(x);
            x[i] = keep;
            result[i] = (up - down) / (2 * h);
        }
        return result;
    }

    static Tensor AsTensor(double[] values, TensorShape shape) => new(values, values.Length / shape.Size, shape.Height, shape.Width, shape.Channels);
    static double Dot(double[] a, float[] b) => a.Select((v, i) => v * b[i]).Sum();
}
