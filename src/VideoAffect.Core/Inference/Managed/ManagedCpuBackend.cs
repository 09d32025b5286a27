using VideoAffect.Model;

namespace VideoAffect.Inference.Managed;

/// <summary>
/// The network in managed code: convolutions as register-blocked SIMD GEMM (AVX-512 or AVX2),
/// the light layers SIMD over channels, threads over output pixels. Activations and scratch are
/// preallocated for <see cref="InferenceBackend.MaxBatch"/> items and reused across calls.
/// </summary>
public sealed class ManagedCpuBackend : InferenceBackend
{
    readonly float[][] _activations;
    readonly PackedConv2D?[] _convolutions;

    /// <param name="allowAvx512">False keeps the convolutions on 256-bit vectors even where AVX-512 is there.</param>
    public ManagedCpuBackend(Network network, int maxBatch = 64, bool allowAvx512 = true) : base(network, maxBatch)
    {
        _activations = network.Layers.Select(l => new float[maxBatch * l.OutputShape.Size]).ToArray();
        _convolutions = network.Layers.Select(l => l is Conv2DLayer c ? new PackedConv2D(c.Weights, c.Bias, c.Geometry, c.Relu, maxBatch, allowAvx512) : null).ToArray();
        VectorBits = allowAvx512 && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 512 : 256;
    }

    /// <summary>Register width the convolutions use.</summary>
    public int VectorBits { get; }

    public override string Name => "cpu";
    public override string DeviceName => $"managed SIMD ({Environment.ProcessorCount} threads, {VectorBits}-bit)";

    /// <summary>Layer <paramref name="layer"/>'s output for the first <paramref name="batch"/> items of the last run.</summary>
    public float[] ReadActivation(int layer, int batch) => _activations[layer].AsSpan(0, batch * Network.Layers[layer].OutputShape.Size).ToArray();

    protected override void RunBatch(ReadOnlySpan<float> input, int batch, Span<float> probabilities)
    {
        input.CopyTo(_activations[0]);
        var layers = Network.Layers;
        for (int i = 1; i < layers.Count; i++)
        {
            var output = _activations[i];
            float[] In(int k) => _activations[layers[i].Inputs[k]];
            switch (layers[i])
            {
                case Conv2DLayer: _convolutions[i]!.Run(In(0), output, batch); break;
                case DepthwiseConv2DLayer d: ManagedDepthwiseConv2D.Run(In(0), d.Weights, d.Bias, output, batch, d.Geometry, d.Relu); break;
                case MaxPoolLayer m: ManagedMaxPool.Run(In(0), output, batch, m.Geometry); break;
                case AddLayer a:
                {
                    int length = batch * a.OutputShape.Size;
                    SimdMath.Add(In(0).AsSpan(0, length), In(1).AsSpan(0, length), output.AsSpan(0, length));
                    if (a.Relu) SimdMath.Relu(output.AsSpan(0, length));
                    break;
                }
                case DropoutLayer d: In(0).AsSpan(0, batch * d.OutputShape.Size).CopyTo(output); break;
                case ReluLayer r:
                {
                    int length = batch * r.OutputShape.Size;
                    In(0).AsSpan(0, length).CopyTo(output);
                    SimdMath.Relu(output.AsSpan(0, length));
                    break;
                }
                case GlobalAveragePoolLayer p:
                    ManagedReductions.GlobalAveragePool(In(0), output, batch, p.InputShape.Height * p.InputShape.Width, p.InputShape.Channels);
                    break;
                case SoftmaxLayer s: ManagedReductions.Softmax(In(0), output, batch, s.OutputShape.Size); break;
                default: throw new NotSupportedException($"the cpu backend has no implementation of {layers[i].GetType().Name}");
            }
        }
        _activations[^1].AsSpan(0, probabilities.Length).CopyTo(probabilities);
    }
}
