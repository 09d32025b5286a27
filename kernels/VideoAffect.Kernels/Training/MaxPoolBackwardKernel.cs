using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Training;

/// <summary>
/// Gradient of max pooling, one thread per input element: it gathers the gradient of every window
/// whose maximum it is (the first maximum in scan order, as the forward pass picks), so overlapping
/// windows need no atomics.
/// </summary>
internal sealed class MaxPoolBackwardKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry> _kernel;

    public MaxPoolBackwardKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry>(Execute);

    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> outputGradient,
        ArrayView<float> inputGradient, in WindowGeometry g) =>
        _kernel(stream, batch * g.InputSize, input, outputGradient, inputGradient, g);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> outputGradient, ArrayView<float> inputGradient, WindowGeometry g)
    {
        var at = g.LocateInput(index);
        int n = at.N, iy = at.Y, ix = at.X, c = at.Channel;
        float sum = 0f;
        for (int ky = 0; ky < g.KernelHeight; ky++)
        {
            int oy = WindowMath.OutputFor(iy + g.PadTop - ky, g.StrideY, g.OutHeight);
            if (oy < 0) continue;
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int ox = WindowMath.OutputFor(ix + g.PadLeft - kx, g.StrideX, g.OutWidth);
                if (ox >= 0 && ArgMax(input, g, n, oy, ox, c) == iy * g.InWidth + ix)
                    sum += outputGradient[((n * g.OutHeight + oy) * g.OutWidth + ox) * g.OutChannels + c];
            }
        }
        inputGradient[index] = sum;
    }

    /// <summary>Flat input pixel (y * width + x) of the window's first maximum.</summary>
    static int ArgMax(ArrayView<float> input, WindowGeometry g, int n, int oy, int ox, int c)
    {
        float best = float.NegativeInfinity;
        int at = -1;
        for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int y = g.InputY(oy, ky), x = g.InputX(ox, kx);
                if (!g.InsideInput(y, x)) continue;
                float v = input[g.InputOffset(n, y, x) + c];
                if (v > best || at < 0) { best = v; at = y * g.InWidth + x; }
            }
        return at;
    }
}
