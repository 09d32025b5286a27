using VideoAffect.Kernels;

namespace VideoAffect.Inference.Managed;

/// <summary>NHWC max pooling; padding never wins (it counts as -inf), as in TensorFlow.</summary>
static class ManagedMaxPool
{
    public static void Run(float[] input, float[] output, int batch, WindowGeometry g)
    {
        int c = g.InChannels;
        Parallel.For(0, batch * g.OutHeight, row =>
        {
            int n = row / g.OutHeight, oy = row % g.OutHeight;
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                var acc = output.AsSpan(((n * g.OutHeight + oy) * g.OutWidth + ox) * c, c);
                acc.Fill(float.NegativeInfinity);
                for (int ky = 0; ky < g.KernelHeight; ky++)
                {
                    int iy = oy * g.StrideY - g.PadTop + ky;
                    if ((uint)iy >= (uint)g.InHeight) continue;
                    for (int kx = 0; kx < g.KernelWidth; kx++)
                    {
                        int ix = ox * g.StrideX - g.PadLeft + kx;
                        if ((uint)ix >= (uint)g.InWidth) continue;
                        SimdMath.Max(acc, input.AsSpan(n * g.InputSize + (iy * g.InWidth + ix) * c, c));
                    }
                }
            }
        });
    }
}
