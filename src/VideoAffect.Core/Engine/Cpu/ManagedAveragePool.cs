using VideoAffect.Kernels;

namespace VideoAffect.Engine.Cpu;

/// <summary>NHWC average pooling: sums of the window's input pixels, divided as <see cref="AveragePoolDivisor"/> says.</summary>
static class ManagedAveragePool
{
    public static void Run(float[] input, float[] output, int batch, WindowGeometry g, AveragePoolDivisor divisor) =>
        WindowedOp.Run(input, output, batch, g, new Op(g, divisor));

    readonly struct Op(WindowGeometry g, AveragePoolDivisor divisor) : IWindowOp
    {
        public void Begin(Span<float> pixel) => pixel.Clear();
        public void Accumulate(Span<float> pixel, ReadOnlySpan<float> input, int tap) => SimdMath.Add(pixel, input, pixel);
        public void End(Span<float> pixel, int oy, int ox)
        {
            float count = divisor.Count(g, oy, ox);
            foreach (ref float v in pixel) v /= count;
        }
    }
}
