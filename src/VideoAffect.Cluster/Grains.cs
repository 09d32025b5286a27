namespace VideoAffect.Cluster;

/// <summary>What one node tells the camera registry every round: who it is and what it watches.</summary>
[GenerateSerializer]
public sealed class NodeReport
{
    [Id(0)] public string Name { get; set; } = "";
    /// <summary>The silo's address with its generation: a node restarted under the same name is another member.</summary>
    [Id(1)] public string Silo { get; set; } = "";
    [Id(2)] public int MaxStreams { get; set; }
    [Id(3)] public List<string> Cameras { get; set; } = [];
}

/// <summary>
/// The cluster as the registry sees it: every registered camera, and every living node (Orleans
/// membership says which are living) with the cameras it last reported. A node that has not
/// reported yet has none.
/// </summary>
[GenerateSerializer]
public sealed class ClusterView
{
    [Id(0)] public Dictionary<string, string> Sources { get; set; } = new();
    [Id(1)] public List<NodeReport> Nodes { get; set; } = [];
}

/// <summary>The cameras the cluster watches, by name (kept in Redis), and where each runs.</summary>
public interface ICameraRegistryGrain : IGrainWithStringKey
{
    Task Add(string name, string source);
    Task<bool> Remove(string name);
    /// <summary>A node's report; answers with the whole cluster, from which the node decides what to start or hand over.</summary>
    Task<ClusterView> Report(NodeReport node);
    Task<ClusterView> View();
}

/// <summary>
/// One camera: active on one node at a time (Orleans' single activation), which watches it there.
/// It is activated on the node that calls it first (that node's supervisor, which calls only the
/// cameras it should take) and stays until it is stopped or its node dies.
/// </summary>
public interface ICameraGrain : IGrainWithStringKey
{
    /// <summary>Watches the camera on the node this grain is active on; returns that node's name.</summary>
    Task<string> EnsureRunning(string source);
    /// <summary>Stops watching it and lets the grain go.</summary>
    Task Stop();
}

/// <summary>A recorded video to analyse, where its outputs go, and how far it got.</summary>
[GenerateSerializer]
public sealed class JobInfo
{
    [Id(0)] public string Input { get; set; } = "";
    [Id(1)] public string OutputDirectory { get; set; } = "";
    /// <summary>pending, running, done or failed.</summary>
    [Id(2)] public string State { get; set; } = "pending";
    /// <summary>The node that runs it or ran it last.</summary>
    [Id(3)] public string? Node { get; set; }
    [Id(4)] public int Attempts { get; set; }
    [Id(5)] public string? Error { get; set; }
    [Id(6)] public long Frames { get; set; }
    /// <summary>The silo (address and generation) running it: when membership declares that silo dead, the job is pending again.</summary>
    [Id(7)] public string? Silo { get; set; }
    /// <summary>The submitting client's token for this video: a submission retried after a lost answer is not a second job.</summary>
    [Id(8)] public string? Token { get; set; }
    /// <summary>How this video is analysed beyond the node's recognition options; null (a job submitted before 0.18): as `analyze VIDEO -o FOLDER/`.</summary>
    [Id(9)] public JobOptions? Options { get; set; }
}

/// <summary>
/// What `cluster submit` asks of each of its videos' runs, as `analyze` takes it: a part of each
/// video, wall-clock times, CSV records, an HTML report beside the outputs, no annotated video or another container for it.
/// How faces are found and classified is the node's (its recognition options, as its cameras').
/// </summary>
[GenerateSerializer]
public sealed record JobOptions
{
    /// <summary>Analyse from this far into the video, in seconds (`--start`); null: from its start.</summary>
    [Id(0)] public double? Start { get; init; }
    /// <summary>Up to this far, in seconds (`--end`); null: to its end.</summary>
    [Id(1)] public double? End { get; init; }
    /// <summary>`--recorded-at`: "file" or an ISO 8601 time; null: records without wall-clock times.</summary>
    [Id(2)] public string? RecordedAt { get; init; }
    /// <summary>Records as CSV (NAME.annotated.csv) rather than JSON lines.</summary>
    [Id(3)] public bool Csv { get; init; }
    /// <summary>An HTML report beside the outputs (NAME.annotated.html).</summary>
    [Id(4)] public bool Report { get; init; }
    /// <summary>No annotated video: records, summary (and report) only.</summary>
    [Id(5)] public bool NoVideo { get; init; }
    /// <summary>Each track's face with its description, in the folder NAME.annotated.faces beside the outputs (`--faces`).</summary>
    [Id(6)] public bool Faces { get; init; }
    /// <summary>The annotated video's container (`--video-format`: "mov", "mkv" or "webm"); null: MP4. A node before 0.29 writes MP4.</summary>
    [Id(7)] public string? VideoFormat { get; init; }
    /// <summary>The annotated video's constant rate factor (`--crf`); null: the encoder's default. A node before 0.33 ignores it.</summary>
    [Id(8)] public int? Crf { get; init; }
}

/// <summary>A job handed to a node.</summary>
[GenerateSerializer]
public sealed record JobClaim([property: Id(0)] string Id, [property: Id(1)] string Input, [property: Id(2)] string OutputDirectory, [property: Id(3)] int Attempt,
    [property: Id(4)] JobOptions? Options = null);

/// <summary>
/// Every submitted job and its state, kept in Redis. Nodes with a free slot claim the oldest pending
/// job; a job whose node Orleans' membership declares dead is pending again, so it runs at least once
/// to completion. Its outputs appear only when a run completes, under their final names, atomically.
/// </summary>
public interface IJobRegistryGrain : IGrainWithStringKey
{
    /// <summary>A new job, or the one already submitted with the same token.</summary>
    Task<string> Submit(string token, string input, string outputDirectory, JobOptions? options);
    /// <summary>
    /// The oldest pending job, now running on that node; null when none is pending. The node says
    /// which jobs it runs: one recorded as running there but not among them was handed over in a
    /// claim whose answer was lost (the registry's node died on the way), and is pending again.
    /// </summary>
    Task<JobClaim?> Claim(string node, string silo, List<string> running);
    /// <summary>A run's end. The first run to complete makes the job done; a later duplicate changes nothing.</summary>
    Task Finished(string id, string silo, bool done, string? error, long frames);
    /// <summary>A run that was stopped on purpose (its node leaving): the job waits for another node.</summary>
    Task Requeue(string id, string silo);
    Task<Dictionary<string, JobInfo>> List();
}
