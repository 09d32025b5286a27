using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Training;

/// <summary>
/// Gradients of a convolution's weights (HWIO) and bias. Each of them is a sum over the batch and
/// every output position; a thread per parameter alone would leave a GPU nearly idle on the first
/// layers (288 weights summing 135,000 terms each in the seed network), so the sum is split into
/// slices of output rows: the first launch writes one partial sum per (slice, parameter), with
/// neighbouring threads on neighbouring output channels so their reads coalesce; the second adds
/// the slices up. The last OutChannels parameters are the bias. No atomics, so results are
/// deterministic.
/// </summary>
internal sealed class Conv2DBackwardWeightsKernel
{
    /// <summary>Threads the first launch aims for: enough to fill a large GPU.</summary>
    const int TargetThreads = 1 << 17;
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int, int> _partial;
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _reduce;

    public Conv2DBackwardWeightsKernel(Accelerator accelerator)
    {
        _partial = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int, int>(Partial);
        _reduce = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(Reduce);
    }

    /// <summary>How many slices a layer's sum is split into (at most one per output row of the batch).</summary>
    public static int Slices(in WindowGeometry g, int batch)
    {
        int parameters = g.KernelHeight * g.KernelWidth * g.InChannels * g.OutChannels + g.OutChannels;
        return Math.Clamp(TargetThreads / parameters, 1, batch * g.OutHeight);
    }

    /// <summary>Scratch floats the launch needs for <paramref name="batch"/> items.</summary>
    public static long ScratchLength(in WindowGeometry g, int batch) =>
        (long)Slices(g, batch) * (g.KernelHeight * g.KernelWidth * g.InChannels * g.OutChannels + g.OutChannels);

    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> outputGradient,
        ArrayView<float> weightGradient, ArrayView<float> biasGradient, ArrayView<float> scratch, in WindowGeometry g)
    {
        int weights = (int)weightGradient.Length, parameters = weights + g.OutChannels, slices = Slices(g, batch);
        _partial(stream, slices * parameters, input, outputGradient, scratch, g, batch, slices);
        _reduce(stream, parameters, scratch, weightGradient, biasGradient, weights, slices);
    }

    static void Partial(Index1D index, ArrayView<float> input, ArrayView<float> outputGradient, ArrayView<float> scratch,
        WindowGeometry g, int batch, int slices)
    {
        int weights = g.KernelHeight * g.KernelWidth * g.InChannels * g.OutChannels, parameters = weights + g.OutChannels;
        int parameter = index % parameters, slice = index / parameters;
        int rows = batch * g.OutHeight, first = (int)((long)rows * slice / slices), last = (int)((long)rows * (slice + 1) / slices);
        float sum = 0f;
        if (parameter >= weights)
        {
            int channel = parameter - weights;
            for (int p = first * g.OutWidth; p < last * g.OutWidth; p++)
                sum += outputGradient[p * g.OutChannels + channel];
        }
        else
        {
            int co = parameter % g.OutChannels, tap = parameter / g.OutChannels;
            int ci = tap % g.InChannels, kx = tap / g.InChannels % g.KernelWidth, ky = tap / (g.InChannels * g.KernelWidth);
            for (int row = first; row < last; row++)
            {
                int n = row / g.OutHeight, oy = row % g.OutHeight, iy = g.InputY(oy, ky);
                if (iy < 0 || iy >= g.InHeight) continue;
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    int ix = g.InputX(ox, kx);
                    if (ix < 0 || ix >= g.InWidth) continue;
                    sum += input[g.InputOffset(n, iy, ix) + ci] * outputGradient[(row * g.OutWidth + ox) * g.OutChannels + co];
                }
            }
        }
        scratch[index] = sum;
    }

    static void Reduce(Index1D parameter, ArrayView<float> scratch, ArrayView<float> weightGradient, ArrayView<float> biasGradient, int weights, int slices)
    {
        int parameters = weights + (int)biasGradient.Length;
        float sum = 0f;
        for (int s = 0; s < slices; s++) sum += scratch[s * parameters + parameter];
        if (parameter < weights) weightGradient[parameter] = sum;
        else biasGradient[parameter - weights] = sum;
    }
}
