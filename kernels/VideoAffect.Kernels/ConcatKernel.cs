using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// Copies one input of a channel concatenation into its place: value c of pixel p of the input
/// (<paramref name="channels"/> per pixel) lands at channel <c>offset + c</c> of the output's pixel p.
/// One launch per input, each thread one value.
/// </summary>
internal sealed class ConcatKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, int, int> _kernel;

    public ConcatKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(Execute);

    public void Launch(AcceleratorStream stream, int length, ArrayView<float> input, ArrayView<float> output, int channels, int outChannels, int offset) =>
        _kernel(stream, length, input, output, channels, outChannels, offset);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> output, int channels, int outChannels, int offset) =>
        output[index / channels * outChannels + offset + index % channels] = input[index];
}
