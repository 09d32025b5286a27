using System.Diagnostics;
using System.Globalization;

namespace VideoAffect.Live;

/// <summary>One reading of the process's footprint during a run.</summary>
public sealed record ResourceSample(double Seconds, long ResidentBytes, long ManagedBytes, int Handles, int Threads);

/// <summary>
/// Samples the process's resident memory, managed heap, open handles and threads every few
/// seconds while a monitor runs, so that a long run (a soak) shows whether anything grows; the
/// samples go into the summary and, optionally, a CSV written as they come.
/// </summary>
internal sealed class ResourceSampler(TimeSpan interval, string? csvPath = null)
{
    readonly List<ResourceSample> _samples = new();

    public IReadOnlyList<ResourceSample> Samples { get { lock (_samples) return _samples.ToList(); } }

    public async Task RunAsync(CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        using var csv = csvPath is null ? null : new StreamWriter(csvPath) { AutoFlush = true };
        csv?.WriteLine("seconds,resident_bytes,managed_bytes,handles,threads");
        try
        {
            while (true)
            {
                using var self = Process.GetCurrentProcess();
                var sample = new ResourceSample(Math.Round(clock.Elapsed.TotalSeconds, 1), self.WorkingSet64, GC.GetTotalMemory(forceFullCollection: true),
                    self.HandleCount, self.Threads.Count);
                lock (_samples) _samples.Add(sample);
                csv?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{sample.Seconds},{sample.ResidentBytes},{sample.ManagedBytes},{sample.Handles},{sample.Threads}"));
                await Task.Delay(interval, token);
            }
        }
        catch (OperationCanceledException) { }
    }
}
