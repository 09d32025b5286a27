using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// The element-wise activations besides ReLU (which convolutions fuse): ONNX's LeakyRelu, Sigmoid,
/// Tanh, Clip, HardSigmoid, HardSwish (MobileNetV3) and Elu.
/// </summary>
internal enum ActivationKind { LeakyRelu, Sigmoid, Tanh, Clip, HardSigmoid, HardSwish, Elu }

/// <summary>
/// One activation and its parameters: the slope below zero for LeakyRelu, the bounds for Clip,
/// HardSigmoid's <c>max(0, min(1, alpha x + beta))</c> (alpha in <see cref="Alpha"/>, beta in
/// <see cref="Min"/>), Elu's alpha.
/// </summary>
internal readonly struct Activation(ActivationKind kind, float alpha = 0f, float min = float.NegativeInfinity, float max = float.PositiveInfinity)
{
    public readonly ActivationKind Kind = kind;
    public readonly float Alpha = alpha, Min = min, Max = max;

    /// <summary>The one definition every backend applies (the managed path calls it too).</summary>
    public float Apply(float x) => Kind switch
    {
        ActivationKind.LeakyRelu => x < 0f ? x * Alpha : x,
        ActivationKind.Sigmoid => 1f / (1f + XMath.Exp(-x)),
        ActivationKind.Tanh => XMath.Tanh(x),
        ActivationKind.Clip => x < Min ? Min : x > Max ? Max : x,
        ActivationKind.HardSigmoid => HardSigmoid(Alpha * x + Min),
        ActivationKind.HardSwish => x * HardSigmoid(x / 6f + 0.5f),
        _ => x < 0f ? Alpha * (XMath.Exp(x) - 1f) : x,
    };

    static float HardSigmoid(float v) => v < 0f ? 0f : v > 1f ? 1f : v;

    public static Activation HardSigmoidOf(float alpha, float beta) => new(ActivationKind.HardSigmoid, alpha, min: beta);
}

/// <summary>An <see cref="Activation"/> element by element.</summary>
internal sealed class ActivationKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, Activation> _kernel;

    public ActivationKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, Activation>(Execute);

    public void Launch(AcceleratorStream stream, int length, ArrayView<float> input, ArrayView<float> output, Activation activation) =>
        _kernel(stream, length, input, output, activation);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> output, Activation activation) =>
        output[index] = activation.Apply(input[index]);
}
