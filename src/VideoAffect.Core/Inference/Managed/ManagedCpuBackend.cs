using VideoAffect.Engine;
using VideoAffect.Engine.Cpu;

namespace VideoAffect.Inference.Managed;

/// <summary>
/// The network in managed code: each op's managed implementation (Engine/Ops) compiled once,
/// convolutions as register-blocked SIMD GEMM (AVX-512 or AVX2), the light ops SIMD over
/// channels; a depthwise convolution read only by the 1x1 convolution after it runs inside that
/// layer's step (<see cref="ManagedFusion"/>). Activations are preallocated for
/// <see cref="InferenceBackend.MaxBatch"/> items and reused across calls.
/// <para>
/// The convolutions' and the shared vector loops' methods are compiled optimised at their first
/// call (<c>AggressiveOptimization</c>), as the SIMD cascade's are: the CLI turns off the quick JIT
/// of loops and dynamic PGO for itself, but an app that hosts the library keeps .NET's defaults,
/// under which the convolutions ran as tier-0 code, every vector helper a call, through the first
/// seconds. Measured on the CLI with those defaults (2 cores, 3 runs each, 2026-12-07): the sample
/// clip at 33-39 fps, 36-41 with the attribute; its first 2 s at 24-30 fps, 31-35 with it; the
/// CLI's own settings are unchanged (40-47 fps either way).
/// </para>
/// </summary>
internal sealed class ManagedCpuBackend : InferenceBackend
{
    readonly float[][] _activations;
    readonly float[][][] _inputs;
    readonly ManagedStep?[] _steps;
    readonly DepthwisePointwise[] _fused;

    /// <param name="allowAvx512">False keeps the convolutions on 256-bit vectors even where AVX-512 is there.</param>
    /// <param name="fuse">False runs every layer as its own step, keeping every activation for <see cref="ReadActivation"/>.</param>
    public ManagedCpuBackend(Network network, int maxBatch = 64, bool allowAvx512 = true, bool fuse = true) : base(network, maxBatch)
    {
        var plan = new ManagedPlan(maxBatch, allowAvx512);
        var fused = fuse ? ManagedFusion.DepthwiseIntoPointwise(network, plan) : [];
        _fused = fused.Values.ToArray();
        var inside = fused.Keys.Select(i => i - 1).ToHashSet();
        _activations = network.Layers.Select((l, i) => inside.Contains(i) ? [] : new float[maxBatch * l.OutputShape.Size]).ToArray();
        _inputs = network.Layers.Select(l => l.Inputs.Select(k => _activations[k]).ToArray()).ToArray();
        _steps = network.Layers.Select((l, i) =>
            i == 0 ? null
            : inside.Contains(i) ? Skipped
            : fused.TryGetValue(i, out var pair) ? Fused(pair, _activations[network.Layers[i - 1].Inputs[0]])
            : l.Managed(plan) ?? throw new UnsupportedOpException(l, "cpu")).ToArray();
        VectorBits = allowAvx512 && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 512 : 256;
    }

    /// <summary>A depthwise layer run inside its pointwise successor's step.</summary>
    static readonly ManagedStep Skipped = (_, _, _) => { };

    /// <summary>The pair's step: the depthwise input is read from its own activation, the residual (if any) is the pointwise layer's second input.</summary>
    static ManagedStep Fused(DepthwisePointwise pair, float[] depthwiseInput) =>
        (inputs, output, batch) => pair.Run(depthwiseInput, output, batch, inputs.Length > 1 ? inputs[1] : null);

    /// <summary>Register width the convolutions use.</summary>
    public int VectorBits { get; }

    public override string Name => "cpu";
    public override string DeviceName => $"managed SIMD ({Environment.ProcessorCount} threads, {VectorBits}-bit)";

    /// <summary>
    /// Layer <paramref name="layer"/>'s output for the first <paramref name="batch"/> items of the
    /// last run; empty for a depthwise layer run fused with its successor (see <see cref="ManagedFusion"/>).
    /// </summary>
    public float[] ReadActivation(int layer, int batch) =>
        _activations[layer].Length == 0 ? [] : _activations[layer].AsSpan(0, batch * Network.Layers[layer].OutputShape.Size).ToArray();

    protected override void RunBatch(ReadOnlySpan<float> input, int batch)
    {
        input.CopyTo(_activations[0]);
        for (int i = 1; i < _steps.Length; i++)
            _steps[i]!(_inputs[i], _activations[i], batch);
    }

    public override void Dispose()
    {
        foreach (var pair in _fused) pair.Dispose();
        base.Dispose();
    }

    protected override void ReadOutput(int output, int batch, Span<float> destination)
    {
        int layer = Network.Outputs[output].Layer;
        _activations[layer].AsSpan(0, batch * Network.Layers[layer].OutputShape.Size).CopyTo(destination);
    }
}
