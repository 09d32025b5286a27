using VideoAffect.Engine;

namespace VideoAffect.Inference.Managed;

/// <summary>
/// The network in managed code: each op's managed implementation (Engine/Ops) compiled once,
/// convolutions as register-blocked SIMD GEMM (AVX-512 or AVX2), the light ops SIMD over
/// channels. Activations are preallocated for <see cref="InferenceBackend.MaxBatch"/> items and
/// reused across calls.
/// </summary>
public sealed class ManagedCpuBackend : InferenceBackend
{
    readonly float[][] _activations;
    readonly float[][][] _inputs;
    readonly ManagedStep?[] _steps;

    /// <param name="allowAvx512">False keeps the convolutions on 256-bit vectors even where AVX-512 is there.</param>
    public ManagedCpuBackend(Network network, int maxBatch = 64, bool allowAvx512 = true) : base(network, maxBatch)
    {
        var plan = new ManagedPlan(maxBatch, allowAvx512);
        _steps = network.Layers.Select((l, i) => i == 0 ? null : l.Managed(plan) ?? throw new UnsupportedOpException(l, "cpu")).ToArray();
        _activations = network.Layers.Select(l => new float[maxBatch * l.OutputShape.Size]).ToArray();
        _inputs = network.Layers.Select(l => l.Inputs.Select(k => _activations[k]).ToArray()).ToArray();
        VectorBits = allowAvx512 && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 512 : 256;
    }

    /// <summary>Register width the convolutions use.</summary>
    public int VectorBits { get; }

    public override string Name => "cpu";
    public override string DeviceName => $"managed SIMD ({Environment.ProcessorCount} threads, {VectorBits}-bit)";

    /// <summary>Layer <paramref name="layer"/>'s output for the first <paramref name="batch"/> items of the last run.</summary>
    public float[] ReadActivation(int layer, int batch) => _activations[layer].AsSpan(0, batch * Network.Layers[layer].OutputShape.Size).ToArray();

    protected override void RunBatch(ReadOnlySpan<float> input, int batch)
    {
        input.CopyTo(_activations[0]);
        for (int i = 1; i < _steps.Length; i++)
            _steps[i]!(_inputs[i], _activations[i], batch);
    }

    protected override void ReadOutput(int output, int batch, Span<float> destination)
    {
        int layer = Network.Outputs[output].Layer;
        _activations[layer].AsSpan(0, batch * Network.Layers[layer].OutputShape.Size).CopyTo(destination);
    }
}
