using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>Max pooling on NHWC input; padded positions count as -inf, as in TensorFlow.</summary>
public sealed class MaxPoolKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, WindowGeometry> _kernel;

    public MaxPoolKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, WindowGeometry>(Execute);

    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> output, in WindowGeometry g) =>
        _kernel(stream, batch * g.OutputSize, input, output, g);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> output, WindowGeometry g)
    {
        int c = index % g.OutChannels;
        int pixel = index / g.OutChannels;
        int ox = pixel % g.OutWidth;
        int rest = pixel / g.OutWidth;
        int oy = rest % g.OutHeight;
        int n = rest / g.OutHeight;

        float best = float.NegativeInfinity;
        int inBase = n * g.InputSize;
        for (int ky = 0; ky < g.KernelHeight; ky++)
        {
            int iy = oy * g.StrideY - g.PadTop + ky;
            if (iy < 0 || iy >= g.InHeight) continue;
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int ix = ox * g.StrideX - g.PadLeft + kx;
                if (ix < 0 || ix >= g.InWidth) continue;
                float v = input[inBase + (iy * g.InWidth + ix) * g.InChannels + c];
                if (v > best) best = v;
            }
        }
        output[index] = best;
    }
}
