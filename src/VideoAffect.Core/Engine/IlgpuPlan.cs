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
    readonly Dictionary<Layer, ITacticChoices> _tactics = new();

    public Accelerator Accelerator => accelerator;

    /// <summary>
    /// ILGPU's CPU accelerator simulates group barriers with thread synchronisation, which makes
    /// shared-memory tiled kernels far slower there than the direct ones.
    /// </summary>
    public bool PrefersTiledKernels { get; } = tiledKernels ?? accelerator.AcceleratorType != AcceleratorType.CPU;

    /// <summary>
    /// A layer's choice among its kernels (<paramref name="tactics"/>), made by timing them on its
    /// first launch of each batch size class (<see cref="TacticTimer{TTactic}"/>); on ILGPU's CPU
    /// accelerator, whose simulated times say nothing of a GPU's, the default, untimed. Kept for the
    /// GPU kit and diagnostics to read the choices back.
    /// </summary>
    public TacticTimer<TTactic> Tactics<TTactic>(Layer layer, TTactic @default, IReadOnlyList<TTactic> tactics) where TTactic : struct, Enum
    {
        var timer = new TacticTimer<TTactic>(@default, tactics,
            accelerator.AcceleratorType == AcceleratorType.CPU ? TacticTimer<TTactic>.DefaultOnly(@default) : null);
        timer.Enabled = _tuneKernels;
        _tactics.Add(layer, timer);
        return timer;
    }

    /// <summary>Whether layers time their tactics (true, the default) or take their defaults for now (see <see cref="TacticTimer{TTactic}.Enabled"/>).</summary>
    public bool TuneKernels
    {
        get => _tuneKernels;
        set
        {
            _tuneKernels = value;
            foreach (var timer in _tactics.Values) timer.Enabled = value;
        }
    }
    bool _tuneKernels = true;

    /// <summary>The tactic choices of each layer that has them.</summary>
    public IReadOnlyDictionary<Layer, ITacticChoices> TacticChoices => _tactics;

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
