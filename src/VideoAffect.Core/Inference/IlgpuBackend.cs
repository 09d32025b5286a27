using ILGPU;
using ILGPU.Runtime;
using VideoAffect.Kernels;
using VideoAffect.Model;

namespace VideoAffect.Inference;

/// <summary>
/// The network as a sequence of ILGPU kernel launches on one accelerator stream. Weights live on the
/// device, activations are allocated once for <see cref="InferenceBackend.MaxBatch"/> items, and only
/// the input batch goes up and the probabilities come back per call. Given whole frames
/// (<see cref="RunOnFrames"/>) it also does the preprocessing on the device.
/// </summary>
public sealed class IlgpuBackend : InferenceBackend, IFrameInferenceBackend
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
    readonly MemoryBuffer1D<FaceCrop, Stride1D.Dense> _crops;
    /// <summary>Frames for <see cref="RunOnFrames"/>; grown to the largest call seen, then reused.</summary>
    MemoryBuffer1D<byte, Stride1D.Dense>? _frames;

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
        _crops = accelerator.Allocate1D<FaceCrop>(maxBatch);
    }

    (MemoryBuffer1D<float, Stride1D.Dense>, MemoryBuffer1D<float, Stride1D.Dense>) Upload(float[] weights, float[] bias) =>
        (_accelerator.Allocate1D(weights), _accelerator.Allocate1D(bias));

    public override string Name { get; }
    public override string DeviceName => _accelerator.Name;
    /// <summary>The device it runs on, for a detector that shares it.</summary>
    public Accelerator Accelerator => _accelerator;

    protected override void RunBatch(ReadOnlySpan<float> input, int batch, Span<float> probabilities)
    {
        _accelerator.Bind(); // the pipeline calls from whichever pool thread runs the stage
        var stream = _accelerator.DefaultStream;
        _activations[0].View.SubView(0, input.Length).CopyFromCPU(stream, input);
        RunLayers(stream, batch);
        _activations[^1].View.SubView(0, probabilities.Length).CopyToCPU(stream, probabilities);
        stream.Synchronize();
    }

    public void RunOnFrames(IReadOnlyList<FrameFaces> frames, Span<float> probabilities)
    {
        var shape = Network.InputShape;
        if (shape.Channels != 1)
            throw new VideoAffectException($"the model takes {shape.Channels}-channel input; VideoAffect feeds grayscale faces (1 channel)");
        var (crops, bytes) = PlaceFrames(frames);
        _accelerator.Bind();
        int classes = Network.ClassCount;
        if (probabilities.Length < crops.Length * classes)
            throw new ArgumentException($"{crops.Length} faces need {crops.Length * classes} outputs");
        var stream = _accelerator.DefaultStream;
        UploadFrames(stream, frames, bytes);
        for (int start = 0; start < crops.Length; start += MaxBatch)
        {
            int count = Math.Min(MaxBatch, crops.Length - start);
            _crops.View.SubView(0, count).CopyFromCPU(stream, crops.AsSpan(start, count));
            _kernels.Crop.Launch(stream, count, _frames!.View, _crops.View, _activations[0].View, shape.Height, shape.Width);
            RunLayers(stream, count);
            _activations[^1].View.SubView(0, count * classes).CopyToCPU(stream, probabilities.Slice(start * classes, count * classes));
        }
        stream.Synchronize();
    }

    static long FrameBytes(FrameFaces frame) => (long)frame.Width * frame.Height * 3;

    /// <summary>
    /// Where each crop's pixels will be in the packed frames buffer, which holds only the frames
    /// that have crops, and its size; checks every crop lies inside its frame.
    /// </summary>
    static (FaceCrop[] Crops, long Bytes) PlaceFrames(IReadOnlyList<FrameFaces> frames)
    {
        var crops = new List<FaceCrop>();
        long offset = 0;
        foreach (var frame in frames.Where(f => f.Crops.Count > 0))
        {
            if (frame.Width < 1 || frame.Height < 1 || frame.Bgr.Length < FrameBytes(frame))
                throw new ArgumentException($"a {frame.Width}x{frame.Height} BGR frame needs {FrameBytes(frame)} bytes, got {frame.Bgr.Length}");
            foreach (var c in frame.Crops)
            {
                if (c.Width < 1 || c.Height < 1 || c.X < 0 || c.Y < 0 || c.Right > frame.Width || c.Bottom > frame.Height)
                    throw new ArgumentException($"crop {c} is not inside the {frame.Width}x{frame.Height} frame");
                crops.Add(new FaceCrop(offset, frame.Width, c.X, c.Y, c.Width, c.Height));
            }
            offset += FrameBytes(frame);
        }
        return (crops.ToArray(), offset);
    }

    void UploadFrames(AcceleratorStream stream, IReadOnlyList<FrameFaces> frames, long bytes)
    {
        if (bytes == 0) return;
        if (_frames is null || _frames.Length < bytes)
        {
            stream.Synchronize(); // the old buffer may still be read by queued launches
            _frames?.Dispose();
            _frames = _accelerator.Allocate1D<byte>(bytes);
        }
        long offset = 0;
        foreach (var frame in frames.Where(f => f.Crops.Count > 0))
        {
            long length = FrameBytes(frame);
            _frames.View.SubView(offset, length).CopyFromCPU(stream, frame.Bgr.Span[..(int)length]);
            offset += length;
        }
    }

    /// <summary>Layer <paramref name="layer"/>'s output for the first <paramref name="batch"/> items of the last run (to check a device layer by layer).</summary>
    public float[] ReadActivation(int layer, int batch)
    {
        _accelerator.Bind();
        var values = new float[batch * Network.Layers[layer].OutputShape.Size];
        _activations[layer].View.SubView(0, values.Length).CopyToCPU(_accelerator.DefaultStream, values);
        _accelerator.DefaultStream.Synchronize();
        return values;
    }

    /// <summary>Every layer after the input, as launches on <paramref name="stream"/>, for the batch already in the input buffer.</summary>
    void RunLayers(AcceleratorStream stream, int batch)
    {
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
                case DropoutLayer d: // the identity at inference
                    _activations[d.Inputs[0]].View.SubView(0, batch * d.OutputShape.Size).CopyTo(stream, _activations[i].View.SubView(0, batch * d.OutputShape.Size));
                    break;
                case ReluLayer r: _kernels.Relu.Launch(stream, batch * r.OutputShape.Size, In(0), output); break;
                case GlobalAveragePoolLayer p:
                    _kernels.GlobalAveragePool.Launch(stream, batch, In(0), output, p.InputShape.Height * p.InputShape.Width, p.InputShape.Channels);
                    break;
                case SoftmaxLayer s: _kernels.Softmax.Launch(stream, batch, In(0), output, s.OutputShape.Size); break;
                default: throw new NotSupportedException($"the {Name} backend has no kernel for {layers[i].GetType().Name}");
            }
        }
    }

    public override void Dispose()
    {
        foreach (var b in _activations) b.Dispose();
        _crops.Dispose();
        _frames?.Dispose();
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
        public FaceCropKernel Crop { get; } = new(accelerator);
    }
}
