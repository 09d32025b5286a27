using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using VideoAffect.Kernels;

namespace VideoAffect.Engine.Cpu;

/// <summary>
/// Depthwise NHWC convolution; the channel axis is contiguous in input, weights and output, so it
/// is the SIMD axis (512-bit where the channels are a multiple of 16, 256-bit otherwise). Per
/// output row and vector of channels, eight neighbouring output pixels are summed in registers at
/// once: eight independent FMA chains cover the FMA's latency, and each filter tap is loaded once
/// for eight pixels. A row's
/// last few interior pixels take a group of four, the edges (where the window leaves the input)
/// the one-pixel path. Bias, ReLU and one store finish each pixel. (The generic window walk, a
/// read-modify-write of the output per tap, kept BlazeFace's depthwise layers at a few GMAC/s.)
/// <para>
/// 8 or 24 channels at stride 1 (BlazeFace's and MobileNetV2's large early layers) fit no 512-bit
/// vector per pixel, but neighbouring pixels are contiguous in input and output alike, so the
/// interior of a row is also one flat (pixel, channel) axis: 512-bit vectors over it, whose
/// weights repeat every 48 floats (2 pixels of 24 channels), i.e. in 3 phases loaded once per tap
/// from a table packed here. That is half the instructions of the 256-bit path per multiply-add;
/// it measured about 1.2x, since with a 96-byte pixel stride the 64-byte loads of every other tap
/// straddle two cache lines.
/// </para>
/// </summary>
sealed unsafe class PackedDepthwiseConv2D
{
    /// <summary>512-bit vectors per flat group: 144 floats, 6 pixels of 24 channels or 18 of 8.</summary>
    const int FlatVectors = 9, Phases = 3;
    readonly WindowGeometry _g;
    readonly float[] _weights, _bias;
    readonly bool _relu, _wide;
    /// <summary>Per tap, the weights of the 3 phases of the flat axis (16 floats each); empty where the flat path does not apply.</summary>
    readonly float[] _phasedWeights = [], _phasedBias = [];

    /// <param name="allowAvx512">False keeps the layer on 256-bit vectors even where AVX-512 is there.</param>
    public PackedDepthwiseConv2D(float[] weights, float[] bias, WindowGeometry g, bool relu, bool allowAvx512 = true)
    {
        (_weights, _bias, _g, _relu) = (weights, bias, g, relu);
        bool avx512 = allowAvx512 && Vector512.IsHardwareAccelerated;
        int lanes = Vector512<float>.Count, channels = g.InChannels;
        _wide = avx512 && channels % lanes == 0;
        // Channel patterns that repeat within 3 vectors: 48 floats are 2 pixels of 24 or 6 of 8.
        if (avx512 && g.StrideX == 1 && channels is 8 or 24)
        {
            int taps = g.KernelHeight * g.KernelWidth;
            _phasedWeights = new float[taps * Phases * lanes];
            _phasedBias = new float[Phases * lanes];
            for (int i = 0; i < Phases * lanes; i++)
            {
                _phasedBias[i] = bias[i % channels];
                for (int t = 0; t < taps; t++) _phasedWeights[t * Phases * lanes + i] = weights[t * channels + i % channels];
            }
        }
    }

    public void Run(float[] input, float[] output, int batch)
    {
        var g = _g;
        Parallel.For(0, batch * g.OutHeight, row =>
        {
            int n = row / g.OutHeight, oy = row % g.OutHeight;
            fixed (float* inputs = input, outputs = output)
                Rows(inputs + (long)n * g.InputSize, outputs + (long)(n * g.OutHeight + oy) * g.OutWidth * g.OutChannels, oy, 1);
        });
    }

