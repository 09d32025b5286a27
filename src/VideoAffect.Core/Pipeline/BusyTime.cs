using System.Diagnostics;

namespace VideoAffect.Pipeline;

/// <summary>
/// Time a stage spent on its own work (not waiting on its neighbours' queues), summed over its
/// threads, so a run's summary shows where the CPU went and which stage bounds the rest.
/// </summary>
internal sealed class BusyTime
{
    long _ticks;

    public static long Start() => Stopwatch.GetTimestamp();

    public void Stop(long started) => Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - started);

    public double Seconds => Math.Round(Interlocked.Read(ref _ticks) / (double)Stopwatch.Frequency, 3);
}
