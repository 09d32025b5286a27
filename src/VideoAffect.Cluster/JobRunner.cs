using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using VideoAffect.Brokers.Files;
using VideoAffect.Pipeline;
using VideoAffect.Sinks;

namespace VideoAffect.Cluster;

/// <summary>What a node needs to run jobs: its name, its --max-jobs slots and how its `analyze` runs find and classify faces (the node's own recognition options, as its cameras use).</summary>
public sealed record JobSettings(string Node, int MaxJobs, RecognitionOptions Recognition);

/// <summary>
/// This node's share of the submitted videos: while it has a free slot, it claims the oldest pending
/// job from the registry and runs `analyze` on it (outputs under .partial names until the run
/// completes, then renamed: a run killed mid-way leaves no final file, and the retry elsewhere
/// replaces its partial). On the way out, its runs are cancelled and their jobs handed back.
/// </summary>
public sealed class JobRunner(IGrainFactory grains, ILocalSiloDetails silo, JobSettings settings, Action<string> log, TimeSpan period) : BackgroundService
{
    readonly Dictionary<string, Task> _runs = [];

    IJobRegistryGrain Registry => grains.GetGrain<IJobRegistryGrain>(ClusterNode.Jobs);
    string SiloKey => Membership.Key(silo.SiloAddress);

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            foreach (var done in _runs.Where(r => r.Value.IsCompleted).Select(r => r.Key).ToList()) _runs.Remove(done);
            try
            {
                while (_runs.Count < settings.MaxJobs && await Registry.Claim(settings.Node, SiloKey, [.. _runs.Keys]).WaitAsync(TimeSpan.FromSeconds(10), stop) is { } job)
                    if (!_runs.ContainsKey(job.Id)) _runs[job.Id] = Task.Run(() => RunAsync(job, stop), CancellationToken.None);
            }
            catch (Exception) when (!stop.IsCancellationRequested) { } // the registry's node or Redis briefly away: the next round claims
            try { await Task.Delay(period, stop); }
            catch (OperationCanceledException) { }
        }
        await Task.WhenAll(_runs.Values);
    }

    async Task RunAsync(JobClaim job, CancellationToken stop)
    {
        log($"{job.Id}: analysing {job.Input} (run {job.Attempt})");
        try
        {
            // The node's own options, which the submitter never gave, are named as the node's.
            if (job.Options?.Faces == true && FaceFolderSink.OptionKeepingNoFaces(settings.Recognition) is { } option)
                throw new VideoAffectException($"node {settings.Node} runs with {option}, so it keeps no faces for the job's --faces");
            var options = JobAnalysis.Options(job, settings.Recognition);
            var (summary, _) = await VideoFacesFolder.AnalyzeAsync(options, JobAnalysis.Outputs(job.OutputDirectory, job.Input, job.Options).Faces,
                () => EventSinks.None, analyzer => analyzer.RunAsync(stop), log: null);
            if (stop.IsCancellationRequested) { await HandBackAsync(job); return; }
            await ReportAsync(() => Registry.Finished(job.Id, SiloKey, summary.Complete, summary.Error, summary.FramesWritten), stop);
            log($"{job.Id}: {summary.Status}, {summary.FramesWritten} frames");
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            await HandBackAsync(job);
        }
        catch (Exception e)
        {
            // A bad input fails the same way on every node: recorded, not retried.
            string reason = e.Message.Split('\n')[0];
            await ReportAsync(() => Registry.Finished(job.Id, SiloKey, false, reason, 0), stop);
            log($"{job.Id}: failed: {reason}");
        }
    }

    /// <summary>Best effort: a node that cannot say so is soon declared dead, and its job is pending again all the same.</summary>
    async Task HandBackAsync(JobClaim job)
    {
        try { await Registry.Requeue(job.Id, SiloKey).WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception) { }
        log($"{job.Id}: handed back");
    }

    /// <summary>A finished job's state is retried while the registry's node moves or Redis is away; if the node stops first, the job runs again elsewhere.</summary>
    static async Task ReportAsync(Func<Task> call, CancellationToken stop)
    {
        while (true)
        {
            try { await call().WaitAsync(TimeSpan.FromSeconds(10), stop); return; }
            catch (Exception) when (!stop.IsCancellationRequested) { await Task.Delay(1000, CancellationToken.None); }
            catch (OperationCanceledException) { return; }
        }
    }
}
