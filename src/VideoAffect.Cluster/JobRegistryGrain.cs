using Orleans.Runtime;

namespace VideoAffect.Cluster;

[GenerateSerializer]
public sealed class JobList
{
    [Id(0)] public Dictionary<string, JobInfo> Jobs { get; set; } = new();
}

/// <summary>The jobs, persisted in the cluster's Redis; one activation, so a claim is atomic.</summary>
public sealed class JobRegistryGrain(
    [PersistentState("jobs", ClusterNode.Storage)] IPersistentState<JobList> jobs,
    IClusterMembershipService membership) : Grain, IJobRegistryGrain
{
    public async Task<string> Submit(string token, string input, string outputDirectory, JobOptions? options)
    {
        var known = jobs.State.Jobs.FirstOrDefault(j => j.Value.Token == token);
        if (known.Value is not null) return known.Key;
        string id = $"job-{jobs.State.Jobs.Count + 1:D4}-{Path.GetFileNameWithoutExtension(input)}";
        jobs.State.Jobs[id] = new JobInfo { Input = input, OutputDirectory = outputDirectory, Token = token, Options = options };
        await jobs.WriteStateAsync();
        return id;
    }

    public async Task<JobClaim?> Claim(string node, string silo, List<string> running)
    {
        bool changed = RequeueOrphans();
        foreach (var lost in jobs.State.Jobs.Where(j => j.Value.State == "running" && j.Value.Silo == silo && !running.Contains(j.Key)))
        {
            lost.Value.State = "pending";
            changed = true;
        }
        var next = jobs.State.Jobs.Where(j => j.Value.State == "pending").OrderBy(j => j.Key, StringComparer.Ordinal).Select(j => (Id: j.Key, Job: j.Value)).FirstOrDefault();
        if (next.Job is not null)
        {
            next.Job.State = "running";
            next.Job.Node = node;
            next.Job.Silo = silo;
            next.Job.Attempts++;
            changed = true;
        }
        if (changed) await jobs.WriteStateAsync();
        return next.Job is null ? null : new JobClaim(next.Id, next.Job.Input, next.Job.OutputDirectory, next.Job.Attempts, next.Job.Options);
    }

    public async Task Finished(string id, string silo, bool done, string? error, long frames)
    {
        if (!jobs.State.Jobs.TryGetValue(id, out var job) || job.State is "done" or "failed") return;
        job.State = done ? "done" : "failed";
        job.Error = error;
        job.Frames = frames;
        await jobs.WriteStateAsync();
    }

    public async Task Requeue(string id, string silo)
    {
        if (!jobs.State.Jobs.TryGetValue(id, out var job) || job.State != "running" || job.Silo != silo) return;
        job.State = "pending";
        await jobs.WriteStateAsync();
    }

    public async Task<Dictionary<string, JobInfo>> List()
    {
        if (RequeueOrphans()) await jobs.WriteStateAsync();
        return new Dictionary<string, JobInfo>(jobs.State.Jobs);
    }

    /// <summary>Running jobs of nodes that membership has declared dead or leaving wait for another node.</summary>
    bool RequeueOrphans()
    {
        bool changed = false;
        foreach (var job in jobs.State.Jobs.Values.Where(j => j.State == "running" && j.Silo is not null && Membership.IsGone(membership, j.Silo)))
        {
            job.State = "pending";
            changed = true;
        }
        return changed;
    }
}
