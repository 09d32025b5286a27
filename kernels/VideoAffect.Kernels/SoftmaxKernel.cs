using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>Softmax over the last axis of an [N, classes] tensor; one thread per row, max-shifted for stability.</summary>
internal sealed class SoftmaxKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int> _kernel;

    public SoftmaxKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(Execute);

    public void Launch(AcceleratorStream stream, int rows, ArrayView<float> input, ArrayView<float> output, int classes) =>
        _kernel(stream, rows, input, output, classes);

    static void Execute(Index1D row, ArrayView<float> input, ArrayView<float> output, int classes)
    {
        int offset = row * classes;
        float max = float.NegativeInfinity;
        for (int i = 0; i < classes; i++)
            max = XMath.Max(max, input[offset + i]);
        float sum = 0f;
        for (int i = 0; i < classes; i++)
        {
            float e = XMath.Exp(input[offset + i] - max);
            output[offset + i] = e;
            sum += e;
        }
        for (int i = 0; i < classes; i++)
            output[offset + i] /= sum;
    }
}
