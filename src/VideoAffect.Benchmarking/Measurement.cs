using System.Diagnostics;

namespace VideoAffect.Benchmarking;

/// <summary>Median and spread of repeated measurements of a rate (units per second), plus peak memory.</summary>
internal sealed record Measurement(string Name, string Unit, double Median, double Min, double Max, int Runs, double PeakMemoryMiB)
{
    /// <summary>
    /// Runs <paramref name="run"/> once to warm up (JIT, caches, kernel compilation), then
    /// <paramref name="runs"/> times; each run returns how many units it processed.
    /// </summary>
    public static async Task<Measurement> OfAsync(string name, string unit, int runs, Func<Task<long>> run)
    {
        // Free what earlier measurements left, so the peak below is this item's own (as far as RSS can tell).
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        await run();
        var rates = new List<double>();
        using var memory = new PeakMemorySampler();
        for (int i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            long units = await run();
            rates.Add(units / clock.Elapsed.TotalSeconds);
        }
        rates.Sort();
        double median = rates.Count % 2 == 1 ? rates[rates.Count / 2] : (rates[rates.Count / 2 - 1] + rates[rates.Count / 2]) / 2;
        return new Measurement(name, unit, median, rates[0], rates[^1], runs, memory.PeakMiB);
    }

    public static Task<Measurement> OfAsync(string name, string unit, int runs, Func<long> run) =>
        OfAsync(name, unit, runs, () => Task.FromResult(run()));

    /// <summary>Spread as ± half the min-max range relative to the median.</summary>
    public double SpreadPercent => Median > 0 ? 50 * (Max - Min) / Median : 0;
}

/// <summary>Samples the process's resident memory every 20 ms and keeps the peak.</summary>
sealed class PeakMemorySampler : IDisposable
{
    readonly Timer _timer;
    long _peak;

    public PeakMemorySampler()
    {
        Sample();
        _timer = new Timer(_ => Sample(), null, 0, 20);
    }

    void Sample()
    {
        using var self = Process.GetCurrentProcess();
        long now = self.WorkingSet64;
        long seen;
        while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen) { }
    }

    public double PeakMiB => Interlocked.Read(ref _peak) / (1024.0 * 1024.0);

    public void Dispose() => _timer.Dispose();
}
