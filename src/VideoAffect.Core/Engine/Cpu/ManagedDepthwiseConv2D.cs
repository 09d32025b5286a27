using System.Runtime.Intrinsics;
using VideoAffect.Kernels;

namespace VideoAffect.Engine.Cpu;

/// <summary>
/// Depthwise NHWC convolution; the channel axis is contiguous in input, weights and output, so it
/// is the SIMD axis (512-bit where the channels are a multiple of 16, 256-bit otherwise). Per
/// output row and vector of channels, eight neighbouring output pixels are summed in registers at
/// once: eight independent FMA chains keep both FMA ports busy through the FMA's latency (four
/// chains left half of them idle), and each filter tap is loaded once for eight pixels. A row's
/// last few interior pixels take a group of four, the edges (where the window leaves the input)
/// the one-pixel path. Bias, ReLU and one store finish each pixel. (The generic window walk, a
/// read-modify-write of the output per tap, kept BlazeFace's depthwise layers at a few GMAC/s.)
/// </summary>
static unsafe class ManagedDepthwiseConv2D
{
    public static void Run(float[] input, float[] weights, float[] bias, float[] output, int batch, WindowGeometry g, bool relu, bool allowAvx512 = true) =>
        Parallel.For(0, batch * g.OutHeight, row =>
        {
            int n = row / g.OutHeight, oy = row % g.OutHeight;
            fixed (float* inputs = input, filter = weights, biases = bias, outputs = output)
                Rows(inputs + (long)n * g.InputSize, filter, biases, outputs + (long)(n * g.OutHeight + oy) * g.OutWidth * g.OutChannels, g, relu, oy, 1, allowAvx512);
        });

    /// <summary>
    /// Output rows [<paramref name="firstRow"/>, +<paramref name="rows"/>) of one image, written one
    /// after another from <paramref name="output"/> (a whole output, or a small buffer a fused
    /// consumer reads while it is still in cache).
    /// </summary>
    public static void Rows(float* image, float* filter, float* bias, float* output, in WindowGeometry g, bool relu, int firstRow, int rows, bool allowAvx512)
    {
        bool wide = allowAvx512 && Vector512.IsHardwareAccelerated && g.InChannels % Vector512<float>.Count == 0;
        int rowSize = g.OutWidth * g.OutChannels;
        for (int i = 0; i < rows; i++)
        {
            if (wide) RunRow<Simd512, Vector512<float>>(image, filter, bias, output + (long)i * rowSize, g, relu, firstRow + i);
            else RunRow<Simd256, Vector256<float>>(image, filter, bias, output + (long)i * rowSize, g, relu, firstRow + i);
        }
    }

    /// <summary>Where one output row's windows lie: rows of the filter inside the input, and its interior columns.</summary>
    readonly struct Row
    {
        public readonly float* Image, Filter, Output;
        public readonly int Channels, FirstInputY, KyFirst, KyEnd;
        public readonly bool Relu;

        public Row(float* image, float* filter, float* output, in WindowGeometry g, int oy, bool relu)
        {
            Image = image; Filter = filter; Output = output; Channels = g.InChannels; Relu = relu;
            FirstInputY = g.InputY(oy, 0);
            KyFirst = Math.Max(0, -FirstInputY);
            KyEnd = Math.Min(g.KernelHeight, g.InHeight - FirstInputY);
        }
    }

