using VideoAffect.Kernels;

namespace VideoAffect.Inference.Managed;

/// <summary>Depthwise NHWC convolution; the channel axis is contiguous in input, weights and output, so it is the SIMD axis.</summary>
static class ManagedDepthwiseConv2D
{
    public static void Run(float[] input, float[] weights, float[] bias, float[] output, int batch, WindowGeometry g, bool relu)
    {
        int c = g.InChannels;
        Parallel.For(0, batch * g.OutHeight, row =>
        {
            int n = row / g.OutHeight, oy = row % g.OutHeight;
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                var acc = output.AsSpan(((n * g.OutHeight + oy) * g.OutWidth + ox) * c, c);
                bias.CopyTo(acc);
                for (int ky = 0; ky < g.KernelHeight; ky++)
                {
                    int iy = oy * g.StrideY - g.PadTop + ky;
                    if ((uint)iy >= (uint)g.InHeight) continue;
                    for (int kx = 0; kx < g.KernelWidth; kx++)
                    {
                        int ix = ox * g.StrideX - g.PadLeft + kx;
                        if ((uint)ix >= (uint)g.InWidth) continue;
                        SimdMath.MultiplyAdd(acc,
                            input.AsSpan(n * g.InputSize + (iy * g.InWidth + ix) * c, c),
                            weights.AsSpan((ky * g.KernelWidth + kx) * c, c));
                    }
                }
                if (relu) SimdMath.Relu(acc);
            }
        });
    }
}
