namespace VideoAffect.Pipeline;

/// <summary>
/// A pipeline's stages running as tasks, with one failure rule for every pipeline: the first
/// failure is kept; a failing stage stops them all (its input can no longer drain, so the stages
/// before it would wait for ever), a failing source only ends its input (what it read still goes
/// through). Cancellation (the <see cref="Abort"/> token) is not a failure.
/// </summary>
internal sealed class StageGroup(Action? onFailure = null) : IDisposable
{
    readonly CancellationTokenSource _abort = new();
    readonly List<Task> _tasks = new();
    Exception? _failure;

    /// <summary>Cancelled when a stage fails: every stage takes it.</summary>
    public CancellationToken Abort => _abort.Token;
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>A stage between channels: its failure stops every stage.</summary>
    public void Stage(Func<Task> run) => Track(Watch(Task.Run(run), stopsAll: true));

    /// <summary>A source: its failure is the run's failure, but what it produced still drains.</summary>
    public void Source(Func<Task> run) => Track(Watch(Task.Run(run), stopsAll: false));

    /// <summary>A task that reports its own failures (a live source that reconnects).</summary>
    public void Add(Task task) => Track(task);

    void Track(Task task) { lock (_tasks) _tasks.Add(task); }

    /// <summary>Every stage's end, including stages added while it waits (a stream added to a running monitor).</summary>
    public Task Completion => CompleteAsync();

    async Task CompleteAsync()
    {
        int seen = -1;
        while (true)
        {
            Task[] current;
            lock (_tasks)
            {
                if (_tasks.Count == seen) return;
                current = _tasks.ToArray();
            }
            seen = current.Length;
            await Task.WhenAll(current);
        }
    }

    /// <summary>A failure from outside the stages (a sink that can never work).</summary>
    public void Fail(Exception e)
    {
        Interlocked.CompareExchange(ref _failure, e, null);
        _abort.CancelQuietly();
        onFailure?.Invoke();
    }

    Task Watch(Task stage, bool stopsAll) => stage.ContinueWith(t =>
    {
        if (t.Exception?.GetBaseException() is not { } e || e is OperationCanceledException) return;
        if (stopsAll) Fail(e);
        else Interlocked.CompareExchange(ref _failure, e, null);
    }, TaskScheduler.Default);

    public void Dispose() => _abort.Dispose();
}
