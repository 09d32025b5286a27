using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// Depthwise convolution (channel multiplier 1) on NHWC input with [kh, kw, C] weights, fused
/// bias and optional ReLU: each channel is filtered by its own window.
/// </summary>
internal sealed class DepthwiseConv2DKernel
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
        var o = g.Locate(index);
        float sum = bias[o.Channel];
        for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int iy = g.InputY(o.Y, ky), ix = g.InputX(o.X, kx);
                if (!g.InsideInput(iy, ix)) continue; // zero padding
                sum += input[g.InputOffset(o.N, iy, ix) + o.Channel] * weights[(ky * g.KernelWidth + kx) * g.InChannels + o.Channel];
            }
        output[index] = relu != 0 && sum < 0f ? 0f : sum;
    }
}
