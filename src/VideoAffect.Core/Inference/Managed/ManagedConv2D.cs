using System.Numerics;
using System.Runtime.InteropServices;
using VideoAffect.Kernels;

namespace VideoAffect.Inference.Managed;

/// <summary>
/// Direct NHWC convolution with HWIO weights: every input value scales a contiguous row of
/// output-channel weights, so the inner loop is a SIMD multiply-add over output channels.
/// </summary>
static class ManagedConv2D
{
    public static void Run(float[] input, float[] weights, float[] bias, float[] output, int batch, WindowGeometry g, bool relu)
    {
        Parallel.For(0, batch * g.OutHeight, row =>
        {
            int n = row / g.OutHeight, oy = row % g.OutHeight;
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                var acc = output.AsSpan(((n * g.OutHeight + oy) * g.OutWidth + ox) * g.OutChannels, g.OutChannels);
                bias.CopyTo(acc);
                for (int ky = 0; ky < g.KernelHeight; ky++)
                {
                    int iy = oy * g.StrideY - g.PadTop + ky;
                    if ((uint)iy >= (uint)g.InHeight) continue;
                    for (int kx = 0; kx < g.KernelWidth; kx++)
                    {
                        int ix = ox * g.StrideX - g.PadLeft + kx;
                        if ((uint)ix >= (uint)g.InWidth) continue;
                        var pixel = input.AsSpan((n * g.InputSize) + (iy * g.InWidth + ix) * g.InChannels, g.InChannels);
                        int wRow = (ky * g.KernelWidth + kx) * g.InChannels;
                        for (int ci = 0; ci < pixel.Length; ci++)
                            SimdMath.MultiplyAdd(acc, weights.AsSpan((wRow + ci) * g.OutChannels, g.OutChannels), pixel[ci]);
                    }
                }
                if (relu) SimdMath.Relu(acc);
            }
        });
    }
}
