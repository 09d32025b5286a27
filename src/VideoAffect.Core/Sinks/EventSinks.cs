namespace VideoAffect.Sinks;

/// <summary>A run's event sinks together: started, finished and summarised as one, each still on its own.</summary>
public sealed class EventSinks(IReadOnlyList<IEventSink> sinks) : IAsyncDisposable
{
    /// <summary>No sinks.</summary>
    public static readonly EventSinks None = new([]);

    /// <summary>The sinks, in the order given.</summary>
    public IReadOnlyList<IEventSink> All => sinks;

    internal void Start(SinkRun run)
    {
        foreach (var sink in sinks)
        {
            try { sink.Start(run); }
            catch (Exception e) { sink.Counters.AddError(e.Message.Split('\n')[0]); }
        }
    }

    /// <summary>The first sink that can never work, as the line the run stops with; null while all can.</summary>
    internal string? FatalError => sinks.Select(s => s.FatalError).FirstOrDefault(e => e is not null);

    /// <summary>All sinks drain at once, so the run's end waits for the slowest, not their sum; one that throws is counted, not rethrown.</summary>
    internal Task FinishAsync(RunOutcome outcome) => Task.WhenAll(sinks.Select(async sink =>
    {
        try { await sink.FinishAsync(outcome); }
        catch (Exception e) { sink.Counters.AddError(e.Message.Split('\n')[0]); }
    }));

    internal IReadOnlyList<SinkSummary> Summaries() => sinks.Select(s => s.Counters.Summarize(s.Name)).ToList();

    /// <summary>Disposes every sink.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var sink in sinks)
        {
            try { await sink.DisposeAsync(); }
            catch (Exception e) { sink.Counters.AddError(e.Message.Split('\n')[0]); }
        }
    }
}
