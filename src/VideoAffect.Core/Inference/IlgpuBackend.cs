using ILGPU;
using ILGPU.Runtime;
using VideoAffect.Engine;
using VideoAffect.Kernels;

namespace VideoAffect.Inference;

/// <summary>
/// The network as a sequence of ILGPU kernel launches on one accelerator stream: each op's ILGPU
/// implementation (Engine/Ops) compiled once against this accelerator. Weights live on the
/// device, activations are allocated once for <see cref="InferenceBackend.MaxBatch"/> items, and only
/// the input batch goes up and the outputs come back per call. Given whole frames
/// (<see cref="RunOnFrames"/>) it also does the preprocessing on the device.
/// </summary>
internal sealed class IlgpuBackend : InferenceBackend, IFrameInferenceBackend
{
    readonly Accelerator _accelerator;
    readonly bool _ownsAccelerator;
    readonly IlgpuPlan _plan;
    readonly IlgpuStep?[] _steps;
    readonly MemoryBuffer1D<float, Stride1D.Dense>[] _activations;
    readonly ArrayView<float>[][] _inputs;
    readonly FaceCropKernel _crop;
    readonly MemoryBuffer1D<FaceCrop, Stride1D.Dense> _crops;
    /// <summary>Frames for <see cref="RunOnFrames"/>; grown to the largest call seen, then reused.</summary>
    MemoryBuffer1D<byte, Stride1D.Dense>? _frames;

    /// <param name="tiledKernels">the ops' tiled and tuned kernels (a GPU's path); by default on every accelerator but ILGPU's CPU one</param>
    public IlgpuBackend(Network network, Accelerator accelerator, string name, int maxBatch = 64, bool ownsAccelerator = true, bool? tiledKernels = null)
        : base(network, maxBatch)
    {
        _accelerator = accelerator;
        _ownsAccelerator = ownsAccelerator;
        Name = name;
        _plan = new IlgpuPlan(accelerator, tiledKernels);
        try
        {
            _steps = network.Layers.Select((l, i) => i == 0 ? null : l.Ilgpu(_plan) ?? throw new UnsupportedOpException(l, name)).ToArray();
        }
        catch
        {
            _plan.Dispose();
            throw;
        }
        _activations = network.Layers.Select(l => accelerator.Allocate1D<float>(Math.Max(1, maxBatch * l.OutputShape.Size))).ToArray();
        _inputs = network.Layers.Select(l => l.Inputs.Select(k => (ArrayView<float>)_activations[k].View).ToArray()).ToArray();
        _crop = _plan.Kernel<FaceCropKernel>();
        _crops = accelerator.Allocate1D<FaceCrop>(maxBatch);
    }

    public override string Name { get; }
    public override string DeviceName => _accelerator.Name;
    /// <summary>The device it runs on, for a detector that shares it.</summary>
    public Accelerator Accelerator => _accelerator;

    protected override void RunBatch(ReadOnlySpan<float> input, int batch)
    {
        _accelerator.Bind(); // the pipeline calls from whichever pool thread runs the stage
        var stream = _accelerator.DefaultStream;
        _activations[0].View.SubView(0, input.Length).CopyFromCPU(stream, input);
        RunLayers(stream, batch);
    }

    protected override void ReadOutput(int output, int batch, Span<float> destination)
    {
        _accelerator.Bind();
        var stream = _accelerator.DefaultStream;
        int layer = Network.Outputs[output].Layer;
        _activations[layer].View.SubView(0, batch * Network.Layers[layer].OutputShape.Size).CopyToCPU(stream, destination);
        stream.Synchronize();
    }

