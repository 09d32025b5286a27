using VideoAffect.Kernels;

namespace VideoAffect.Engine.Cpu;

/// <summary>Depthwise NHWC convolution; the channel axis is contiguous in input, weights and output, so it is the SIMD axis.</summary>
static class ManagedDepthwiseConv2D
{
    public static void Run(float[] input, float[] weights, float[] bias, float[] output, int batch, WindowGeometry g, bool relu) =>
        WindowedOp.Run(input, output, batch, g, new Op(weights, bias, relu));

    readonly struct Op(float[] weights, float[] bias, bool relu) : IWindowOp
    {
        public void Begin(Span<float> pixel) => bias.CopyTo(pixel);

        public void Accumulate(Span<float> pixel, ReadOnlySpan<float> input, int tap) =>
            SimdMath.MultiplyAdd(pixel, input, weights.AsSpan(tap * input.Length, input.Length));

        public void End(Span<float> pixel) { if (relu) SimdMath.Relu(pixel); }
    }
}
