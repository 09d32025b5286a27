namespace VideoAffect.Detection.Simd;

/// <summary>
/// A few long-lived threads that share one frame's work with the caller: each takes the next
/// item index from a shared counter until none are left. Parallel.For was tried first: with the
/// pool's few threads on a 2-core machine its workers yielded after a time slice and waited to be
/// rescheduled, so one thread often did nearly all of a frame.
/// </summary>
internal sealed class WorkCrew : IDisposable
{
    readonly Thread[] _threads;
    readonly SemaphoreSlim _start = new(0);
    readonly CountdownEvent _done = new(0);
    Action<int>? _body;
    int _next, _count;
    Exception? _failure;
    volatile bool _stopping;

    /// <param name="helpers">threads besides the caller</param>
    public WorkCrew(int helpers)
    {
        _threads = new Thread[helpers];
        for (int i = 0; i < helpers; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"haar-{i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>Runs <paramref name="body"/> for 0..count-1 on the caller and the helpers; returns when all are done.</summary>
    public void Run(int count, Action<int> body)
    {
        if (_threads.Length == 0 || count <= 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        _body = body;
        _count = count;
        _next = -1;
        _failure = null;
        _done.Reset(_threads.Length);
        _start.Release(_threads.Length);
        Take();
        _done.Wait();
        _body = null;
        if (_failure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    void Take()
    {
        try
        {
            for (int i = Interlocked.Increment(ref _next); i < _count; i = Interlocked.Increment(ref _next)) _body!(i);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            _next = _count; // the others stop taking work
        }
    }

    void Work()
    {
        while (true)
        {
            _start.Wait();
            if (_stopping) return;
            Take();
            _done.Signal();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        if (_threads.Length > 0) _start.Release(_threads.Length);
        foreach (var t in _threads) t.Join();
        _start.Dispose();
        _done.Dispose();
    }
}
