using Orleans.Placement;
using Orleans.Runtime;
using VideoAffect.Pipeline;

namespace VideoAffect.Cluster;

[GenerateSerializer]
public sealed class JobList
{
    [Id(0)] public Dictionary<string, JobInfo> Jobs { get; set; } = new();
}

public sealed class JobRegistryGrain([PersistentState("jobs", ClusterNode.Storage)] IPersistentState<JobList> jobs) : Grain, IJobRegistryGrain
{
    public async Task<string> Submit(string input, string outputDirectory)
    {
        string id = $"job-{jobs.State.Jobs.Count + 1:D4}-{Path.GetFileNameWithoutExtension(input)}";
        jobs.State.Jobs[id] = new JobInfo { Input = input, OutputDirectory = outputDirectory };
        await jobs.WriteStateAsync();
        return id;
    }

    public async Task Started(string id, string node)
    {
        if (!jobs.State.Jobs.TryGetValue(id, out var job)) return;
        job.State = "running";
        job.Node = node;
        job.Attempts++;
        await jobs.WriteStateAsync();
    }

    public async Task Finished(string id, bool done, string? error, long frames)
    {
        if (!jobs.State.Jobs.TryGetValue(id, out var job)) return;
        job.State = done ? "done" : "failed";
        job.Error = error;
        job.Frames = frames;
        await jobs.WriteStateAsync();
    }

    public async Task Requeue(string id)
    {
        if (!jobs.State.Jobs.TryGetValue(id, out var job) || job.State != "running") return;
        job.State = "pending";
        await jobs.WriteStateAsync();
    }

    public Task<Dictionary<string, JobInfo>> List() => Task.FromResult(new Dictionary<string, JobInfo>(jobs.State.Jobs));
}

/// <summary>This node's job slots (`--max-jobs`) and how it runs `analyze`.</summary>
public sealed class NodeJobs(string node, int maxJobs, string backend, Action<string> log)
{
    int _running;
    public string Node => node;
    public string Backend => backend;
    public Action<string> Log => log;

    public bool TryTake()
    {
        while (true)
        {
            int now = Volatile.Read(ref _running);
            if (now >= maxJobs) return false;
            if (Interlocked.CompareExchange(ref _running, now + 1, now) == now) return true;
        }
    }

    public void Release() => Interlocked.Decrement(ref _running);
}

[ActivationCountBasedPlacement]
public sealed class JobGrain(NodeJobs node, IGrainFactory grains) : Grain, IJobGrain
{
    Task? _run;
    readonly CancellationTokenSource _stop = new();

    string Id => this.GetPrimaryKeyString();
    IJobRegistryGrain Registry => grains.GetGrain<IJobRegistryGrain>(ClusterNode.Jobs);

    public async Task EnsureRunning(string input, string outputDirectory)
    {
        if (_run is not null) return;
        if (!node.TryTake())
        {
            DeactivateOnIdle();
            throw new InvalidOperationException($"node {node.Node} runs as many jobs as it may");
        }
        await Registry.Started(Id, node.Node);
        node.Log($"{Id}: analysing {input}");
        _run = Task.Run(() => AnalyseAsync(input, outputDirectory));
    }

    async Task AnalyseAsync(string input, string outputDirectory)
    {
        try
        {
            string stem = Path.Combine(outputDirectory, Path.GetFileNameWithoutExtension(input));
            var options = new AnalyzeOptions { InputPath = input, OutputPath = stem + ".mp4", EventsPath = stem + ".jsonl", Backend = node.Backend, DetectWorkers = 1 };
            var summary = await new VideoAnalyzer(options).RunAsync(_stop.Token);
            if (_stop.IsCancellationRequested) { await Registry.Requeue(Id); return; }
            await Registry.Finished(Id, summary.Complete, summary.Error, summary.FramesWritten);
            node.Log($"{Id}: {summary.Status}, {summary.FramesWritten} frames");
        }
        catch (Exception e) when (_stop.IsCancellationRequested)
        {
            _ = e;
            await Registry.Requeue(Id);
        }
        catch (Exception e)
        {
            // A bad input fails the same way on every node: recorded, not retried.
            await Registry.Finished(Id, false, e.Message.Split('\n')[0], 0);
            node.Log($"{Id}: failed: {e.Message.Split('\n')[0]}");
        }
        finally
        {
            node.Release();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken token)
    {
        if (_run is null) return;
        _stop.Cancel();
        try { await _run.WaitAsync(token); } catch (Exception) { }
    }
}
