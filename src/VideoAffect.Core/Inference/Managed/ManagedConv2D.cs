using VideoAffect.Kernels;

namespace VideoAffect.Inference.Managed;

/// <summary>
/// Direct NHWC convolution with HWIO weights: every input value scales a contiguous row of
/// output-channel weights, so the inner loop is a SIMD multiply-add over output channels.
/// </summary>
static class ManagedConv2D
{
    public static void Run(float[] input, float[] weights, float[] bias, float[] output, int batch, WindowGeometry g, bool relu) =>
        WindowedOp.Run(input, output, batch, g, new Op(weights, bias, g.OutChannels, relu));

    readonly struct Op(float[] weights, float[] bias, int outChannels, bool relu) : IWindowOp
    {
        public void Begin(Span<float> pixel) => bias.CopyTo(pixel);

        public void Accumulate(Span<float> pixel, ReadOnlySpan<float> input, int tap)
        {
            int row = tap * input.Length;
            for (int ci = 0; ci < input.Length; ci++)
                SimdMath.MultiplyAdd(pixel, weights.AsSpan((row + ci) * outChannels, outChannels), input[ci]);
        }

        public void End(Span<float> pixel) { if (relu) SimdMath.Relu(pixel); }
    }
}
