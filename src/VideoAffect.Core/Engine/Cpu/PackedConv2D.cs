using System.Runtime.Intrinsics;
using VideoAffect.Kernels;

namespace VideoAffect.Engine.Cpu;

/// <summary>
/// Convolution as a register-blocked implicit GEMM: each step computes 4 output pixels x 2 SIMD
/// vectors of output channels in registers, walking the window taps and input channels, so every
/// weight vector loaded serves 4 pixels and every input value broadcast serves 2 vectors.
/// Weights are repacked once into [channel block][ky][kx][cin][block] so the inner loop reads them
/// sequentially; the input is copied into a zero-padded buffer when the layer pads, so the inner
/// loop has no bounds checks. Bias, a residual input (ResNet/BlazeFace shortcuts) and ReLU are
/// applied on the way out, so a block's sum and activation cost no extra pass over memory.
/// The vector width is the one that pads the output channels least (48 channels: 256-bit blocks
/// of 16 fit exactly where 512-bit blocks of 32 would compute 64), 512-bit on a tie.
/// </summary>
sealed unsafe class PackedConv2D
{
    const int Pixels = 4;
    readonly WindowGeometry _g;
    readonly bool _relu;
    readonly int _vector, _block, _blocks, _paddedHeight, _paddedWidth;
    readonly bool _padded;
    /// <summary>A 1x1 convolution on a 1x1 input: a dense layer.</summary>
    readonly bool _dense;
    readonly float[] _weights, _bias;
    readonly float[] _paddedInput;
    readonly float[] _wideOutput;

    /// <param name="allowAvx512">False forces 256-bit vectors (to test that path on AVX-512 machines).</param>
    public PackedConv2D(float[] weights, float[] bias, WindowGeometry g, bool relu, int maxBatch, bool allowAvx512 = true)
    {
        _g = g;
        _relu = relu;
        // A width that divides the channels stores straight into the output; then the least padding.
        static (bool Wide, int Padded) Cost(int channels, int vector) => (channels % vector != 0, (channels + 2 * vector - 1) / (2 * vector) * 2 * vector);
        _vector = allowAvx512 && Vector512.IsHardwareAccelerated && Cost(g.OutChannels, Vector512<float>.Count).CompareTo(Cost(g.OutChannels, Vector256<float>.Count)) <= 0
            ? Vector512<float>.Count : Vector256<float>.Count;
        _block = 2 * _vector;
        _blocks = (g.OutChannels + _block - 1) / _block;
        _weights = new float[_blocks * g.KernelHeight * g.KernelWidth * g.InChannels * _block];
        _bias = new float[_blocks * _block];
        Load(weights, bias);
        _paddedHeight = (g.OutHeight - 1) * g.StrideY + g.KernelHeight;
        _paddedWidth = (g.OutWidth - 1) * g.StrideX + g.KernelWidth;
        _dense = g.InHeight == 1 && g.InWidth == 1 && g.KernelHeight == 1 && g.KernelWidth == 1 && g.OutHeight == 1 && g.OutWidth == 1;
        _padded = g.PadTop != 0 || g.PadLeft != 0 || _paddedHeight > g.InHeight || _paddedWidth > g.InWidth;
        _paddedInput = _padded ? new float[maxBatch * _paddedHeight * _paddedWidth * g.InChannels] : [];
        // Channel counts that are not a whole number of vectors are computed wide, then narrowed; a
        // last block that is half full stores its first vector only.
        _wideOutput = g.OutChannels % _vector != 0 ? new float[maxBatch * g.OutHeight * g.OutWidth * _blocks * _block] : [];
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
    }

    /// <summary>Register width in floats (8 or 16) this layer runs at.</summary>
    public int VectorWidth => _vector;

