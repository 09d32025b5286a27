using ILGPU;
using ILGPU.Runtime;
using VideoAffect.Kernels;
using VideoAffect.Model;

namespace VideoAffect.Inference;

/// <summary>
/// The network as a sequence of ILGPU kernel launches on one accelerator stream. Weights live on the
/// device, activations are allocated once for <see cref="InferenceBackend.MaxBatch"/> items, and only
/// the input batch goes up and the probabilities come back per call.
/// </summary>
public sealed class IlgpuBackend : InferenceBackend
{
    readonly Accelerator _accelerator;
    readonly bool _ownsAccelerator;
    readonly NetworkKernels _kernels;
    /// <summary>
    /// 1x1 convolutions run as a shared-memory tiled GEMM on GPUs. ILGPU's CPU accelerator simulates
    /// group barriers with thread synchronisation, which makes that kernel far slower there than
    /// the direct one, so it keeps the direct kernel (the tiled one is tested on it directly).
    /// </summary>
    readonly bool _tiledPointwise;
    readonly MemoryBuffer1D<float, Stride1D.Dense>[] _activations;
    readonly (MemoryBuffer1D<float, Stride1D.Dense> Weights, MemoryBuffer1D<float, Stride1D.Dense> Bias)?[] _parameters;

    public IlgpuBackend(Network network, Accelerator accelerator, string name, int maxBatch = 64, bool ownsAccelerator = true)
        : base(network, maxBatch)
    {
        _accelerator = accelerator;
        _ownsAccelerator = ownsAccelerator;
        Name = name;
        _kernels = new NetworkKernels(accelerator);
        _tiledPointwise = accelerator.AcceleratorType != AcceleratorType.CPU;
        _activations = network.Layers.Select(l => accelerator.Allocate1D<float>(Math.Max(1, maxBatch * l.OutputShape.Size))).ToArray();
        _parameters = network.Layers.Select(l => l switch
        {
            Conv2DLayer c => Upload(c.Weights, c.Bias),
            DepthwiseConv2DLayer d => Upload(d.Weights, d.Bias),
            _ => ((MemoryBuffer1D<float, Stride1D.Dense>, MemoryBuffer1D<float, Stride1D.Dense>)?)null,
        }).ToArray();
    }

    (MemoryBuffer1D<float, Stride1D.Dense>, MemoryBuffer1D<float, Stride1D.Dense>) Upload(float[] weights, float[] bias) =>
        (_accelerator.Allocate1D(weights), _accelerator.Allocate1D(bias));

    public override string Name { get; }
    public override string DeviceName => _accelerator.Name;

    protected override void RunBatch(ReadOnlySpan<float> input, int batch, Span<float> probabilities)
    {
        var stream = _accelerator.DefaultStream;
        _activations[0].View.SubView(0, input.Length).CopyFromCPU(stream, input);
        var layers = Network.Layers;
        for (int i = 1; i < layers.Count; i++)
        {
            var output = _activations[i].View;
            ArrayView<float> In(int k) => _activations[layers[i].Inputs[k]].View;
            switch (layers[i])
            {
                case Conv2DLayer c when _tiledPointwise && PointwiseConvGemmKernel.Handles(c.Geometry):
                    _kernels.Pointwise.Launch(stream, batch, In(0), _parameters[i]!.Value.Weights.View, _parameters[i]!.Value.Bias.View, output, c.Geometry, c.Relu);
                    break;
                case Conv2DLayer c:
                    _kernels.Conv2D.Launch(stream, batch, In(0), _parameters[i]!.Value.Weights.View, _parameters[i]!.Value.Bias.View, output, c.Geometry, c.Relu);
                    break;
                case DepthwiseConv2DLayer d:
                    _kernels.Depthwise.Launch(stream, batch, In(0), _parameters[i]!.Value.Weights.View, _parameters[i]!.Value.Bias.View, output, d.Geometry, d.Relu);
                    break;
                case MaxPoolLayer m: _kernels.MaxPool.Launch(stream, batch, In(0), output, m.Geometry); break;
                case AddLayer a: _kernels.Add.Launch(stream, batch * a.OutputShape.Size, In(0), In(1), output, a.Relu); break;
                case ReluLayer r: _kernels.Relu.Launch(stream, batch * r.OutputShape.Size, In(0), output); break;
                case GlobalAveragePoolLayer p:
                    _kernels.GlobalAveragePool.Launch(stream, batch, In(0), output, p.InputShape.Height * p.InputShape.Width, p.InputShape.Channels);
                    break;
                case SoftmaxLayer s: _kernels.Softmax.Launch(stream, batch, In(0), output, s.OutputShape.Size); break;
                default: throw new NotSupportedException($"the {Name} backend has no kernel for {layers[i].GetType().Name}");
            }
        }
        _activations[^1].View.SubView(0, probabilities.Length).CopyToCPU(stream, probabilities);
        stream.Synchronize();
    }

    public override void Dispose()
    {
        foreach (var b in _activations) b.Dispose();
        foreach (var p in _parameters)
            if (p is { } pair) { pair.Weights.Dispose(); pair.Bias.Dispose(); }
        if (_ownsAccelerator) _accelerator.Dispose();
    }

    /// <summary>Every kernel the network needs, compiled once per accelerator.</summary>
    sealed class NetworkKernels(Accelerator accelerator)
    {
        public Conv2DKernel Conv2D { get; } = new(accelerator);
        public PointwiseConvGemmKernel Pointwise { get; } = new(accelerator);
        public DepthwiseConv2DKernel Depthwise { get; } = new(accelerator);
        public MaxPoolKernel MaxPool { get; } = new(accelerator);
        public AddKernel Add { get; } = new(accelerator);
        public ReluKernel Relu { get; } = new(accelerator);
        public GlobalAveragePoolKernel GlobalAveragePool { get; } = new(accelerator);
        public SoftmaxKernel Softmax { get; } = new(accelerator);
    }
}
