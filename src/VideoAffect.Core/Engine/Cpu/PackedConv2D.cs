using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using VideoAffect.Kernels;

namespace VideoAffect.Engine.Cpu;

/// <summary>
/// Convolution as a register-blocked implicit GEMM: each step computes 4 output pixels x 2 or 3
/// SIMD vectors of output channels in registers, walking the window taps and input channels, so
/// every weight vector loaded serves 4 pixels and every input value broadcast serves 2-3 vectors.
/// Weights are repacked once into [channel block][ky][kx][cin][block] so the inner loop reads them
/// sequentially; the input is copied into a zero-padded buffer when the layer pads, so the inner
/// loop has no bounds checks, and each output pixel's window start is read from a table built
/// once (four divisions per step cost as much as a 24-channel 1x1 step's FMAs). Bias, a residual
/// input (ResNet/BlazeFace shortcuts) and ReLU are applied on the way out, so a block's sum and
/// activation cost no extra pass over memory.
/// The block shape is the one that computes the fewest padded channels: 24 channels are one block
/// of 3 x 256 bits, 48 and 96 blocks of 3 x 512 bits, 32 and 64 blocks of 2 x 512 bits (2 x 256
/// bits for 24 channels left a third of every step's FMAs on channels that do not exist). With
/// AVX-512, 24 channels go further: 8 pixels at a time over pairs of pixels in 512-bit vectors
/// (<see cref="PairBlock"/>), the 256-bit blocks taking only what is left of a run.
/// </summary>
sealed unsafe class PackedConv2D
{
    const int Pixels = 4;
    /// <summary>The output channel count the pair blocks serve (BlazeFace's, MobileNetV2's): 2 pixels of it are 3 512-bit vectors.</summary>
    const int PairChannels = 24;
    readonly WindowGeometry _g;
    readonly bool _relu;
    readonly int _vector, _vectorsPerBlock, _block, _blocks, _paddedHeight, _paddedWidth;
    readonly bool _padded;
    /// <summary>A 1x1 convolution on a 1x1 input: a dense layer, whose pixel axis is the batch.</summary>
    readonly bool _dense;
    readonly float[] _weights, _bias;
    /// <summary>
    /// 24 output channels with AVX-512: per (tap, input channel) the 24 weights twice (48 floats),
    /// so that 3 512-bit vectors cover 2 neighbouring pixels' outputs (see <see cref="PairBlock"/>);
    /// empty otherwise.
    /// </summary>
    readonly float[] _pairWeights = [], _pairBias = [];
    readonly float[] _paddedInput;
    readonly float[] _wideOutput;
    /// <summary>Per output pixel (per batch item when dense): where its window starts in one (padded) input image.</summary>
    readonly int[] _windowStarts;

    /// <param name="allowAvx512">False forces 256-bit vectors (to test that path on AVX-512 machines).</param>
    public PackedConv2D(float[] weights, float[] bias, WindowGeometry g, bool relu, int maxBatch, bool allowAvx512 = true)
    {
        _g = g;
        _relu = relu;
        (_vector, _vectorsPerBlock) = BlockShape(g.OutChannels, allowAvx512 && Vector512.IsHardwareAccelerated);
        _block = _vectorsPerBlock * _vector;
        _blocks = (g.OutChannels + _block - 1) / _block;
        _weights = new float[_blocks * g.KernelHeight * g.KernelWidth * g.InChannels * _block];
        _bias = new float[_blocks * _block];
        if (allowAvx512 && Vector512.IsHardwareAccelerated && g.OutChannels == PairChannels)
        {
            _pairWeights = new float[g.KernelHeight * g.KernelWidth * g.InChannels * 2 * PairChannels];
            _pairBias = new float[2 * PairChannels];
        }
        Load(weights, bias);
        _paddedHeight = (g.OutHeight - 1) * g.StrideY + g.KernelHeight;
        _paddedWidth = (g.OutWidth - 1) * g.StrideX + g.KernelWidth;
        _dense = g.InHeight == 1 && g.InWidth == 1 && g.KernelHeight == 1 && g.KernelWidth == 1 && g.OutHeight == 1 && g.OutWidth == 1;
        _padded = g.PadTop != 0 || g.PadLeft != 0 || _paddedHeight > g.InHeight || _paddedWidth > g.InWidth;
        _paddedInput = _padded ? new float[maxBatch * _paddedHeight * _paddedWidth * g.InChannels] : [];
        // Channel counts that are not a whole number of vectors are computed wide, then narrowed.
        _wideOutput = g.OutChannels % _vector != 0 ? new float[maxBatch * g.OutHeight * g.OutWidth * _blocks * _block] : [];
        int rowWidth = _padded ? _paddedWidth : g.InWidth;
        _windowStarts = _dense
            ? Enumerable.Range(0, maxBatch).Select(n => n * g.InChannels).ToArray()
            : Enumerable.Range(0, g.OutHeight * g.OutWidth)
                .Select(p => (p / g.OutWidth * g.StrideY * rowWidth + p % g.OutWidth * g.StrideX) * g.InChannels).ToArray();
    }

