using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>Element-wise sum of two equally shaped tensors (residual connections), optional ReLU.</summary>
internal sealed class AddKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _kernel;

    public AddKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(Execute);

    public void Launch(AcceleratorStream stream, int length, ArrayView<float> a, ArrayView<float> b, ArrayView<float> output, bool relu) =>
        _kernel(stream, length, a, b, output, relu ? 1 : 0);

    static void Execute(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> output, int relu)
    {
        float sum = a[index] + b[index];
        output[index] = relu != 0 && sum < 0f ? 0f : sum;
    }
}
