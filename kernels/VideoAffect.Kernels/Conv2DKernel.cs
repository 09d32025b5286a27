using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// Direct 2-D convolution on NHWC input with HWIO weights, fused bias and optional ReLU.
/// One thread per output element; the reference the faster tiled kernels are checked against.
/// </summary>
internal sealed class Conv2DKernel
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
        var o = g.Locate(index);
        float sum = bias[o.Channel];
        for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int iy = g.InputY(o.Y, ky), ix = g.InputX(o.X, kx);
                if (!g.InsideInput(iy, ix)) continue; // zero padding
                int inOffset = g.InputOffset(o.N, iy, ix);
                int wOffset = (ky * g.KernelWidth + kx) * g.InChannels * g.OutChannels + o.Channel;
                for (int ci = 0; ci < g.InChannels; ci++)
                    sum += input[inOffset + ci] * weights[wOffset + ci * g.OutChannels];
            }
        output[index] = relu != 0 && sum < 0f ? 0f : sum;
    }
}
