using System.Runtime.Intrinsics;
using VideoAffect.Engine.Cpu;
using VideoAffect.Kernels;

namespace VideoAffect.Training.Cpu;

/// <summary>
/// A convolution's weight gradient as a register-blocked GEMM, the inference kernel's scheme turned
/// around: a block of 4 input channels x 2 SIMD vectors of output channels of one window tap stays
/// in registers while it sums input value times output gradient over every output pixel. Batch
/// items are split between threads, each summing into its own copy of the gradient (small enough
/// for its cache), added up at the end. A dense layer has one pixel per item, so there the batch
/// itself is the pixel axis and the threads split the blocks instead.
/// </summary>
static unsafe class BlockedWeightGradient
{
    const int Rows = 4;
    static readonly int Vector = Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count;

    /// <summary>Output channels must fill whole blocks of two vectors (the others use the row-update path).</summary>
    public static bool Handles(WindowGeometry g) => g.OutChannels % (2 * Vector) == 0;

    public static void Run(float[] input, float[] outputGradient, float[] weightGradient, float[] biasGradient, int batch, WindowGeometry g)
    {
        BiasGradient(outputGradient, biasGradient, batch * g.OutHeight * g.OutWidth, g.OutChannels);
        bool dense = g.OutHeight * g.OutWidth == 1 && g.KernelHeight * g.KernelWidth == 1 && g.InHeight * g.InWidth == 1;
        if (dense)
        {
            // The batch as the pixel axis of one item; each block is written by exactly one thread.
            var view = new WindowGeometry(batch, 1, g.InChannels, g.OutChannels, 1, 1, 1, 1, Padding.Valid);
            Array.Clear(weightGradient);
            Parallel.For(0, Units(view), unit =>
            {
                fixed (float* x = input, dy = outputGradient, dw = weightGradient) Unit(x, dy, dw, view, unit);
            });
            return;
        }
        int workers = Math.Min(batch, Environment.ProcessorCount);
        var partial = new float[workers][];
        Parallel.For(0, workers, w =>
        {
            var acc = partial[w] = new float[weightGradient.Length];
            fixed (float* x = input, dy = outputGradient, dw = acc)
                for (int n = batch * w / workers; n < batch * (w + 1) / workers; n++)
                    for (int unit = 0; unit < Units(g); unit++)
                        Unit(x + (long)n * g.InputSize, dy + (long)n * g.OutputSize, dw, g, unit);
        });
        Array.Clear(weightGradient);
        foreach (var acc in partial) SimdMath.MultiplyAdd(weightGradient, acc, 1f);
    }

    static void BiasGradient(float[] outputGradient, float[] biasGradient, int pixels, int channels)
    {
        Array.Clear(biasGradient);
        for (int p = 0; p < pixels; p++) SimdMath.MultiplyAdd(biasGradient, outputGradient.AsSpan(p * channels, channels), 1f);
    }

    static int CiBlocks(WindowGeometry g) => (g.InChannels + Rows - 1) / Rows;
    static int CoBlocks(WindowGeometry g) => g.OutChannels / (2 * Vector);
    static int Units(WindowGeometry g) => g.KernelHeight * g.KernelWidth * CiBlocks(g) * CoBlocks(g);

    /// <summary>One (tap, input-channel block, output-channel block) of one item, added into <paramref name="dw"/>.</summary>
    static void Unit(float* x, float* dy, float* dw, WindowGeometry g, int unit)
    {
        int co = unit % CoBlocks(g) * 2 * Vector, rest = unit / CoBlocks(g);
        int ci = rest % CiBlocks(g) * Rows, tap = rest / CiBlocks(g);
        int ky = tap / g.KernelWidth, kx = tap % g.KernelWidth;
        int rows = Math.Min(Rows, g.InChannels - ci);
        float* target = dw + ((long)tap * g.InChannels + ci) * g.OutChannels + co;
        if (Vector == Vector512<float>.Count) Block<Simd512, Vector512<float>>(x + ci, dy + co, target, g, ky, kx, rows);
        else Block<Simd256, Vector256<float>>(x + ci, dy + co, target, g, ky, kx, rows);
    }

    static void Block<TSimd, TVector>(float* x, float* dy, float* dw, WindowGeometry g, int ky, int kx, int rows)
        where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        int cin = g.InChannels, cout = g.OutChannels, v = TSimd.Count;
        // Rows past the input channels alias row 0; they are computed but not stored.
        int r1 = rows > 1 ? 1 : 0, r2 = rows > 2 ? 2 : 0, r3 = rows > 3 ? 3 : 0;
        TVector a00 = TSimd.Load(dw), a01 = TSimd.Load(dw + v);
        TVector a10 = TSimd.Zero, a11 = TSimd.Zero, a20 = TSimd.Zero, a21 = TSimd.Zero, a30 = TSimd.Zero, a31 = TSimd.Zero;
        if (rows > 1) { a10 = TSimd.Load(dw + cout); a11 = TSimd.Load(dw + cout + v); }
        if (rows > 2) { a20 = TSimd.Load(dw + 2 * cout); a21 = TSimd.Load(dw + 2 * cout + v); }
        if (rows > 3) { a30 = TSimd.Load(dw + 3 * cout); a31 = TSimd.Load(dw + 3 * cout + v); }
        // Output columns whose tap falls inside the input, so the pixel loop has no bounds checks.
        int oxFirst = Math.Max(0, Ceiling(g.PadLeft - kx, g.StrideX));
        int oxLast = Math.Min(g.OutWidth - 1, Floor(g.InWidth - 1 + g.PadLeft - kx, g.StrideX));
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int iy = g.InputY(oy, ky);
            if (iy < 0 || iy >= g.InHeight) continue;
            float* xp = x + ((long)iy * g.InWidth + g.InputX(oxFirst, kx)) * cin;
            float* dp = dy + ((long)oy * g.OutWidth + oxFirst) * cout;
            for (int ox = oxFirst; ox <= oxLast; ox++, xp += g.StrideX * cin, dp += cout)
            {
                TVector d0 = TSimd.Load(dp), d1 = TSimd.Load(dp + v);
                TVector b = TSimd.Broadcast(xp[0]);
                a00 = TSimd.MultiplyAdd(b, d0, a00); a01 = TSimd.MultiplyAdd(b, d1, a01);
                b = TSimd.Broadcast(xp[r1]);
                a10 = TSimd.MultiplyAdd(b, d0, a10); a11 = TSimd.MultiplyAdd(b, d1, a11);
                b = TSimd.Broadcast(xp[r2]);
                a20 = TSimd.MultiplyAdd(b, d0, a20); a21 = TSimd.MultiplyAdd(b, d1, a21);
                b = TSimd.Broadcast(xp[r3]);
                a30 = TSimd.MultiplyAdd(b, d0, a30); a31 = TSimd.MultiplyAdd(b, d1, a31);
            }
        }
        TSimd.Store(dw, a00); TSimd.Store(dw + v, a01);
        if (rows > 1) { TSimd.Store(dw + cout, a10); TSimd.Store(dw + cout + v, a11); }
        if (rows > 2) { TSimd.Store(dw + 2 * cout, a20); TSimd.Store(dw + 2 * cout + v, a21); }
        if (rows > 3) { TSimd.Store(dw + 3 * cout, a30); TSimd.Store(dw + 3 * cout + v, a31); }
    }

    static int Ceiling(int a, int b) => a <= 0 ? -(-a / b) : (a + b - 1) / b;
    static int Floor(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
