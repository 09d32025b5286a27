using VideoAffect.Kernels;

namespace VideoAffect.Engine.Cpu;

/// <summary>NHWC max pooling; padding never wins (it counts as -inf), as in TensorFlow.</summary>
static class ManagedMaxPool
{
    public static void Run(float[] input, float[] output, int batch, WindowGeometry g) =>
        WindowedOp.Run(input, output, batch, g, new Op());

    readonly struct Op : IWindowOp
    {
        public void Begin(Span<float> pixel) => pixel.Fill(float.NegativeInfinity);
        public void Accumulate(Span<float> pixel, ReadOnlySpan<float> input, int tap) => SimdMath.Max(pixel, input);
        public void End(Span<float> pixel, int oy, int ox) { }
    }
}
