using ILGPU;
using ILGPU.Runtime;
using VideoAffect.Kernels;
using VideoAffect.Kernels.Training;
using VideoAffect.Model;

namespace VideoAffect.Training;

/// <summary>
/// Training as ILGPU kernel launches on one stream (CUDA, OpenCL, or ILGPU's CPU accelerator for
/// tests). Weights, gradients, Adam moments and every activation stay on the device; a batch
/// uploads its inputs and labels and downloads only per-item losses and predictions.
/// </summary>
internal sealed class IlgpuTrainingEngine : TrainingEngine
{
    readonly Accelerator _accelerator;
    readonly bool _ownsAccelerator, _tiledConvolutions;
    readonly Kernels _kernels;
    readonly MemoryBuffer1D<float, Stride1D.Dense>[] _activations, _gradients;
    readonly DeviceParameters?[] _parameters;
    readonly MemoryBuffer1D<int, Stride1D.Dense> _labels, _predictions;
    readonly MemoryBuffer1D<float, Stride1D.Dense> _losses;
    /// <summary>Partial sums of the weight gradients, shared by every layer (they run one after another on one stream).</summary>
    readonly MemoryBuffer1D<float, Stride1D.Dense> _gradientSlices;

    sealed record DeviceParameters(
        MemoryBuffer1D<float, Stride1D.Dense> Weights, MemoryBuffer1D<float, Stride1D.Dense> Bias,
        MemoryBuffer1D<float, Stride1D.Dense> WeightGradient, MemoryBuffer1D<float, Stride1D.Dense> BiasGradient,
        MemoryBuffer1D<float, Stride1D.Dense>[] Mean, MemoryBuffer1D<float, Stride1D.Dense>[] Variance);

    public IlgpuTrainingEngine(Network network, Accelerator accelerator, string name, int maxBatch,
        bool computeInputGradient = false, bool ownsAccelerator = true)
        : base(network, maxBatch, computeInputGradient)
    {
        _accelerator = accelerator;
        _ownsAccelerator = ownsAccelerator;
        Name = name;
        // As in inference: the tiled implicit GEMM for every convolution and dense layer on GPUs only (barriers are simulated on the CPU accelerator).
        _tiledConvolutions = accelerator.AcceleratorType != AcceleratorType.CPU;
        _kernels = new Kernels(accelerator);
        var layers = network.Layers;
        _activations = layers.Select(l => accelerator.Allocate1D<float>(maxBatch * l.OutputShape.Size)).ToArray();
        _gradients = layers.Select((l, i) => accelerator.Allocate1D<float>(i > 0 || computeInputGradient ? maxBatch * l.OutputShape.Size : 1)).ToArray();
        _parameters = layers.Select(l => l is Conv2DLayer c ? Upload(c) : null).ToArray();
        _labels = accelerator.Allocate1D<int>(maxBatch);
        _predictions = accelerator.Allocate1D<int>(maxBatch);
        _losses = accelerator.Allocate1D<float>(maxBatch);
        _gradientSlices = accelerator.Allocate1D<float>(layers.OfType<Conv2DLayer>()
            .Select(c => Enumerable.Range(1, maxBatch).Max(b => Conv2DBackwardWeightsKernel.ScratchLength(c.Geometry, b))).DefaultIfEmpty(1).Max());
    }

    DeviceParameters Upload(Conv2DLayer c)
    {
        MemoryBuffer1D<float, Stride1D.Dense> Zeros(int length)
        {
            var b = _accelerator.Allocate1D<float>(length);
            b.MemSetToZero();
            return b;
        }
        return new DeviceParameters(_accelerator.Allocate1D(c.Weights), _accelerator.Allocate1D(c.Bias),
            Zeros(c.Weights.Length), Zeros(c.Bias.Length),
            [Zeros(c.Weights.Length), Zeros(c.Bias.Length)], [Zeros(c.Weights.Length), Zeros(c.Bias.Length)]);
    }

