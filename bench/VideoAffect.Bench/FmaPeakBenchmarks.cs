using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using VideoAffect.Engine.Cpu;

namespace VideoAffect.Bench;

/// <summary>
/// The machine's practical peak: a tight loop of independent FMA chains on every core, in the
/// widest vectors the JIT accelerates (the same SIMD abstraction as the cpu backend's kernels).
/// GFLOP/s of the other benchmarks read against this one.
/// </summary>
[Config(typeof(ThroughputConfig))]
public class FmaPeakBenchmarks
{
    const int Iterations = 2_000_000;
    static int Lanes => Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count;

    /// <summary>Read by <see cref="ThroughputConfig"/>: 8 chains x lanes x 2 FLOP per iteration per core.</summary>
    public static double FlopsPerOperation => 2.0 * Iterations * 8 * Lanes * Environment.ProcessorCount;

    [Benchmark]
    public float AllCores()
    {
        var sums = new float[Environment.ProcessorCount];
        Parallel.For(0, Environment.ProcessorCount, core => sums[core] = Vector512.IsHardwareAccelerated
            ? Loop<Simd512, Vector512<float>>() : Loop<Simd256, Vector256<float>>());
        return sums.Sum();
    }

    static unsafe float Loop<TSimd, TVector>() where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        var a = TSimd.Broadcast(0.999f);
        var b = TSimd.Broadcast(1e-7f);
        TVector c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a;
        for (int i = 0; i < Iterations; i++)
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