    public void RunOnFrames(IReadOnlyList<FrameFaces> frames, Span<float> probabilities)
    {
        var spec = Network.Input;
        var shape = spec.Shape;
        var (crops, bytes) = PlaceFrames(frames);
        _accelerator.Bind();
        int classes = Network.OutputShape(0).Size, outputLayer = Network.Outputs[0].Layer;
        if (probabilities.Length < crops.Length * classes)
            throw new ArgumentException($"{crops.Length} faces need {crops.Length * classes} outputs");
        var stream = _accelerator.DefaultStream;
        UploadBytes(stream, FrameParts(frames).ToList(), bytes);
        for (int start = 0; start < crops.Length; start += MaxBatch)
        {
            int count = Math.Min(MaxBatch, crops.Length - start);
            _crops.View.SubView(0, count).CopyFromCPU(stream, crops.AsSpan(start, count));
            _crop.Launch(stream, count, _frames!.View, _crops.View, _activations[0].View, shape.Height, shape.Width, spec.Divisor, spec.Offset, (int)spec.Pixels);
            RunLayers(stream, count);
            _activations[outputLayer].View.SubView(0, count * classes).CopyToCPU(stream, probabilities.Slice(start * classes, count * classes));
        }
        stream.Synchronize();
    }

    static long FrameBytes(FrameFaces frame) => (long)frame.Width * frame.Height * 3;