    /// <summary>
    /// Vector width (floats) and vectors per block: fewest channels computed past the last, then a
    /// width that divides the channels (stored straight into the output, no wide buffer), then the
    /// wider register, then 3 vectors (3 weight loads per 12 FMAs instead of 2 per 8).
    /// </summary>
    internal static (int Vector, int VectorsPerBlock) BlockShape(int channels, bool avx512)
    {
        var shapes = new List<(int Vector, int Vectors)>();
        if (avx512) shapes.AddRange([(Vector512<float>.Count, 3), (Vector512<float>.Count, 2)]);
        shapes.AddRange([(Vector256<float>.Count, 3), (Vector256<float>.Count, 2)]);
        return shapes.MinBy(s =>
        {
            int block = s.Vector * s.Vectors, computed = (channels + block - 1) / block * block;
            return (computed, channels % s.Vector != 0 ? 1 : 0, -s.Vector, -s.Vectors);
        });
    }

    /// <summary>(Re)packs HWIO weights and the bias; training calls it after every update.</summary>
    public void Load(float[] hwio, float[] bias)
    {
        int taps = _g.KernelHeight * _g.KernelWidth * _g.InChannels;
        for (int b = 0; b < _blocks; b++)
            for (int t = 0; t < taps; t++)
                for (int j = 0; j < _block; j++)
                {
                    int co = b * _block + j;
                    if (co < _g.OutChannels) _weights[(b * taps + t) * _block + j] = hwio[t * _g.OutChannels + co];
                }
        bias.CopyTo(_bias, 0);
        if (_pairWeights.Length == 0) return;
        for (int t = 0; t < taps; t++)
            for (int j = 0; j < 2 * PairChannels; j++) _pairWeights[t * 2 * PairChannels + j] = hwio[t * PairChannels + j % PairChannels];
        for (int j = 0; j < 2 * PairChannels; j++) _pairBias[j] = bias[j % PairChannels];
    }

    /// <summary>Register width in floats (8 or 16) this layer runs at.</summary>
    public int VectorWidth => _vector;

    /// <summary>Vectors of output channels per register block (2 or 3).</summary>
    public int VectorsPerBlock => _vectorsPerBlock;

