using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary><c>x * scale[c] + shift[c]</c> with c the channel (the last NHWC axis): a batch norm or constant arithmetic not folded into a convolution.</summary>
internal sealed class ScaleShiftKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _kernel;

    public ScaleShiftKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(Execute);

    public void Launch(AcceleratorStream stream, int length, ArrayView<float> input, ArrayView<float> scale, ArrayView<float> shift, ArrayView<float> output, int channels) =>
        _kernel(stream, length, input, scale, shift, output, channels);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> scale, ArrayView<float> shift, ArrayView<float> output, int channels)
    {
        int c = index % channels;
        output[index] = input[index] * scale[c] + shift[c];
    }
}
