using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Training;

/// <summary>
/// Gradient of a convolution with respect to its input (the transposed convolution), one thread
/// per input element: the sum over every output that the element feeds, of output gradient times
/// weight. The output gradient must already be masked by the fused ReLU.
/// </summary>
internal sealed class Conv2DBackwardInputKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry> _kernel;

    public Conv2DBackwardInputKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry>(Execute);

    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> outputGradient, ArrayView<float> weights,
        ArrayView<float> inputGradient, in WindowGeometry g) =>
        _kernel(stream, batch * g.InputSize, outputGradient, weights, inputGradient, g);

    static void Execute(Index1D index, ArrayView<float> outputGradient, ArrayView<float> weights, ArrayView<float> inputGradient, WindowGeometry g)
    {
        var at = g.LocateInput(index);
        int n = at.N, iy = at.Y, ix = at.X, ci = at.Channel;
        float sum = 0f;
        for (int ky = 0; ky < g.KernelHeight; ky++)
        {
            int oy = WindowMath.OutputFor(iy + g.PadTop - ky, g.StrideY, g.OutHeight);
            if (oy < 0) continue;
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int ox = WindowMath.OutputFor(ix + g.PadLeft - kx, g.StrideX, g.OutWidth);
                if (ox < 0) continue;
                int dy = ((n * g.OutHeight + oy) * g.OutWidth + ox) * g.OutChannels;
                int w = ((ky * g.KernelWidth + kx) * g.InChannels + ci) * g.OutChannels;
                for (int co = 0; co < g.OutChannels; co++)
                    sum += outputGradient[dy + co] * weights[w + co];
            }
        }
        inputGradient[index] = sum;
    }
}
