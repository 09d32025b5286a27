using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary><c>x &gt;= 0 ? x : x * slope[c]</c> with c the channel (the last NHWC axis): PReLU's learned slopes (MobileFaceNet, many face models).</summary>
internal sealed class PReluKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _kernel;

    public PReluKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(Execute);

    public void Launch(AcceleratorStream stream, int length, ArrayView<float> input, ArrayView<float> slopes, ArrayView<float> output, int channels) =>
        _kernel(stream, length, input, slopes, output, channels);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> slopes, ArrayView<float> output, int channels)
    {
        float x = input[index];
        output[index] = x >= 0f ? x : x * slopes[index % channels];
    }
}
