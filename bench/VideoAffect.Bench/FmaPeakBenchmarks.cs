using BenchmarkDotNet.Attributes;
using VideoAffect.Benchmarking;

namespace VideoAffect.Bench;

/// <summary>
/// The machine's practical peak (<see cref="FmaPeak"/>): GFLOP/s of the other benchmarks read
/// against this one.
/// </summary>
[Config(typeof(ThroughputConfig))]
public class FmaPeakBenchmarks
{
    const int Iterations = 2_000_000;

    /// <summary>Read by <see cref="ThroughputConfig"/>.</summary>
    public static double FlopsPerOperation => FmaPeak.Flops(Iterations);

    [Benchmark]
    public float AllCores() => FmaPeak.AllCores(Iterations);
}