    static void RunRow<TSimd, TVector>(float* image, float* filter, float* biases, float* outRow, in WindowGeometry g, bool relu, int oy)
        where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        int channels = g.InChannels, vectorEnd = channels - channels % TSimd.Count, sx = g.StrideX;
        // Output columns whose whole window lies inside the input: [interiorFirst, interiorEnd).
        int interiorFirst = Math.Min(g.OutWidth, (g.PadLeft + sx - 1) / sx);
        int lastStart = g.InWidth - g.KernelWidth + g.PadLeft; // the largest ox * sx whose window still fits
        int interiorEnd = lastStart < 0 ? interiorFirst : Math.Max(interiorFirst, Math.Min(g.OutWidth, lastStart / sx + 1));
        var row = new Row(image, filter, outRow, g, oy, relu);
        for (int c = 0; c < vectorEnd; c += TSimd.Count)
        {
            var b = TSimd.Load(biases + c);
            int ox = interiorFirst;
            for (; ox + 8 <= interiorEnd; ox += 8) Group<TSimd, TVector, EightPixels>(row, g, b, ox, c);
            for (; ox + 4 <= interiorEnd; ox += 4) Group<TSimd, TVector, FourPixels>(row, g, b, ox, c);
            for (int x = 0; x < g.OutWidth; x++)
                if (x < interiorFirst || x >= ox) // the edges and the interior's last few columns
                    Finish<TSimd, TVector>(Pixel<TSimd, TVector>(row, g, b, x, c), relu, row.Output + (long)x * channels + c);
        }
        for (int c = vectorEnd; c < channels; c++)
            for (int x = 0; x < g.OutWidth; x++)
            {
                int ix0 = g.InputX(x, 0);
                float sum = biases[c];
                for (int ky = row.KyFirst; ky < row.KyEnd; ky++)
                    for (int kx = Math.Max(0, -ix0); kx < Math.Min(g.KernelWidth, g.InWidth - ix0); kx++)
                        sum = MathF.FusedMultiplyAdd(row.Image[((long)(row.FirstInputY + ky) * g.InWidth + ix0 + kx) * channels + c], filter[(ky * g.KernelWidth + kx) * channels + c], sum);
                row.Output[(long)x * channels + c] = relu ? MathF.Max(sum, 0f) : sum;
            }
    }

    /// <summary>Pixels per register group (a type, so the JIT drops the unused half of the eight).</summary>
    interface IGroupPixels { static abstract int Count { get; } }
    struct FourPixels : IGroupPixels { public static int Count => 4; }
    struct EightPixels : IGroupPixels { public static int Count => 8; }

    /// <summary>Output pixels [ox, ox + TPixels.Count) of the row, one vector of channels from c; every window inside the input.</summary>
    static void Group<TSimd, TVector, TPixels>(in Row r, in WindowGeometry g, TVector bias, int ox, int c)
        where TSimd : struct, ISimd<TVector> where TVector : struct where TPixels : struct, IGroupPixels
    {
        bool eight = TPixels.Count == 8;
        int channels = r.Channels, kw = g.KernelWidth;
        // The pixels' offsets from the first, held in registers: computed in the loop, they cost
        // more integer instructions than the FMAs they feed.
        nint d1 = (nint)g.StrideX * channels, d2 = 2 * d1, d3 = 3 * d1, d4 = 4 * d1, d5 = 5 * d1, d6 = 6 * d1, d7 = 7 * d1;
        TVector s0 = bias, s1 = bias, s2 = bias, s3 = bias, s4 = bias, s5 = bias, s6 = bias, s7 = bias;
        int ix = ox * g.StrideX - g.PadLeft;
        for (int ky = r.KyFirst; ky < r.KyEnd; ky++)
        {
            float* p = r.Image + ((long)(r.FirstInputY + ky) * g.InWidth + ix) * channels + c;
            float* taps = r.Filter + ky * kw * channels + c;
            for (int kx = 0; kx < kw; kx++, p += channels, taps += channels)
            {
                var w = TSimd.Load(taps);
                s0 = TSimd.MultiplyAdd(TSimd.Load(p), w, s0);
                s1 = TSimd.MultiplyAdd(TSimd.Load(p + d1), w, s1);
                s2 = TSimd.MultiplyAdd(TSimd.Load(p + d2), w, s2);
                s3 = TSimd.MultiplyAdd(TSimd.Load(p + d3), w, s3);
                if (eight)
                {
                    s4 = TSimd.MultiplyAdd(TSimd.Load(p + d4), w, s4);
                    s5 = TSimd.MultiplyAdd(TSimd.Load(p + d5), w, s5);
                    s6 = TSimd.MultiplyAdd(TSimd.Load(p + d6), w, s6);
                    s7 = TSimd.MultiplyAdd(TSimd.Load(p + d7), w, s7);
                }
            }
        }
        float* o = r.Output + (long)ox * channels + c;
        Finish<TSimd, TVector>(s0, r.Relu, o);
        Finish<TSimd, TVector>(s1, r.Relu, o + channels);
        Finish<TSimd, TVector>(s2, r.Relu, o + 2 * channels);
        Finish<TSimd, TVector>(s3, r.Relu, o + 3 * channels);
        if (!eight) return;
        Finish<TSimd, TVector>(s4, r.Relu, o + 4 * channels);
        Finish<TSimd, TVector>(s5, r.Relu, o + 5 * channels);
        Finish<TSimd, TVector>(s6, r.Relu, o + 6 * channels);
        Finish<TSimd, TVector>(s7, r.Relu, o + 7 * channels);
    }

    /// <summary>One output pixel's vector of channels, taps outside the input skipped.</summary>
    static TVector Pixel<TSimd, TVector>(in Row r, in WindowGeometry g, TVector sum, int ox, int c)
        where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        int channels = r.Channels, ix0 = g.InputX(ox, 0);
        int kxFirst = Math.Max(0, -ix0), kxEnd = Math.Min(g.KernelWidth, g.InWidth - ix0);
        for (int ky = r.KyFirst; ky < r.KyEnd; ky++)
        {
            float* source = r.Image + ((long)(r.FirstInputY + ky) * g.InWidth + ix0) * channels + c;
            float* taps = r.Filter + ky * g.KernelWidth * channels + c;
            for (int kx = kxFirst; kx < kxEnd; kx++)
                sum = TSimd.MultiplyAdd(TSimd.Load(source + kx * channels), TSimd.Load(taps + kx * channels), sum);
        }
        return sum;
    }

    static void Finish<TSimd, TVector>(TVector sum, bool relu, float* target) where TSimd : struct, ISimd<TVector> where TVector : struct =>
        TSimd.Store(target, relu ? TSimd.Max(sum, TSimd.Zero) : sum);
}
