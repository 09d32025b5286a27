using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;
using VideoAffect.Records;
using VideoAffect.Sinks;

namespace VideoAffect.Cli.Service;

/// <summary>
/// `monitor` and `node` as a systemd service (Type=notify), told through $NOTIFY_SOCKET: READY=1
/// once the cameras start (models loaded and warmed up), a STATUS= line of the streams every few
/// seconds (what `systemctl status` shows), WATCHDOG=1 at half the unit's WatchdogSec, and
/// STOPPING=1 when the run winds down. The watchdog is fed while the process can run its timers
/// and, whenever a stream is live, only if frames went through the pipeline within WatchdogSec:
/// a pipeline stuck behind live cameras is restarted by systemd, a camera that is down is not.
/// A sink because that is what a run tells of its start, its frames and its end.
/// </summary>
sealed class SystemdSink : IEventSink
{
    readonly SystemdNotifier _notifier = new();
    readonly CancellationTokenSource _stop = new();
    readonly TimeSpan? _watchdog = Watchdog();
    Task _loop = Task.CompletedTask;
    long _frames, _lastFrameTicks = Stopwatch.GetTimestamp();

    /// <summary>The sinks given, and this one where systemd started the process as a notify service.</summary>
    public static EventSinks AddTo(EventSinks sinks) =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET")) ? sinks : new EventSinks([.. sinks.All, new SystemdSink()]);

    /// <summary>Half of WatchdogSec (WATCHDOG_USEC), when the watchdog is on and meant for this process.</summary>
    static TimeSpan? Watchdog()
    {
        if (Environment.GetEnvironmentVariable("WATCHDOG_PID") is { Length: > 0 } pid && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture)) return null;
        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out long usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec) : null;
    }

    public string Name => "systemd";
    public SinkCounters Counters { get; } = new();
    public string? FatalError => null;

    public void Start(SinkRun run)
    {
        Notify($"READY=1\nSTATUS={Status(run)}");
        _loop = Task.Run(() => LoopAsync(run, _stop.Token));
    }

    public void Offer(FrameRecord record)
    {
        Interlocked.Increment(ref _frames);
        Interlocked.Exchange(ref _lastFrameTicks, Stopwatch.GetTimestamp());
    }

    async Task LoopAsync(SinkRun run, CancellationToken token)
    {
        var beat = _watchdog is { } w ? TimeSpan.FromTicks(Math.Min(w.Ticks / 2, StatusEvery.Ticks)) : StatusEvery;
        var lastStatus = Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                await Task.Delay(beat, token);
                var message = new List<string>();
                if (_watchdog is { } limit && (!AnyLive(run) || Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastFrameTicks)) < limit))
                    message.Add("WATCHDOG=1");
                if (Stopwatch.GetElapsedTime(lastStatus) >= StatusEvery - TimeSpan.FromMilliseconds(50))
                {
                    message.Add($"STATUS={Status(run)}");
                    lastStatus = Stopwatch.GetTimestamp();
                }
                if (message.Count > 0) Notify(string.Join('\n', message));
            }
        }
        catch (OperationCanceledException) { }
    }

    static readonly TimeSpan StatusEvery = TimeSpan.FromSeconds(5);

    static bool AnyLive(SinkRun run) => run.Streams.Any(s => run.Report(s).State == "live");

    /// <summary>`3 streams: 2 live, 1 reconnecting; 1234 frames processed`.</summary>
    string Status(SinkRun run)
    {
        var states = run.Streams.Select(s => run.Report(s).State).GroupBy(s => s).Select(g => $"{g.Count()} {g.Key}");
        int count = run.Streams.Count;
        return $"{count} stream{(count == 1 ? "" : "s")}{(count > 0 ? ": " + string.Join(", ", states) : "")}; {Interlocked.Read(ref _frames)} frames processed";
    }

    void Notify(string state)
    {
        try
        {
            _notifier.Notify(new ServiceState(state));
            Counters.AddSent(1);
        }
        catch (Exception e) { Counters.AddError(e.Message.Split('\n')[0]); }
    }

    public async Task FinishAsync(RunOutcome outcome)
    {
        _stop.Cancel();
        await _loop;
        Notify($"STOPPING=1\nSTATUS=stopping ({outcome.ToString().ToLowerInvariant()})");
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop;
        _stop.Dispose();
    }
}
