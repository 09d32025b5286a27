using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>max(x, 0) element-wise, for a ReLU that could not be fused into its producer.</summary>
internal sealed class ReluKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>> _kernel;

    public ReluKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>>(Execute);

    public void Launch(AcceleratorStream stream, int length, ArrayView<float> input, ArrayView<float> output) =>
        _kernel(stream, length, input, output);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> output)
    {
        float v = input[index];
        output[index] = v < 0f ? 0f : v;
    }
}
