namespace VideoAffect.Cluster;

/// <summary>The cameras the cluster watches, by name: one registry, kept in Redis.</summary>
public interface ICameraRegistryGrain : IGrainWithStringKey
{
    Task Add(string name, string source);
    Task<bool> Remove(string name);
    Task<Dictionary<string, string>> List();
}

/// <summary>
/// One camera: active on one node at a time, which watches it there. When that node dies, the next
/// call (a node's supervisor calls every camera every few seconds) activates it on a living node.
/// </summary>
public interface ICameraGrain : IGrainWithStringKey
{
    /// <summary>Watches the camera on the node this grain is active on; returns that node's name.</summary>
    Task<string> EnsureRunning(string source);
    /// <summary>Stops watching it and lets the grain go.</summary>
    Task Stop();
    /// <summary>The node it runs on, or null when it is not running.</summary>
    Task<string?> Node();
}

/// <summary>A recorded video to analyse, where its outputs go, and how far it got.</summary>
[GenerateSerializer]
public sealed class JobInfo
{
    [Id(0)] public string Input { get; set; } = "";
    [Id(1)] public string OutputDirectory { get; set; } = "";
    /// <summary>pending, running, done or failed.</summary>
    [Id(2)] public string State { get; set; } = "pending";
    [Id(3)] public string? Node { get; set; }
    [Id(4)] public int Attempts { get; set; }
    [Id(5)] public string? Error { get; set; }
    [Id(6)] public long Frames { get; set; }
}

/// <summary>Every submitted job and its state, kept in Redis.</summary>
public interface IJobRegistryGrain : IGrainWithStringKey
{
    Task<string> Submit(string input, string outputDirectory);
    Task Started(string id, string node);
    Task Finished(string id, bool done, string? error, long frames);
    /// <summary>A run that was stopped on purpose (its node leaving): the job waits for another node.</summary>
    Task Requeue(string id);
    Task<Dictionary<string, JobInfo>> List();
}

/// <summary>
/// One job, active on one node at a time, which runs `analyze` on it there. A job whose node dies
/// before it is done is started again elsewhere (at least once; its outputs appear only when a run
/// completes, under their final names, atomically).
/// </summary>
public interface IJobGrain : IGrainWithStringKey
{
    Task EnsureRunning(string input, string outputDirectory);
}