    /// <summary>
    /// Where each crop's pixels will be in the device's buffer, and its size; checks every crop lies
    /// inside its frame. Only what the crops read goes up: a frame whose crops cover less than its
    /// area sends each crop's rectangle alone (a 1080p frame is 6 MB, a face in it tens of KB: two
    /// uploads of whole frames a frame, the detector's and this one, were a GPU's largest cost per
    /// frame after the cascade on the H200, 2026-12-04); one whose crops overlap to more sends
    /// itself once, however many faces it holds. The crop kernel clamps its samples to the crop's own
    /// rectangle, so both give the same inputs.
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
                if (c.Width < 1 || c.Height < 1 || c.X < 0 || c.Y < 0 || c.Right > frame.Width || c.Bottom > frame.Height)
                    throw new ArgumentException($"crop {c} is not inside the {frame.Width}x{frame.Height} frame");
            if (SendsCropsAlone(frame))
                foreach (var c in frame.Crops)
                {
                    crops.Add(new FaceCrop(offset, c.Width, 0, 0, c.Width, c.Height));
                    offset += 3L * c.Width * c.Height;
                }
            else
            {
                crops.AddRange(frame.Crops.Select(c => new FaceCrop(offset, frame.Width, c.X, c.Y, c.Width, c.Height)));
                offset += FrameBytes(frame);
            }
        }
        return (crops.ToArray(), offset);
    }

    static bool SendsCropsAlone(FrameFaces frame) => frame.Crops.Sum(c => (long)c.Width * c.Height) < (long)frame.Width * frame.Height;

    /// <summary>
    /// What <see cref="PlaceFrames"/> placed, in the same order: a frame sent whole as it is, a frame's
    /// faces sent alone packed together (each frame's own array, so no part outgrows an array however
    /// large the frames).
    /// </summary>
    static IEnumerable<ReadOnlyMemory<byte>> FrameParts(IReadOnlyList<FrameFaces> frames)
    {
        foreach (var frame in frames.Where(f => f.Crops.Count > 0))
        {
            if (!SendsCropsAlone(frame))
            {
                yield return frame.Bgr[..(int)FrameBytes(frame)];
                continue;
            }
            var packed = new byte[frame.Crops.Sum(c => 3 * c.Width * c.Height)];
            int offset = 0;
            var bgr = frame.Bgr.Span;
            foreach (var c in frame.Crops)
                for (int row = 0; row < c.Height; row++, offset += 3 * c.Width)
                    bgr.Slice((int)(((long)(c.Y + row) * frame.Width + c.X) * 3), 3 * c.Width).CopyTo(packed.AsSpan(offset));
            yield return packed;
        }
    }

    /// <summary>Packs <paramref name="parts"/> one after another into the frames buffer, grown when needed.</summary>
    void UploadBytes(AcceleratorStream stream, IReadOnlyList<ReadOnlyMemory<byte>> parts, long bytes)
    {
        if (bytes == 0) return;
        if (_frames is null || _frames.Length < bytes)
        {
            stream.Synchronize(); // the old buffer may still be read by queued launches
            _frames?.Dispose();
            _frames = _accelerator.Allocate1D<byte>(bytes);
        }
        long offset = 0;
        foreach (var part in parts)
        {
            _frames.View.SubView(offset, part.Length).CopyFromCPU(stream, part.Span);
            offset += part.Length;
        }
    }

    MemoryBuffer1D<LetterboxView, Stride1D.Dense>? _views;

    /// <summary>
    /// A detector's batch straight from frames: each BGR frame (<paramref name="frames"/>, packed one
    /// after another; each view's <see cref="LetterboxView.FrameOffset"/> counts in that packing) is
    /// uploaded once, every view is letterboxed into the network's input on the device in the
    /// model's channel order and normalisation, and every output comes back.
    /// </summary>
    public void RunLetterboxed(IReadOnlyList<ReadOnlyMemory<byte>> frames, ReadOnlySpan<LetterboxView> views, IReadOnlyList<float[]> outputs)
    {
        var spec = Network.Input;
        if (!spec.Shape.IsImage || spec.Channels != 3 || spec.Shape.Height != spec.Shape.Width)
            throw new VideoAffectException($"{Network.Source}: a letterboxed input needs a square colour image, not {spec.Shape} {spec.Pixels}");
        if (views.Length < 1 || views.Length > MaxBatch)
            throw new ArgumentException($"{views.Length} views; this backend runs 1 to {MaxBatch} at once");
        long bytes = frames.Sum(f => (long)f.Length);
        _accelerator.Bind();
        var stream = _accelerator.DefaultStream;
        UploadBytes(stream, frames, bytes);
        if (_views is null || _views.Length < views.Length)
        {
            stream.Synchronize();
            _views?.Dispose();
            _views = _accelerator.Allocate1D<LetterboxView>(MaxBatch);
        }
        _views.View.SubView(0, views.Length).CopyFromCPU(stream, views);
        _plan.Kernel<LetterboxKernel>().Launch(stream, views.Length, _frames!.View, _views.View, _activations[0].View, spec.Shape.Height,
            spec.Pixels == PixelOrder.Rgb ? 1 : 0, spec.Divisor, spec.Offset);
        RunLayers(stream, views.Length);
        for (int k = 0; k < Network.Outputs.Count; k++)
            ReadOutput(k, views.Length, outputs[k].AsSpan(0, views.Length * Network.OutputShape(k).Size));
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

    /// <summary>
    /// Seconds per run of each layer (index 0, the input, is 0) at <paramref name="batch"/>, each
    /// layer launched <paramref name="runs"/> times on the activations the last run left (so the
    /// GPU kit can say which kernel holds the network's speed back).
    /// </summary>
    public double[] TimeLayers(int batch, int runs)
    {
        _accelerator.Bind();
        var stream = _accelerator.DefaultStream;
        var seconds = new double[_steps.Length];
        for (int i = 1; i < _steps.Length; i++)
        {
            _steps[i]!(stream, _inputs[i], _activations[i].View, batch);
            stream.Synchronize();
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            for (int r = 0; r < runs; r++) _steps[i]!(stream, _inputs[i], _activations[i].View, batch);
            stream.Synchronize();
            seconds[i] = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds / runs;
        }
        return seconds;
    }

    /// <summary>Whether layers time their kernel variants and take the fastest (the default), or take their defaults for now.</summary>
    public bool TuneKernels
    {
        get => _plan.TuneKernels;
        set => _plan.TuneKernels = value;
    }

    /// <summary>Each layer's kernel choices so far (by layer index), for the GPU kit's report.</summary>
    public IReadOnlyList<(int Layer, TacticChoice Choice)> TacticChoices() =>
        Network.Layers.Select((layer, i) => (layer, i))
            .Where(l => _plan.TacticChoices.ContainsKey(l.layer))
            .SelectMany(l => _plan.TacticChoices[l.layer].Made.Select(c => (l.i, c)))
            .ToList();

    /// <summary>Every layer after the input, as launches on <paramref name="stream"/>, for the batch already in the input buffer.</summary>
    void RunLayers(AcceleratorStream stream, int batch)
    {
        for (int i = 1; i < _steps.Length; i++)
            _steps[i]!(stream, _inputs[i], _activations[i].View, batch);
    }

    public override void Dispose()
    {
        foreach (var b in _activations) b.Dispose();
        _crops.Dispose();
        _frames?.Dispose();
        _views?.Dispose();
        _plan.Dispose();
        if (_ownsAccelerator) _accelerator.Dispose();
    }
}