    /// <param name="residual">Added to each output before the ReLU (same shape as the output), or null.</param>
    public void Run(float[] input, float[] output, int batch, float[]? residual = null)
    {
        float[] source = input;
        int inHeight = _g.InHeight, inWidth = _g.InWidth;
        if (_padded)
        {
            PadInput(input, batch);
            source = _paddedInput;
            (inHeight, inWidth) = (_paddedHeight, _paddedWidth);
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
            fixed (float* src = source, dst = target, w = _weights, b = _bias, res = blockResidual)
            {
                var ctx = new Context(src + (long)n * inHeight * inWidth * _g.InChannels, inWidth,
                    dst + (long)n * pixels * targetChannels + cb * _block, targetChannels,
                    w + (long)cb * _g.KernelHeight * _g.KernelWidth * _g.InChannels * _block, b + cb * _block, pixels,
                    res is null ? null : res + (long)n * pixels * targetChannels + cb * _block, reluInBlock,
                    hasHigh: cb * _block + _vector < targetChannels);
                for (int pb = first; pb < last; pb++)
                {
                    if (_vector == Vector512<float>.Count) Block<Simd512, Vector512<float>>(ctx, pb * Pixels);
                    else Block<Simd256, Vector256<float>>(ctx, pb * Pixels);
                }
            }
        });
        if (wide) Narrow(output, batch * pixels, residual);
    }

    readonly struct Context(float* input, int inWidth, float* output, int outStride, float* weights, float* bias, int pixels, float* residual, bool relu, bool hasHigh)
    {
        public readonly float* Input = input, Output = output, Weights = weights, Bias = bias, Residual = residual;
        public readonly int InWidth = inWidth, OutStride = outStride, Pixels = pixels;
        /// <summary>False when the block's second vector lies past the last channel (stored nowhere).</summary>
        public readonly bool Relu = relu, HasHigh = hasHigh;
    }

    /// <summary>4 output pixels (starting at flat pixel <paramref name="p"/>) x 2 vectors of output channels.</summary>
    void Block<TSimd, TVector>(in Context c, int p) where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        var g = _g;
        int cin = g.InChannels, step = 2 * TSimd.Count;
        // Pixels past the end repeat the last one; their results are not stored.
        float* i0 = PixelInput(c, Math.Min(p, c.Pixels - 1)), i1 = PixelInput(c, Math.Min(p + 1, c.Pixels - 1));
        float* i2 = PixelInput(c, Math.Min(p + 2, c.Pixels - 1)), i3 = PixelInput(c, Math.Min(p + 3, c.Pixels - 1));
        TVector a00 = TSimd.Load(c.Bias), a01 = TSimd.Load(c.Bias + TSimd.Count);
        TVector a10 = a00, a11 = a01, a20 = a00, a21 = a01, a30 = a00, a31 = a01;
        float* w = c.Weights;
        for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int tap = (ky * c.InWidth + kx) * cin;
                float* x0 = i0 + tap, x1 = i1 + tap, x2 = i2 + tap, x3 = i3 + tap;
                for (int ci = 0; ci < cin; ci++, w += step)
                {
                    TVector w0 = TSimd.Load(w), w1 = TSimd.Load(w + TSimd.Count);
                    TVector v = TSimd.Broadcast(x0[ci]);
                    a00 = TSimd.MultiplyAdd(v, w0, a00); a01 = TSimd.MultiplyAdd(v, w1, a01);
                    v = TSimd.Broadcast(x1[ci]);
                    a10 = TSimd.MultiplyAdd(v, w0, a10); a11 = TSimd.MultiplyAdd(v, w1, a11);
                    v = TSimd.Broadcast(x2[ci]);
                    a20 = TSimd.MultiplyAdd(v, w0, a20); a21 = TSimd.MultiplyAdd(v, w1, a21);
                    v = TSimd.Broadcast(x3[ci]);
                    a30 = TSimd.MultiplyAdd(v, w0, a30); a31 = TSimd.MultiplyAdd(v, w1, a31);
                }
            }
        Store<TSimd, TVector>(c, p, a00, a01);
        if (p + 1 < c.Pixels) Store<TSimd, TVector>(c, p + 1, a10, a11);
        if (p + 2 < c.Pixels) Store<TSimd, TVector>(c, p + 2, a20, a21);
        if (p + 3 < c.Pixels) Store<TSimd, TVector>(c, p + 3, a30, a31);
    }

    /// <summary>Top-left input pixel of output pixel <paramref name="p"/>'s window (in the padded input when padding).</summary>
    float* PixelInput(in Context c, int p)
    {
        int oy = p / _g.OutWidth, ox = p % _g.OutWidth;
        return c.Input + ((long)oy * _g.StrideY * c.InWidth + ox * _g.StrideX) * _g.InChannels;
    }

    void Store<TSimd, TVector>(in Context c, int p, TVector low, TVector high) where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        if (c.Residual != null)
        {
            float* r = c.Residual + (long)p * c.OutStride;
            low = TSimd.Add(low, TSimd.Load(r));
            if (c.HasHigh) high = TSimd.Add(high, TSimd.Load(r + TSimd.Count));
        }
        if (c.Relu)
        {
            low = TSimd.Max(low, TSimd.Zero);
            high = TSimd.Max(high, TSimd.Zero);
        }
        float* o = c.Output + (long)p * c.OutStride;
        TSimd.Store(o, low);
        if (c.HasHigh) TSimd.Store(o + TSimd.Count, high);
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
