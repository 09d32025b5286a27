using System.Runtime.Intrinsics;
using VideoAffect.Kernels;

namespace VideoAffect.Engine.Cpu;

/// <summary>
/// Depthwise NHWC convolution; the channel axis is contiguous in input, weights and output, so it
/// is the SIMD axis. Each output pixel's channels are summed 8 at a time in a register over the
/// whole window (taps outside the input skipped), then bias, ReLU and one store: a read-modify-
/// write of the output per tap, which the generic window walk does, made BlazeFace's 5x5
/// depthwise layers memory-bound at a third of this speed.
/// </summary>
static class ManagedDepthwiseConv2D
{
    public static unsafe void Run(float[] input, float[] weights, float[] bias, float[] output, int batch, WindowGeometry g, bool relu)
    {
        int channels = g.InChannels, vectorEnd = channels - channels % Vector256<float>.Count;
        Parallel.For(0, batch * g.OutHeight, row =>
        {
            int n = row / g.OutHeight, oy = row % g.OutHeight;
            int kyFirst = Math.Max(0, -g.InputY(oy, 0)), kyEnd = Math.Min(g.KernelHeight, g.InHeight - g.InputY(oy, 0));
            fixed (float* inputs = input, filter = weights, biases = bias, outputs = output)
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    int kxFirst = Math.Max(0, -g.InputX(ox, 0)), kxEnd = Math.Min(g.KernelWidth, g.InWidth - g.InputX(ox, 0));
                    float* pixel = outputs + ((long)(n * g.OutHeight + oy) * g.OutWidth + ox) * channels;
                    for (int c = 0; c < vectorEnd; c += Vector256<float>.Count)
                    {
                        var sum = Vector256.Load(biases + c);
                        for (int ky = kyFirst; ky < kyEnd; ky++)
                        {
                            float* source = inputs + g.InputOffset(n, g.InputY(oy, ky), g.InputX(ox, 0)) + c;
                            float* taps = filter + ky * g.KernelWidth * channels + c;
                            for (int kx = kxFirst; kx < kxEnd; kx++)
                                sum = Vector256.FusedMultiplyAdd(Vector256.Load(source + kx * channels), Vector256.Load(taps + kx * channels), sum);
                        }
                        if (relu) sum = Vector256.Max(sum, Vector256<float>.Zero);
                        sum.Store(pixel + c);
                    }
                    for (int c = vectorEnd; c < channels; c++)
                    {
                        float sum = biases[c];
                        for (int ky = kyFirst; ky < kyEnd; ky++)
                            for (int kx = kxFirst; kx < kxEnd; kx++)
                                sum = MathF.FusedMultiplyAdd(inputs[g.InputOffset(n, g.InputY(oy, ky), g.InputX(ox, kx)) + c], filter[(ky * g.KernelWidth + kx) * channels + c], sum);
                        pixel[c] = relu ? MathF.Max(sum, 0f) : sum;
                    }
                }
        });
    }
}