    public override string Name { get; }
    public override string DeviceName => _accelerator.Name;
    AcceleratorStream Stream => _accelerator.DefaultStream;
    Conv2DLayer Conv(int layer) => (Conv2DLayer)Network.Layers[layer];
    DeviceParameters Params(int layer) => _parameters[layer]!;
    int Length(int layer, int count) => count * Network.Layers[layer].OutputShape.Size;

    protected override void UploadBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        _accelerator.Bind(); // callers may be on any thread
        _activations[0].View.SubView(0, inputs.Length).CopyFromCPU(Stream, inputs);
        _labels.View.SubView(0, labels.Length).CopyFromCPU(Stream, labels);
    }

    protected override void ConvForward(int layer, int count)
    {
        var c = Conv(layer);
        var p = Params(layer);
        if (_tiledConvolutions)
            _kernels.Gemm.Launch(Stream, count, _activations[layer - 1].View, p.Weights.View, p.Bias.View, _activations[layer].View, c.Geometry, c.Relu);
        else
            _kernels.Conv.Launch(Stream, count, _activations[layer - 1].View, p.Weights.View, p.Bias.View, _activations[layer].View, c.Geometry, c.Relu);
    }

    protected override void MaxPoolForward(int layer, int count) =>
        _kernels.MaxPool.Launch(Stream, count, _activations[layer - 1].View, _activations[layer].View, ((MaxPoolLayer)Network.Layers[layer]).Geometry);

    protected override void Dropout(int layer, int count, uint? seed, float rate, bool backward)
    {
        var (source, target) = backward ? (_gradients[layer], _gradients[layer - 1]) : (_activations[layer - 1], _activations[layer]);
        int length = Length(layer, count);
        if (seed is { } s) _kernels.Dropout.Launch(Stream, length, source.View, target.View, s, rate);
        else source.View.SubView(0, length).CopyTo(Stream, target.View.SubView(0, length));
    }

    protected override BatchOutcome Loss(int count)
    {
        _kernels.Loss.Launch(Stream, count, Network.ClassCount, _activations[LogitsLayer].View, _labels.View,
            _activations[^1].View, _gradients[LogitsLayer].View, _losses.View, _predictions.View);
        var losses = new float[count];
        var predictions = new int[count];
        _losses.View.SubView(0, count).CopyToCPU(Stream, losses);
        _predictions.View.SubView(0, count).CopyToCPU(Stream, predictions);
        Stream.Synchronize();
        return new BatchOutcome(losses, predictions);
    }

    protected override void ReluBackward(int layer, int count) =>
        _kernels.ReluBackward.Launch(Stream, Length(layer, count), _activations[layer].View, _gradients[layer].View);

    protected override void ConvBackwardWeights(int layer, int count)
    {
        var p = Params(layer);
        _kernels.ConvWeights.Launch(Stream, count, _activations[layer - 1].View, _gradients[layer].View, p.WeightGradient.View, p.BiasGradient.View,
            _gradientSlices.View, Conv(layer).Geometry);
    }

    protected override void ConvBackwardInput(int layer, int count) =>
        _kernels.ConvInput.Launch(Stream, count, _gradients[layer].View, Params(layer).Weights.View, _gradients[layer - 1].View, Conv(layer).Geometry);

    protected override void MaxPoolBackward(int layer, int count) =>
        _kernels.MaxPoolBackward.Launch(Stream, count, _activations[layer - 1].View, _gradients[layer].View, _gradients[layer - 1].View,
            ((MaxPoolLayer)Network.Layers[layer]).Geometry);

    protected override void WriteGradient(int layer, ReadOnlySpan<float> gradient) =>
        _gradients[layer].View.SubView(0, gradient.Length).CopyFromCPU(Stream, gradient);

    public override void ApplyAdam(AdamStep step)
    {
        _accelerator.Bind();
        foreach (int i in Parameters)
        {
            var p = Params(i);
            _kernels.Adam.Launch(Stream, p.Weights.View, p.WeightGradient.View, p.Mean[0].View, p.Variance[0].View, step);
            _kernels.Adam.Launch(Stream, p.Bias.View, p.BiasGradient.View, p.Mean[1].View, p.Variance[1].View, step);
        }
    }

    public override void DownloadParameters()
    {
        _accelerator.Bind();
        foreach (int i in Parameters)
        {
            Params(i).Weights.View.CopyToCPU(Stream, Conv(i).Weights);
            Params(i).Bias.View.CopyToCPU(Stream, Conv(i).Bias);
        }
        Stream.Synchronize();
    }

    float[] Read(MemoryBuffer1D<float, Stride1D.Dense> buffer, long length)
    {
        _accelerator.Bind();
        var values = new float[length];
        buffer.View.SubView(0, length).CopyToCPU(Stream, values);
        Stream.Synchronize();
        return values;
    }

    public override float[] ReadActivation(int layer, int count) => Read(_activations[layer], Length(layer, count));
    public override float[] ReadGradient(int layer, int count) => Read(_gradients[layer], Length(layer, count));
    public override (float[] Weights, float[] Bias) ReadParameterGradients(int layer) =>
        (Read(Params(layer).WeightGradient, Params(layer).WeightGradient.Length), Read(Params(layer).BiasGradient, Params(layer).BiasGradient.Length));

    IEnumerable<MemoryBuffer1D<float, Stride1D.Dense>> Moments(bool mean) =>
        Parameters.SelectMany(i => mean ? Params(i).Mean : Params(i).Variance);

    public override AdamMoments ReadMoments() =>
        new(Moments(true).Select(b => Read(b, b.Length)).ToArray(), Moments(false).Select(b => Read(b, b.Length)).ToArray());

    public override void WriteMoments(AdamMoments moments)
    {
        _accelerator.Bind();
        var means = Moments(true).ToArray();
        var variances = Moments(false).ToArray();
        Cpu.ManagedTrainingEngine.CheckMoments(moments, means.Select(b => new float[b.Length]).ToArray());
        for (int a = 0; a < means.Length; a++)
        {
            means[a].View.CopyFromCPU(Stream, moments.Mean[a]);
            variances[a].View.CopyFromCPU(Stream, moments.Variance[a]);
        }
        Stream.Synchronize();
    }

    public override void Dispose()
    {
        foreach (var b in _activations.Concat(_gradients)) b.Dispose();
        foreach (var p in _parameters.OfType<DeviceParameters>())
            foreach (var b in new[] { p.Weights, p.Bias, p.WeightGradient, p.BiasGradient }.Concat(p.Mean).Concat(p.Variance)) b.Dispose();
        _labels.Dispose(); _predictions.Dispose(); _losses.Dispose(); _gradientSlices.Dispose();
        if (_ownsAccelerator) _accelerator.Dispose();
    }

    /// <summary>Every kernel training needs, compiled once per accelerator.</summary>
    sealed class Kernels(Accelerator accelerator)
    {
        public Conv2DKernel Conv { get; } = new(accelerator);
        public ConvGemmKernel Gemm { get; } = new(accelerator);
        public MaxPoolKernel MaxPool { get; } = new(accelerator);
        public DropoutKernel Dropout { get; } = new(accelerator);
        public SoftmaxCrossEntropyKernel Loss { get; } = new(accelerator);
        public ReluBackwardKernel ReluBackward { get; } = new(accelerator);
        public Conv2DBackwardWeightsKernel ConvWeights { get; } = new(accelerator);
        public Conv2DBackwardInputKernel ConvInput { get; } = new(accelerator);
        public MaxPoolBackwardKernel MaxPoolBackward { get; } = new(accelerator);
        public AdamKernel Adam { get; } = new(accelerator);
    }
}
