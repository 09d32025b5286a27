using System.Diagnostics;
using System.Runtime.Intrinsics;
using VideoAffect.Engine.Cpu;

namespace VideoAffect.Benchmarking;

/// <summary>
/// The machine's practical peak: a tight loop of independent FMA chains on every core, in the
/// widest vectors the JIT accelerates (the same SIMD abstraction as the cpu backend's kernels).
/// A forward pass's GFLOP/s is read against this, measured in the same run.
/// </summary>
internal static class FmaPeak
{
    public static int Lanes => Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count;

    /// <summary>FLOP of one <see cref="AllCores"/> call: 8 chains x lanes x 2 per iteration per core.</summary>
    public static double Flops(int iterations) => 2.0 * iterations * 8 * Lanes * Environment.ProcessorCount;

    public static float AllCores(int iterations)
    {
        var sums = new float[Environment.ProcessorCount];
        Parallel.For(0, Environment.ProcessorCount, core => sums[core] = Vector512.IsHardwareAccelerated
            ? Loop<Simd512, Vector512<float>>(iterations) : Loop<Simd256, Vector256<float>>(iterations));
        return sums.Sum();
    }

    /// <summary>GFLOP/s: the best of a few half-second rounds (the peak is what the machine can do, not its average under load).</summary>
    public static double MeasureGflops(int rounds = 5)
    {
        const int iterations = 20_000_000;
        AllCores(iterations / 10);
        double best = 0;
        for (int r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            AllCores(iterations);
            best = Math.Max(best, Flops(iterations) / clock.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    static unsafe float Loop<TSimd, TVector>(int iterations) where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        var a = TSimd.Broadcast(0.999f);
        var b = TSimd.Broadcast(1e-7f);
        TVector c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a;
        for (int i = 0; i < iterations; i++)
        {
            c0 = TSimd.MultiplyAdd(c0, a, b); c1 = TSimd.MultiplyAdd(c1, a, b);
            c2 = TSimd.MultiplyAdd(c2, a, b); c3 = TSimd.MultiplyAdd(c3, a, b);
            c4 = TSimd.MultiplyAdd(c4, a, b); c5 = TSimd.MultiplyAdd(c5, a, b);
            c6 = TSimd.MultiplyAdd(c6, a, b); c7 = TSimd.MultiplyAdd(c7, a, b);
        }
        float* lanes = stackalloc float[TSimd.Count];
        TSimd.Store(lanes, TSimd.Max(TSimd.Max(TSimd.Max(c0, c1), TSimd.Max(c2, c3)), TSimd.Max(TSimd.Max(c4, c5), TSimd.Max(c6, c7))));
        return lanes[0];
    }
}