    /// <param name="residual">Added to each output before the ReLU (same shape as the output), or null.</param>
    public void Run(float[] input, float[] output, int batch, float[]? residual = null)
    {
        float[] source = input;
        int imageSize = _g.InHeight * _g.InWidth * _g.InChannels;
        if (_padded)
        {
            PadInput(input, batch);
            source = _paddedInput;
            imageSize = _paddedHeight * _paddedWidth * _g.InChannels;
        }
        int pixels = _g.OutHeight * _g.OutWidth;
        if (_dense)
        {
            // One pixel per item would leave 3 of the 4 pixel slots of every block idle: the batch is the pixel axis instead.
            (pixels, batch) = (batch, 1);
        }
        int pixelBlocks = (pixels + Pixels - 1) / Pixels;
        // Work items: (batch item, channel block, run of pixel blocks), sized so both cores stay busy at batch 1.
        int run = Math.Max(1, Math.Min(16, pixelBlocks * _blocks * batch / (4 * Environment.ProcessorCount)));
        int runs = (pixelBlocks + run - 1) / run;
        bool wide = _wideOutput.Length > 0;
        var target = wide ? _wideOutput : output;
        int targetChannels = wide ? _blocks * _block : _g.OutChannels;
        // Computed wide, the residual and the ReLU are applied while narrowing instead.
        bool reluInBlock = _relu && !(wide && residual is not null);
        var blockResidual = wide ? null : residual;
        Parallel.For(0, batch * _blocks * runs, item =>
        {
            int n = item / (_blocks * runs), rest = item % (_blocks * runs);
            int cb = rest / runs, first = rest % runs * run;
            int last = Math.Min(pixelBlocks, first + run);
            fixed (float* src = source, dst = target, w = _weights, b = _bias, res = blockResidual, pw = _pairWeights, pb = _pairBias)
            fixed (int* starts = _windowStarts)
            {
                var ctx = new Context(src + (long)n * imageSize, starts, pw, pb,
                    dst + (long)n * pixels * targetChannels + cb * _block, targetChannels,
                    w + (long)cb * _g.KernelHeight * _g.KernelWidth * _g.InChannels * _block, b + cb * _block, pixels,
                    res is null ? null : res + (long)n * pixels * targetChannels + cb * _block, reluInBlock,
                    storedVectors: Math.Min(_vectorsPerBlock, (targetChannels - cb * _block) / _vector));
                RunBlocks(ctx, first, last);
            }
        });
        if (wide) Narrow(output, batch * pixels, residual);
    }

    /// <summary>Pixel blocks [first, last) of one channel block.</summary>
    void RunBlocks(in Context ctx, int first, int last)
    {
        int pb = first;
        if (_pairWeights.Length > 0)
        {
            // Two pixel blocks at a time where all 8 pixels exist; what is left takes the 256-bit blocks below.
            for (; pb + 1 < last && (pb + 2) * Pixels <= ctx.Pixels; pb += 2) PairBlock(ctx, pb * Pixels);
        }
        for (; pb < last; pb++)
        {
            int p = pb * Pixels;
            switch (_vector, _vectorsPerBlock)
            {
                case (16, 3): Block<Simd512, Vector512<float>, ThreeVectors>(ctx, p); break;
                case (16, _): Block<Simd512, Vector512<float>, TwoVectors>(ctx, p); break;
                case (_, 3): Block<Simd256, Vector256<float>, ThreeVectors>(ctx, p); break;
                default: Block<Simd256, Vector256<float>, TwoVectors>(ctx, p); break;
            }
        }
    }

    /// <summary>
    /// Whether <see cref="RunBand"/> applies: a 1x1, stride-1 convolution without padding whose
    /// channels are stored straight into its output (each output pixel reads only its own input pixel).
    /// </summary>
    public bool Pointwise => _g.KernelHeight == 1 && _g.KernelWidth == 1 && _g.StrideY == 1 && _g.StrideX == 1
        && !_padded && !_dense && _wideOutput.Length == 0;

    /// <summary>
    /// A <see cref="Pointwise"/> convolution over <paramref name="pixels"/> consecutive pixels, on
    /// the calling thread: the caller (a fused depthwise + pointwise pair) hands it a band it has
    /// just computed and parallelises over bands itself. <paramref name="residual"/> is laid out as
    /// the output, or null.
    /// </summary>
    public void RunBand(float* input, int pixels, float* output, float* residual)
    {
        int cin = _g.InChannels, channels = _g.OutChannels, pixelBlocks = (pixels + Pixels - 1) / Pixels;
        fixed (float* w = _weights, b = _bias, pw = _pairWeights, pb = _pairBias)
        fixed (int* starts = _windowStarts)
            for (int cb = 0; cb < _blocks; cb++)
            {
                var ctx = new Context(input, starts, pw, pb, output + cb * _block, channels, w + (long)cb * cin * _block, b + cb * _block, pixels,
                    residual == null ? null : residual + cb * _block, _relu, Math.Min(_vectorsPerBlock, (channels - cb * _block) / _vector));
                RunBlocks(ctx, 0, pixelBlocks);
            }
    }

