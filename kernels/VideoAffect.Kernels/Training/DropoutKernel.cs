using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Training;

/// <summary>
/// Inverted dropout with the mask of <see cref="DropoutMask"/>. The backward pass is the same
/// operation on the gradient with the same seed, so one kernel serves both.
/// </summary>
internal sealed class DropoutKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, uint, float> _kernel;

    public DropoutKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, uint, float>(Execute);

    public void Launch(AcceleratorStream stream, int length, ArrayView<float> input, ArrayView<float> output, uint seed, float rate) =>
        _kernel(stream, length, input, output, seed, rate);

    static void Execute(Index1D i, ArrayView<float> input, ArrayView<float> output, uint seed, float rate) =>
        output[i] = DropoutMask.Apply(input[i], seed, i, rate);
}
