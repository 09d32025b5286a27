using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Training;

/// <summary>
/// Gradients of a convolution's weights (HWIO) and bias in one launch: one thread per weight sums
/// input times output gradient over the batch and every output position; the last OutChannels
/// threads sum the output gradient for the bias. Each thread owns its result, so no atomics.
/// </summary>
public sealed class Conv2DBackwardWeightsKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int> _kernel;

    public Conv2DBackwardWeightsKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int>(Execute);

    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> outputGradient,
        ArrayView<float> weightGradient, ArrayView<float> biasGradient, in WindowGeometry g) =>
        _kernel(stream, (int)weightGradient.Length + g.OutChannels, input, outputGradient, weightGradient, biasGradient, g, batch);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> outputGradient,
        ArrayView<float> weightGradient, ArrayView<float> biasGradient, WindowGeometry g, int batch)
    {
        int weights = (int)weightGradient.Length;
        if (index >= weights)
        {
            int channel = index - weights;
            float total = 0f;
            for (int p = 0; p < batch * g.OutHeight * g.OutWidth; p++)
                total += outputGradient[p * g.OutChannels + channel];
            biasGradient[channel] = total;
            return;
        }
        int co = index % g.OutChannels, tap = index / g.OutChannels;
        int ci = tap % g.InChannels, kx = tap / g.InChannels % g.KernelWidth, ky = tap / (g.InChannels * g.KernelWidth);
        float sum = 0f;
        for (int n = 0; n < batch; n++)
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                int iy = g.InputY(oy, ky);
                if (iy < 0 || iy >= g.InHeight) continue;
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    int ix = g.InputX(ox, kx);
                    if (ix < 0 || ix >= g.InWidth) continue;
                    sum += input[g.InputOffset(n, iy, ix) + ci] * outputGradient[((n * g.OutHeight + oy) * g.OutWidth + ox) * g.OutChannels + co];
                }
            }
        weightGradient[index] = sum;
    }
}