    /// <summary>
    /// Output rows [<paramref name="firstRow"/>, +<paramref name="rows"/>) of one image, written one
    /// after another from <paramref name="output"/> (a whole output, or a small buffer a fused
    /// consumer reads while it is still in cache).
    /// </summary>
    public void Rows(float* image, float* output, int firstRow, int rows)
    {
        int rowSize = _g.OutWidth * _g.OutChannels;
        fixed (float* filter = _weights, bias = _bias, phasedWeights = _phasedWeights, phasedBias = _phasedBias)
            for (int i = 0; i < rows; i++)
            {
                var row = new Row(image, filter, output + (long)i * rowSize, _g, firstRow + i, _relu);
                if (_wide) RunRow<Simd512, Vector512<float>>(row, bias, _g, 0, 0);
                else if (_phasedWeights.Length > 0)
                {
                    var (first, end) = FlatRow(row, phasedWeights, phasedBias);
                    RunRow<Simd256, Vector256<float>>(row, bias, _g, first, end);
                }
                else RunRow<Simd256, Vector256<float>>(row, bias, _g, 0, 0);
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

    /// <summary>One output row, except pixels [<paramref name="doneFirst"/>, <paramref name="doneEnd"/>) the flat path has written.</summary>
    // Hot from the first batch: compiled optimised at once, whatever the host's tiering settings (see ManagedCpuBackend).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void RunRow<TSimd, TVector>(in Row row, float* biases, in WindowGeometry g, int doneFirst, int doneEnd)
        where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        int channels = g.InChannels, vectorEnd = channels - channels % TSimd.Count;
        var (interiorFirst, interiorEnd) = Interior(g);
        if (doneEnd > doneFirst) interiorEnd = interiorFirst; // the flat path took the interior; the rest go one by one
        bool relu = row.Relu;
        float* filter = row.Filter;
        for (int c = 0; c < vectorEnd; c += TSimd.Count)
        {
            var b = TSimd.Load(biases + c);
            int ox = interiorFirst;
            for (; ox + 8 <= interiorEnd; ox += 8) Group<TSimd, TVector, EightPixels>(row, g, b, ox, c);
            for (; ox + 4 <= interiorEnd; ox += 4) Group<TSimd, TVector, FourPixels>(row, g, b, ox, c);
            for (int x = 0; x < g.OutWidth; x++)
                if ((x < interiorFirst || x >= ox) && (x < doneFirst || x >= doneEnd)) // the edges and the interior's last few columns
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

    /// <summary>Output columns whose whole window lies inside the input: [first, end).</summary>
    static (int First, int End) Interior(in WindowGeometry g)
    {
        int sx = g.StrideX;
        int first = Math.Min(g.OutWidth, (g.PadLeft + sx - 1) / sx);
        int lastStart = g.InWidth - g.KernelWidth + g.PadLeft; // the largest ox * sx whose window still fits
        return (first, lastStart < 0 ? first : Math.Max(first, Math.Min(g.OutWidth, lastStart / sx + 1)));
    }

    /// <summary>
    /// The row's interior in flat groups; returns the pixels written. A group starts on a pixel,
    /// so its vectors' channel phases are the same wherever it starts.
    /// </summary>
    (int First, int End) FlatRow(in Row row, float* phasedWeights, float* phasedBias)
    {
        int groupPixels = FlatVectors * Vector512<float>.Count / _g.InChannels;
        var (interiorFirst, interiorEnd) = Interior(_g);
        int ox = interiorFirst;
        for (; ox + groupPixels <= interiorEnd; ox += groupPixels) FlatGroup(row, phasedWeights, phasedBias, ox);
        return (interiorFirst, ox);
    }

    /// <summary>144 floats of the flat (pixel, channel) axis from pixel <paramref name="ox"/>: 9 vectors, phases 0, 1, 2, 0, 1, 2, ...</summary>
    // Hot from the first batch: compiled optimised at once, whatever the host's tiering settings (see ManagedCpuBackend).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void FlatGroup(in Row r, float* phasedWeights, float* phasedBias, int ox)
    {
        var g = _g;
        int channels = r.Channels, kw = g.KernelWidth, lanes = Vector512<float>.Count;
        var b0 = Vector512.Load(phasedBias);
        var b1 = Vector512.Load(phasedBias + lanes);
        var b2 = Vector512.Load(phasedBias + 2 * lanes);
        Vector512<float> s0 = b0, s1 = b1, s2 = b2, s3 = b0, s4 = b1, s5 = b2, s6 = b0, s7 = b1, s8 = b2;
        int ix = ox - g.PadLeft;
        for (int ky = r.KyFirst; ky < r.KyEnd; ky++)
        {
            float* p = r.Image + ((long)(r.FirstInputY + ky) * g.InWidth + ix) * channels;
            float* w = phasedWeights + ky * kw * Phases * lanes;
            for (int kx = 0; kx < kw; kx++, p += channels, w += Phases * lanes)
            {
                var w0 = Vector512.Load(w);
                var w1 = Vector512.Load(w + lanes);
                var w2 = Vector512.Load(w + 2 * lanes);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(p), w0, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(p + lanes), w1, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 2 * lanes), w2, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 3 * lanes), w0, s3);
                s4 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 4 * lanes), w1, s4);
                s5 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 5 * lanes), w2, s5);
                s6 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 6 * lanes), w0, s6);
                s7 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 7 * lanes), w1, s7);
                s8 = Vector512.FusedMultiplyAdd(Vector512.Load(p + 8 * lanes), w2, s8);
            }
        }
        float* o = r.Output + (long)ox * channels;
        bool relu = r.Relu;
        Finish<Simd512, Vector512<float>>(s0, relu, o);
        Finish<Simd512, Vector512<float>>(s1, relu, o + lanes);
        Finish<Simd512, Vector512<float>>(s2, relu, o + 2 * lanes);
        Finish<Simd512, Vector512<float>>(s3, relu, o + 3 * lanes);
        Finish<Simd512, Vector512<float>>(s4, relu, o + 4 * lanes);
        Finish<Simd512, Vector512<float>>(s5, relu, o + 5 * lanes);
        Finish<Simd512, Vector512<float>>(s6, relu, o + 6 * lanes);
        Finish<Simd512, Vector512<float>>(s7, relu, o + 7 * lanes);
        Finish<Simd512, Vector512<float>>(s8, relu, o + 8 * lanes);
    }

    /// <summary>Pixels per register group (a type, so the JIT drops the unused half of the eight).</summary>
    interface IGroupPixels { static abstract int Count { get; } }
    struct FourPixels : IGroupPixels { public static int Count => 4; }
    struct EightPixels : IGroupPixels { public static int Count => 8; }

    /// <summary>Output pixels [ox, ox + TPixels.Count) of the row, one vector of channels from c; every window inside the input.</summary>
    // Hot from the first batch: compiled optimised at once, whatever the host's tiering settings (see ManagedCpuBackend).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    // Hot from the first batch: compiled optimised at once, whatever the host's tiering settings (see ManagedCpuBackend).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Finish<TSimd, TVector>(TVector sum, bool relu, float* target) where TSimd : struct, ISimd<TVector> where TVector : struct =>
        TSimd.Store(target, relu ? TSimd.Max(sum, TSimd.Zero) : sum);
}
