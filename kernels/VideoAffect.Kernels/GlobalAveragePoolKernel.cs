using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>Mean over height and width of an NHWC tensor: [N, H, W, C] -> [N, C].</summary>
internal sealed class GlobalAveragePoolKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, int> _kernel;

    public GlobalAveragePoolKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(Execute);

    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> output, int pixels, int channels) =>
        _kernel(stream, batch * channels, input, output, pixels, channels);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> output, int pixels, int channels)
    {
        int c = index % channels;
        int n = index / channels;
        int baseOffset = n * pixels * channels + c;
        float sum = 0f;
        for (int p = 0; p < pixels; p++)
            sum += input[baseOffset + p * channels];
        output[index] = sum / pixels;
    }
}
