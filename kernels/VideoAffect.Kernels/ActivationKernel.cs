using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>The element-wise activations besides ReLU (which convolutions fuse): ONNX's LeakyRelu, Sigmoid, Tanh and Clip.</summary>
public enum ActivationKind { LeakyRelu, Sigmoid, Tanh, Clip }

/// <summary>One activation and its parameters: the slope below zero for LeakyRelu, the bounds for Clip.</summary>
public readonly struct Activation(ActivationKind kind, float alpha = 0f, float min = float.NegativeInfinity, float max = float.PositiveInfinity)
{
    public readonly ActivationKind Kind = kind;
    public readonly float Alpha = alpha, Min = min, Max = max;

    /// <summary>The one definition every backend applies (the managed path calls it too).</summary>
    public float Apply(float x) => Kind switch
    {
        ActivationKind.LeakyRelu => x < 0f ? x * Alpha : x,
        ActivationKind.Sigmoid => 1f / (1f + XMath.Exp(-x)),
        ActivationKind.Tanh => XMath.Tanh(x),
        _ => x < Min ? Min : x > Max ? Max : x,
    };
}

/// <summary>An <see cref="Activation"/> element by element.</summary>
public sealed class ActivationKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, Activation> _kernel;

    public ActivationKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, Activation>(Execute);

    public void Launch(AcceleratorStream stream, int length, ArrayView<float> input, ArrayView<float> output, Activation activation) =>
        _kernel(stream, length, input, output, activation);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> output, Activation activation) =>
        output[index] = activation.Apply(input[index]);
}
