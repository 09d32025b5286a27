using ILGPU;
using ILGPU.Runtime;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>
/// What an op's ILGPU implementation is compiled against: the accelerator, its kernels (each
/// loaded once per accelerator however many layers use it) and the parameters uploaded for the
/// network, freed with the plan.
/// </summary>
/// <param name="tiledKernels">whether ops take their tiled (and tuned) kernels; by default on every accelerator but ILGPU's CPU one (the tests ask for them there, to run a GPU's path)</param>
internal sealed class IlgpuPlan(Accelerator accelerator, bool? tiledKernels = null) : IDisposable
{
    readonly Dictionary<Type, object> _kernels = new();
    readonly List<MemoryBuffer> _buffers = new();
    readonly Dictionary<Layer, TunedConvolution> _convolutions = new();

    public Accelerator Accelerator => accelerator;

    /// <summary>
    /// ILGPU's CPU accelerator simulates group barriers with thread synchronisation, which makes
    /// shared-memory tiled kernels far slower there than the direct ones.
    /// </summary>
    public bool PrefersTiledKernels { get; } = tiledKernels ?? accelerator.AcceleratorType != AcceleratorType.CPU;

    /// <summary>
    /// A layer's convolution, launched by the tactic (GEMM tile layout or direct kernel) that runs
    /// it fastest here, timed on its first launch of each batch size class; kept for the GPU kit
    /// and diagnostics to read the choices back.
    /// </summary>
    public TunedConvolution TunedConvolution(Layer layer, in WindowGeometry geometry)
    {
        var convolution = new TunedConvolution(Kernel<ConvGemmKernel>(), Kernel<Conv2DKernel>(), geometry,
            accelerator.AcceleratorType == AcceleratorType.CPU ? Kernels.TunedConvolution.DefaultOnly : null);
        _convolutions.Add(layer, convolution);
        return convolution;
    }

    /// <summary>The tuned convolution of each layer that has one.</summary>
    public IReadOnlyDictionary<Layer, TunedConvolution> TunedConvolutions => _convolutions;

    /// <summary>A kernel launcher (a class in kernels/ constructed from the accelerator), loaded on first use.</summary>
    public T Kernel<T>() where T : class
    {
        if (!_kernels.TryGetValue(typeof(T), out var kernel))
            _kernels[typeof(T)] = kernel = Activator.CreateInstance(typeof(T), accelerator)!;
        return (T)kernel;
    }

    /// <summary>Parameters on the device for the plan's lifetime.</summary>
    public ArrayView<float> Upload(float[] values)
    {
        var buffer = accelerator.Allocate1D(values.Length == 0 ? [0f] : values);
        _buffers.Add(buffer);
        return buffer.View;
    }

    public void Dispose()
    {
        foreach (var b in _buffers) b.Dispose();
        _buffers.Clear();
    }
}

/// <summary>One op's launches for <paramref name="batch"/> items, queued on <paramref name="stream"/>.</summary>
internal delegate void IlgpuStep(AcceleratorStream stream, ArrayView<float>[] inputs, ArrayView<float> output, int batch);