    readonly struct Context(float* input, int* windowStarts, float* pairWeights, float* pairBias, float* output, int outStride, float* weights, float* bias, int pixels, float* residual, bool relu, int storedVectors)
    {
        public readonly float* Input = input, Output = output, Weights = weights, Bias = bias, Residual = residual;
        public readonly int* WindowStarts = windowStarts;
        public readonly float* PairWeights = pairWeights, PairBias = pairBias;
        public readonly int OutStride = outStride, Pixels = pixels;
        public readonly bool Relu = relu;
        /// <summary>Vectors of this block that lie inside the output's channels (a last block may be partly past them).</summary>
        public readonly int StoredVectors = storedVectors;
    }

    /// <summary>How many vectors of output channels one register block holds (a type, so the JIT drops the unused third).</summary>
    interface IBlockVectors { static abstract int Count { get; } }
    struct TwoVectors : IBlockVectors { public static int Count => 2; }
    struct ThreeVectors : IBlockVectors { public static int Count => 3; }

    /// <summary>4 output pixels (starting at flat pixel <paramref name="p"/>) x 2 or 3 vectors of output channels.</summary>
    // Hot from the first batch: compiled optimised at once, whatever the host's tiering settings (see ManagedCpuBackend).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Block<TSimd, TVector, TVectors>(in Context c, int p)
        where TSimd : struct, ISimd<TVector> where TVector : struct where TVectors : struct, IBlockVectors
    {
        var g = _g;
        bool three = TVectors.Count == 3;
        int cin = g.InChannels, step = TVectors.Count * TSimd.Count, rowStride = (_padded ? _paddedWidth : g.InWidth) * cin;
        // Pixels past the end repeat the last one; their results are not stored.
        int lastPixel = c.Pixels - 1;
        float* i0 = c.Input + c.WindowStarts[Math.Min(p, lastPixel)], i1 = c.Input + c.WindowStarts[Math.Min(p + 1, lastPixel)];
        float* i2 = c.Input + c.WindowStarts[Math.Min(p + 2, lastPixel)], i3 = c.Input + c.WindowStarts[Math.Min(p + 3, lastPixel)];
        TVector a00 = TSimd.Load(c.Bias), a01 = TSimd.Load(c.Bias + TSimd.Count), a02 = three ? TSimd.Load(c.Bias + 2 * TSimd.Count) : default;
        TVector a10 = a00, a11 = a01, a12 = a02, a20 = a00, a21 = a01, a22 = a02, a30 = a00, a31 = a01, a32 = a02;
        float* w = c.Weights;
        for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int tap = ky * rowStride + kx * cin;
                float* x0 = i0 + tap, x1 = i1 + tap, x2 = i2 + tap, x3 = i3 + tap;
                for (int ci = 0; ci < cin; ci++, w += step)
                {
                    TVector w0 = TSimd.Load(w), w1 = TSimd.Load(w + TSimd.Count), w2 = three ? TSimd.Load(w + 2 * TSimd.Count) : default;
                    TVector v = TSimd.Broadcast(x0[ci]);
                    a00 = TSimd.MultiplyAdd(v, w0, a00); a01 = TSimd.MultiplyAdd(v, w1, a01);
                    if (three) a02 = TSimd.MultiplyAdd(v, w2, a02);
                    v = TSimd.Broadcast(x1[ci]);
                    a10 = TSimd.MultiplyAdd(v, w0, a10); a11 = TSimd.MultiplyAdd(v, w1, a11);
                    if (three) a12 = TSimd.MultiplyAdd(v, w2, a12);
                    v = TSimd.Broadcast(x2[ci]);
                    a20 = TSimd.MultiplyAdd(v, w0, a20); a21 = TSimd.MultiplyAdd(v, w1, a21);
                    if (three) a22 = TSimd.MultiplyAdd(v, w2, a22);
                    v = TSimd.Broadcast(x3[ci]);
                    a30 = TSimd.MultiplyAdd(v, w0, a30); a31 = TSimd.MultiplyAdd(v, w1, a31);
                    if (three) a32 = TSimd.MultiplyAdd(v, w2, a32);
                }
            }
        Store<TSimd, TVector>(c, p, a00, a01, a02);
        if (p + 1 < c.Pixels) Store<TSimd, TVector>(c, p + 1, a10, a11, a12);
        if (p + 2 < c.Pixels) Store<TSimd, TVector>(c, p + 2, a20, a21, a22);
        if (p + 3 < c.Pixels) Store<TSimd, TVector>(c, p + 3, a30, a31, a32);
    }

    /// <summary>
    /// 8 output pixels of a 24-channel convolution in 512-bit vectors: pixels 2k and 2k+1 are 48
    /// contiguous floats, 3 vectors: the first holds pixel 2k's channels 0-15, the last pixel 2k+1's
    /// channels 8-23, and the middle one pixel 2k's channels 16-23 beside pixel 2k+1's channels 0-7,
    /// so its input is the two pixels' broadcasts blended. Per input value: 12 FMAs of 16 lanes
    /// where the 256-bit blocks of 3 x 8 channels need 24 of 8 lanes for the same 8 pixels.
    /// </summary>
    // Hot from the first batch: compiled optimised at once, whatever the host's tiering settings (see ManagedCpuBackend).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void PairBlock(in Context c, int p)
    {
        var g = _g;
        const int Lanes = 16, Step = 2 * PairChannels;
        int cin = g.InChannels, rowStride = (_padded ? _paddedWidth : g.InWidth) * cin;
        float* i0 = c.Input + c.WindowStarts[p], i1 = c.Input + c.WindowStarts[p + 1], i2 = c.Input + c.WindowStarts[p + 2], i3 = c.Input + c.WindowStarts[p + 3];
        float* i4 = c.Input + c.WindowStarts[p + 4], i5 = c.Input + c.WindowStarts[p + 5], i6 = c.Input + c.WindowStarts[p + 6], i7 = c.Input + c.WindowStarts[p + 7];
        // Lanes 0-7 from the pair's first pixel, 8-15 from its second.
        var firstHalf = Vector512.Create(Vector256<float>.AllBitsSet, Vector256<float>.Zero);
        Vector512<float> b0 = Vector512.Load(c.PairBias), b1 = Vector512.Load(c.PairBias + Lanes), b2 = Vector512.Load(c.PairBias + 2 * Lanes);
        Vector512<float> a00 = b0, a01 = b1, a02 = b2, a10 = b0, a11 = b1, a12 = b2, a20 = b0, a21 = b1, a22 = b2, a30 = b0, a31 = b1, a32 = b2;
        float* w = c.PairWeights;
        for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int tap = ky * rowStride + kx * cin;
                for (int ci = tap, end = tap + cin; ci < end; ci++, w += Step)
                {
                    Vector512<float> w0 = Vector512.Load(w), w1 = Vector512.Load(w + Lanes), w2 = Vector512.Load(w + 2 * Lanes);
                    Vector512<float> u = Vector512.Create(i0[ci]), v = Vector512.Create(i1[ci]);
                    a00 = Vector512.FusedMultiplyAdd(u, w0, a00); a01 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(firstHalf, u, v), w1, a01); a02 = Vector512.FusedMultiplyAdd(v, w2, a02);
                    u = Vector512.Create(i2[ci]); v = Vector512.Create(i3[ci]);
                    a10 = Vector512.FusedMultiplyAdd(u, w0, a10); a11 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(firstHalf, u, v), w1, a11); a12 = Vector512.FusedMultiplyAdd(v, w2, a12);
                    u = Vector512.Create(i4[ci]); v = Vector512.Create(i5[ci]);
                    a20 = Vector512.FusedMultiplyAdd(u, w0, a20); a21 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(firstHalf, u, v), w1, a21); a22 = Vector512.FusedMultiplyAdd(v, w2, a22);
                    u = Vector512.Create(i6[ci]); v = Vector512.Create(i7[ci]);
                    a30 = Vector512.FusedMultiplyAdd(u, w0, a30); a31 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(firstHalf, u, v), w1, a31); a32 = Vector512.FusedMultiplyAdd(v, w2, a32);
                }
            }
        // The 8 pixels' outputs (and residuals) are 192 contiguous floats: 12 vectors.
        float* o = c.Output + (long)p * PairChannels, r = c.Residual == null ? null : c.Residual + (long)p * PairChannels;
        var relu = c.Relu;
        StorePair(o, r, relu, 0, a00); StorePair(o, r, relu, 1, a01); StorePair(o, r, relu, 2, a02);
        StorePair(o, r, relu, 3, a10); StorePair(o, r, relu, 4, a11); StorePair(o, r, relu, 5, a12);
        StorePair(o, r, relu, 6, a20); StorePair(o, r, relu, 7, a21); StorePair(o, r, relu, 8, a22);
        StorePair(o, r, relu, 9, a30); StorePair(o, r, relu, 10, a31); StorePair(o, r, relu, 11, a32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StorePair(float* output, float* residual, bool relu, int vector, Vector512<float> value)
    {
        if (residual != null) value += Vector512.Load(residual + vector * 16);
        if (relu) value = Vector512.Max(value, Vector512<float>.Zero);
        value.Store(output + vector * 16);
    }

    // Inlined: a call after the loop makes the JIT spill every accumulator to the stack on every
    // step of it (no vector register survives a call on x64), which cost two thirds of the speed.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store<TSimd, TVector>(in Context c, int p, TVector v0, TVector v1, TVector v2) where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        float* o = c.Output + (long)p * c.OutStride;
        float* r = c.Residual == null ? null : c.Residual + (long)p * c.OutStride;
        StoreVector<TSimd, TVector>(c, o, r, v0);
        if (c.StoredVectors > 1) StoreVector<TSimd, TVector>(c, o + TSimd.Count, r == null ? null : r + TSimd.Count, v1);
        if (c.StoredVectors > 2) StoreVector<TSimd, TVector>(c, o + 2 * TSimd.Count, r == null ? null : r + 2 * TSimd.Count, v2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreVector<TSimd, TVector>(in Context c, float* o, float* r, TVector v) where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        if (r != null) v = TSimd.Add(v, TSimd.Load(r));
        if (c.Relu) v = TSimd.Max(v, TSimd.Zero);
        TSimd.Store(o, v);
    }

    void PadInput(float[] input, int batch)
    {
        var g = _g;
        int row = g.InWidth * g.InChannels, paddedRow = _paddedWidth * g.InChannels;
        Array.Clear(_paddedInput, 0, batch * _paddedHeight * paddedRow);
        for (int n = 0; n < batch; n++)
            for (int y = 0; y < g.InHeight; y++)
            {
                int py = y + g.PadTop;
                if (py >= _paddedHeight) break;
                int copy = Math.Min(g.InWidth, _paddedWidth - g.PadLeft) * g.InChannels;
                Array.Copy(input, (n * g.InHeight + y) * row,
                    _paddedInput, (n * _paddedHeight + py) * paddedRow + g.PadLeft * g.InChannels, copy);
            }
    }

    void Narrow(float[] output, int pixels, float[]? residual)
    {
        int wide = _blocks * _block, channels = _g.OutChannels;
        for (int p = 0; p < pixels; p++)
            Array.Copy(_wideOutput, p * wide, output, p * channels, channels);
        if (residual is null) return;
        var values = output.AsSpan(0, pixels * channels);
        SimdMath.Add(values, residual.AsSpan(0, values.Length), values);
        if (_relu) SimdMath.Relu(values);
    }
}
