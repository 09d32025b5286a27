using System.Runtime.Intrinsics;
using VideoAffect.Kernels;

namespace VideoAffect.Engine.Cpu;

/// <summary>
/// Depthwise NHWC convolution; the channel axis is contiguous in input, weights and output, so it
/// is the SIMD axis. Per output row and block of 8 channels, four neighbouring output pixels are
/// summed in registers at once, so each filter tap is loaded once for four pixels; the row's edges,
/// where the window leaves the input, take the one-pixel path. Bias, ReLU and one store finish each
/// pixel. (The generic window walk, a read-modify-write of the output per tap, kept BlazeFace's 5x5
/// depthwise layers at a few GMAC/s.)
/// </summary>
static class ManagedDepthwiseConv2D
{
    const int Lanes = 8, Pixels = 4;

    public static void Run(float[] input, float[] weights, float[] bias, float[] output, int batch, WindowGeometry g, bool relu) =>
        Parallel.For(0, batch * g.OutHeight, row => RunRow(input, weights, bias, output, g, relu, row / g.OutHeight, row % g.OutHeight));

    static unsafe void RunRow(float[] input, float[] weights, float[] bias, float[] output, WindowGeometry g, bool relu, int n, int oy)
    {
        int channels = g.InChannels, vectorEnd = channels - channels % Lanes, kw = g.KernelWidth, sx = g.StrideX;
        int iy0 = g.InputY(oy, 0);
        int kyFirst = Math.Max(0, -iy0), kyEnd = Math.Min(g.KernelHeight, g.InHeight - iy0);
        // Output columns whose whole window lies inside the input: [interiorFirst, interiorEnd).
        int interiorFirst = Math.Min(g.OutWidth, (g.PadLeft + sx - 1) / sx);
        int lastStart = g.InWidth - kw + g.PadLeft; // the largest ox * sx whose window still fits
        int interiorEnd = lastStart < 0 ? interiorFirst : Math.Max(interiorFirst, Math.Min(g.OutWidth, lastStart / sx + 1));
        fixed (float* inputs = input, filter = weights, biases = bias, outputs = output)
        {
            float* outRow = outputs + (long)(n * g.OutHeight + oy) * g.OutWidth * channels;
            float* inImage = inputs + (long)n * g.InputSize;
            for (int c = 0; c < vectorEnd; c += Lanes)
            {
                var b = Vector256.Load(biases + c);
                int ox = interiorFirst;
                for (; ox + Pixels <= interiorEnd; ox += Pixels)
                {
                    Vector256<float> s0 = b, s1 = b, s2 = b, s3 = b;
                    int ix = ox * sx - g.PadLeft;
                    for (int ky = kyFirst; ky < kyEnd; ky++)
                    {
                        float* source = inImage + ((long)(iy0 + ky) * g.InWidth + ix) * channels + c;
                        float* taps = filter + ky * kw * channels + c;
                        for (int kx = 0; kx < kw; kx++)
                        {
                            var w = Vector256.Load(taps + kx * channels);
                            float* p = source + kx * channels;
                            s0 = Vector256.FusedMultiplyAdd(Vector256.Load(p), w, s0);
                            s1 = Vector256.FusedMultiplyAdd(Vector256.Load(p + sx * channels), w, s1);
                            s2 = Vector256.FusedMultiplyAdd(Vector256.Load(p + 2 * sx * channels), w, s2);
                            s3 = Vector256.FusedMultiplyAdd(Vector256.Load(p + 3 * sx * channels), w, s3);
                        }
                    }
                    float* o = outRow + (long)ox * channels + c;
                    Finish(s0, relu, o);
                    Finish(s1, relu, o + channels);
                    Finish(s2, relu, o + 2 * channels);
                    Finish(s3, relu, o + 3 * channels);
                }
                for (int x = 0; x < g.OutWidth; x++)
                    if (x < interiorFirst || x >= ox) // the edges and the interior's last few columns
                        Finish(Pixel(inImage, filter, b, g, iy0, kyFirst, kyEnd, x, c), relu, outRow + (long)x * channels + c);
            }
            for (int c = vectorEnd; c < channels; c++)
                for (int x = 0; x < g.OutWidth; x++)
                {
                    int ix0 = g.InputX(x, 0);
                    float sum = biases[c];
                    for (int ky = kyFirst; ky < kyEnd; ky++)
                        for (int kx = Math.Max(0, -ix0); kx < Math.Min(kw, g.InWidth - ix0); kx++)
                            sum = MathF.FusedMultiplyAdd(inImage[((long)(iy0 + ky) * g.InWidth + ix0 + kx) * channels + c], filter[(ky * kw + kx) * channels + c], sum);
                    outRow[(long)x * channels + c] = relu ? MathF.Max(sum, 0f) : sum;
                }
        }
    }

    /// <summary>One output pixel's 8 channels, taps outside the input skipped.</summary>
    static unsafe Vector256<float> Pixel(float* image, float* filter, Vector256<float> sum, in WindowGeometry g, int iy0, int kyFirst, int kyEnd, int ox, int c)
    {
        int channels = g.InChannels, ix0 = g.InputX(ox, 0);
        int kxFirst = Math.Max(0, -ix0), kxEnd = Math.Min(g.KernelWidth, g.InWidth - ix0);
        for (int ky = kyFirst; ky < kyEnd; ky++)
        {
            float* source = image + ((long)(iy0 + ky) * g.InWidth + ix0) * channels + c;
            float* taps = filter + ky * g.KernelWidth * channels + c;
            for (int kx = kxFirst; kx < kxEnd; kx++)
                sum = Vector256.FusedMultiplyAdd(Vector256.Load(source + kx * channels), Vector256.Load(taps + kx * channels), sum);
        }
        return sum;
    }

    static unsafe void Finish(Vector256<float> sum, bool relu, float* target) =>
        (relu ? Vector256.Max(sum, Vector256<float>.Zero) : sum).Store(target);
}
