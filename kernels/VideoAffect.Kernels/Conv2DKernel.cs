using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// Direct 2-D convolution on NHWC input with HWIO weights, fused bias and optional ReLU.
/// One thread per output element; the reference the faster tiled kernels are checked against.
/// </summary>
public sealed class Conv2DKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int> _kernel;

    public Conv2DKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int>(Execute);

    /// <param name="relu">Clamp outputs at zero after the bias (TF's fused BiasAdd+Relu).</param>
    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> weights,
        ArrayView<float> bias, ArrayView<float> output, in WindowGeometry g, bool relu) =>
        _kernel(stream, batch * g.OutputSize, input, weights, bias, output, g, relu ? 1 : 0);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> weights, ArrayView<float> bias,
        ArrayView<float> output, WindowGeometry g, int relu)
    {
        int co = index % g.OutChannels;
        int pixel = index / g.OutChannels;
        int ox = pixel % g.OutWidth;
        int rest = pixel / g.OutWidth;
        int oy = rest % g.OutHeight;
        int n = rest / g.OutHeight;

        float sum = bias[co];
        int inBase = n * g.InputSize;
        for (int ky = 0; ky < g.KernelHeight; ky++)
        {
            int iy = oy * g.StrideY - g.PadTop + ky;
            if (iy < 0 || iy >= g.InHeight) continue;
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int ix = ox * g.StrideX - g.PadLeft + kx;
                if (ix < 0 || ix >= g.InWidth) continue;
                int inOffset = inBase + (iy * g.InWidth + ix) * g.InChannels;
                int wOffset = ((ky * g.KernelWidth + kx) * g.InChannels) * g.OutChannels + co;
                for (int ci = 0; ci < g.InChannels; ci++)
                    sum += input[inOffset + ci] * weights[wOffset + ci * g.OutChannels];
            }
        }
        output[index] = relu != 0 && sum < 0f ? 0f : sum;
    }
}
