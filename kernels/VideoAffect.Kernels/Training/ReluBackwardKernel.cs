using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Training;

/// <summary>
/// Gradient through a ReLU, in place: zero where the ReLU's output is zero. Works from the output,
/// so a ReLU fused into its convolution needs no extra stored tensor.
/// </summary>
internal sealed class ReluBackwardKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>> _kernel;

    public ReluBackwardKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>>(Execute);

    public void Launch(AcceleratorStream stream, int length, ArrayView<float> output, ArrayView<float> gradient) =>
        _kernel(stream, length, output, gradient);

    static void Execute(Index1D i, ArrayView<float> output, ArrayView<float> gradient)
    {
        if (output[i] <= 0f) gradient[i] = 0f;
    }
}
