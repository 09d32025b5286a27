using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>Max pooling on NHWC input; padded positions count as -inf, as in TensorFlow.</summary>
internal sealed class MaxPoolKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, WindowGeometry> _kernel;

    public MaxPoolKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, WindowGeometry>(Execute);

    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> output, in WindowGeometry g) =>
        _kernel(stream, batch * g.OutputSize, input, output, g);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> output, WindowGeometry g)
    {
        var o = g.Locate(index);
        float best = float.NegativeInfinity;
        for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int iy = g.InputY(o.Y, ky), ix = g.InputX(o.X, kx);
                if (!g.InsideInput(iy, ix)) continue; // padding never wins
                float v = input[g.InputOffset(o.N, iy, ix) + o.Channel];
                if (v > best) best = v;
            }
        output[index] = best;
    }
}
