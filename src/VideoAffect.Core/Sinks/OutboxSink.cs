using System.Diagnostics;
using System.Threading.Channels;
using VideoAffect.Records;

namespace VideoAffect.Sinks;

/// <summary>
/// The part every broker sink shares: records become messages on the pipeline's thread (cheap, in
/// order), wait in a bounded outbox, and go out on the sink's own task. While the broker is down
/// the sink reconnects with backoff and the outbox keeps the newest messages, counting the oldest
/// it lets go; a send that fails counts its messages as dropped. Nothing here ever makes a frame wait.
/// </summary>
public abstract class OutboxSink<TMessage> : IEventSink
{
    /// <summary>At the end of a run, how long a sink with no connection may still try before its queue is given up.</summary>
    static readonly TimeSpan UnconnectedGrace = TimeSpan.FromSeconds(1);
    /// <summary>At the end of a run, how long a sink's first connection attempt, still under way, may take to give its verdict.</summary>
    static readonly TimeSpan FirstAttemptGrace = TimeSpan.FromSeconds(3);
    static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250), LongestBackoff = TimeSpan.FromSeconds(10);
    const int BatchLimit = 256;

    readonly Channel<TMessage> _outbox;
    readonly object _gate = new();
    readonly CancellationTokenSource _stop = new();
    Task _sending = Task.CompletedTask, _ticking = Task.CompletedTask;
    volatile bool _connected, _connecting, _attempted, _finishing;
    bool _everConnected, _outageLogged, _finished;
    int _inFlight;

    /// <summary>A sink named <paramref name="name"/> in logs and summaries, holding at most <paramref name="capacity"/> messages while its broker is away (the oldest are dropped and counted beyond that).</summary>
    protected OutboxSink(string name, int capacity)
    {
        Name = name;
        _outbox = Channel.CreateBounded<TMessage>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        }, _ => Counters.AddDropped(1));
    }

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public SinkCounters Counters { get; } = new();
    /// <inheritdoc/>
    public string? FatalError { get; private set; }
    /// <summary>The run this sink serves, from <see cref="Start"/> on.</summary>
    protected SinkRun Run { get; private set; } = null!;
    /// <summary>How often <see cref="OnTick"/> runs (status messages).</summary>
    protected virtual TimeSpan TickInterval => TimeSpan.FromSeconds(1);

    /// <summary>Connects, or throws: <see cref="SinkRefusedException"/> when trying again cannot help.</summary>
    protected abstract Task ConnectAsync(CancellationToken token);
    /// <summary>Sends a batch in order; throws when the connection is lost.</summary>
    protected abstract Task SendAsync(IReadOnlyList<TMessage> batch, CancellationToken token);
    /// <summary>The messages one frame's records make (called in order, under the sink's lock).</summary>
    protected abstract IEnumerable<TMessage> Translate(FrameRecord record);
    /// <summary>Messages sent every <see cref="TickInterval"/> (status), under the sink's lock.</summary>
    protected virtual IEnumerable<TMessage> OnTick() => [];
    /// <summary>The run's last messages (tracks ended, final status, going offline), under the sink's lock.</summary>
    protected virtual IEnumerable<TMessage> OnFinish(RunOutcome outcome) => [];
    /// <summary>What the log says, once, when a send fails (a broker's connection lost; a folder that cannot be written).</summary>
    protected virtual string OutageLine(string reason) => $"connection lost ({reason}); reconnecting, the run goes on";
    /// <summary>What the log says, once, when connecting fails (the broker is not there yet).</summary>
    protected virtual string UnreachableLine(string reason) => $"cannot connect ({reason}); retrying, the run goes on";
    /// <summary>What the log says when sending works again after <see cref="OutageLine"/>.</summary>
    protected virtual string RecoveryLine => "connected again";
    /// <summary>Closes the connection cleanly, if there is one.</summary>
    protected virtual Task DisconnectAsync() => Task.CompletedTask;

    /// <inheritdoc/>
    public void Start(SinkRun run)
    {
        Run = run;
        _sending = Task.Run(SendLoopAsync);
        _ticking = Task.Run(TickLoopAsync);
    }

    /// <inheritdoc/>
    public void Offer(FrameRecord record)
    {
        if (_finishing) return;
        try
        {
            lock (_gate)
                foreach (var message in Translate(record)) Enqueue(message);
        }
        catch (Exception e) { Counters.AddError($"record of frame {record.Frame}: {e.Message}"); }
    }

    void Enqueue(TMessage message)
    {
        // Full: the oldest goes (counted by the channel's callback); completed: this one is lost.
        if (!_outbox.Writer.TryWrite(message)) Counters.AddDropped(1);
    }

    async Task TickLoopAsync()
    {
        using var timer = new PeriodicTimer(TickInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (_finishing) return;
                try { lock (_gate) foreach (var message in OnTick()) Enqueue(message); }
                catch (Exception e) { Counters.AddError(e.Message); }
            }
        }
        catch (OperationCanceledException) { }
    }

    async Task SendLoopAsync()
    {
        var backoff = FirstBackoff;
        var batch = new List<TMessage>(BatchLimit);
        var token = _stop.Token;
        try
        {
            while (await _outbox.Reader.WaitToReadAsync(token))
            {
                if (!_connected)
                {
                    try
                    {
                        _connecting = true;
                        await ConnectAsync(token);
                        _connected = true;
                        if (_everConnected) Counters.AddReconnect();
                        if (_outageLogged) Run.Log?.Invoke($"{Name}: {RecoveryLine}");
                        _everConnected = true;
                        (_connecting, _attempted) = (false, true);
                        _outageLogged = false;
                        backoff = FirstBackoff;
                    }
                    catch (SinkRefusedException e)
                    {
                        (_connecting, _attempted) = (false, true);
                        FatalError = $"{Name}: {e.Message}";
                        Counters.AddError(e.Message);
                        return;
                    }
                    catch (Exception e) when (!token.IsCancellationRequested)
                    {
                        (_connecting, _attempted) = (false, true);
                        Counters.AddError(OneLine(e));
                        if (!_outageLogged) Run.Log?.Invoke($"{Name}: {UnreachableLine(OneLine(e))}");
                        _outageLogged = true;
                        await Task.Delay(backoff, token);
                        backoff = TimeSpan.FromTicks(Math.Min(LongestBackoff.Ticks, backoff.Ticks * 2));
                        continue;
                    }
                }
                batch.Clear();
                while (batch.Count < BatchLimit && _outbox.Reader.TryRead(out var message)) batch.Add(message);
                Volatile.Write(ref _inFlight, batch.Count);
                try
                {
                    _rejected = 0;
                    await SendAsync(batch, token);
                    Counters.AddSent(batch.Count - _rejected);
                }
                catch (Exception e) when (!token.IsCancellationRequested)
                {
                    // Whether the broker got any of them is unknown: counted as dropped, never sent twice.
                    Counters.AddDropped(batch.Count);
                    Counters.AddError(OneLine(e));
                    _connected = false;
                    if (!_outageLogged) Run.Log?.Invoke($"{Name}: {OutageLine(OneLine(e))}");
                    _outageLogged = true;
                }
                Volatile.Write(ref _inFlight, 0);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { }
    }

    int _rejected;

    /// <summary>
    /// Called from <see cref="SendAsync"/> for a message of the batch the receiver refused for good
    /// (a webhook's 400 or 404: sending it again cannot help): counted as dropped with its reason,
    /// not as sent, while the rest of the batch goes on.
    /// </summary>
    protected void Rejected(string why)
    {
        _rejected++;
        Counters.AddDropped(1);
        Counters.AddError(why);
    }

    /// <inheritdoc/>
    public async Task FinishAsync(RunOutcome outcome)
    {
        if (_finished) return;
        _finished = true;
        _finishing = true;
        try { lock (_gate) foreach (var message in OnFinish(outcome)) Enqueue(message); }
        catch (Exception e) { Counters.AddError(e.Message); }
        _outbox.Writer.TryComplete();
        // Connected: up to the drain limit for the queue to go out. Not connected: a moment more to
        // reconnect, then what is queued is given up; a dead broker never holds the run's end for
        // long. The sink's first attempt, still under way, gets a little longer to give its
        // verdict: a TLS handshake that a loaded machine took over the moment to refuse (a
        // certificate not trusted) was cancelled, and a short run then ended with exit 0 and its
        // records silently given up, not with the line that says why.
        var clock = Stopwatch.StartNew();
        while (!_sending.IsCompleted && clock.Elapsed < Run.DrainLimit
            && (_connected || clock.Elapsed < UnconnectedGrace || (_connecting && !_attempted && clock.Elapsed < FirstAttemptGrace)))
            await Task.WhenAny(_sending, Task.Delay(20));
        _stop.Cancel();
        try { await Task.WhenAll(_sending, _ticking); }
        catch (Exception e) { Counters.AddError(OneLine(e)); }
        long left = Volatile.Read(ref _inFlight);
        while (_outbox.Reader.TryRead(out _)) left++;
        Counters.AddDropped(left);
        if (_connected)
        {
            try { await DisconnectAsync(); }
            catch (Exception e) { Counters.AddError(OneLine(e)); }
        }
    }

    /// <inheritdoc/>
    public virtual async ValueTask DisposeAsync()
    {
        if (!_finished && Run is not null) await FinishAsync(RunOutcome.Failed);
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The innermost exception's first line, for logs and counters.</summary>
    protected static string OneLine(Exception e) => e.GetBaseException().Message.Split('\n')[0].Trim();
}

/// <summary>The broker said no in a way that trying again cannot change (credentials, authorisation).</summary>
public sealed class SinkRefusedException(string message) : Exception(message);
