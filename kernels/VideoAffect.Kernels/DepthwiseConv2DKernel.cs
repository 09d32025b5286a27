using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// Depthwise convolution (channel multiplier 1) on NHWC input with [kh, kw, C] weights, fused
/// bias and optional ReLU: each channel is filtered by its own window.
/// </summary>
public sealed class DepthwiseConv2DKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int> _kernel;

    public DepthwiseConv2DKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int>(Execute);

    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> weights,
        ArrayView<float> bias, ArrayView<float> output, in WindowGeometry g, bool relu) =>
        _kernel(stream, batch * g.OutputSize, input, weights, bias, output, g, relu ? 1 : 0);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> weights, ArrayView<float> bias,
        ArrayView<float> output, WindowGeometry g, int relu)
    {
        int c = index % g.OutChannels;
        int pixel = index / g.OutChannels;
        int ox = pixel % g.OutWidth;
        int rest = pixel / g.OutWidth;
        int oy = rest % g.OutHeight;
        int n = rest / g.OutHeight;

        float sum = bias[c];
        int inBase = n * g.InputSize;
        for (int ky = 0; ky < g.KernelHeight; ky++)
        {
            int iy = oy * g.StrideY - g.PadTop + ky;
            if (iy < 0 || iy >= g.InHeight) continue;
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int ix = ox * g.StrideX - g.PadLeft + kx;
                if (ix < 0 || ix >= g.InWidth) continue;
                sum += input[inBase + (iy * g.InWidth + ix) * g.InChannels + c]
                     * weights[(ky * g.KernelWidth + kx) * g.InChannels + c];
            }
        }
        output[index] = relu != 0 && sum < 0f ? 0f : sum;
    }
}
