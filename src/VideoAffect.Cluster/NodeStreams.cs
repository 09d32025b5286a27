using VideoAffect.Live;

namespace VideoAffect.Cluster;

/// <summary>
/// The cameras this node watches: its one monitor (every camera shares its classifier), which
/// camera grains active here add their camera to and remove it from.
/// </summary>
public sealed class NodeStreams(LiveMonitor monitor, string name, int maxStreams, Action<string> log)
{
    public string Name => name;
    public int MaxStreams => maxStreams;
    public int Count => monitor.Streams.Count;
    public bool Watches(string camera) => monitor.Streams.Any(s => s.Name == camera);
    /// <summary>The cameras watched here, the latest added last.</summary>
    public IReadOnlyList<string> Cameras => monitor.Streams.Select(s => s.Name).ToList();

    public void Start(string camera, string source)
    {
        if (Watches(camera)) return;
        if (Count >= maxStreams) throw new InvalidOperationException($"node {name} already watches {Count} cameras (--max-streams {maxStreams})");
        monitor.AddStream(LiveSourceSpec.Parse($"{camera}={source}", 0));
    }

    public Task StopAsync(string camera) => monitor.RemoveStreamAsync(camera);

    /// <summary>For the node's log: why Orleans let a camera's grain go here (a hand-over, a stop, the directory after a node's death).</summary>
    public void Log(string message) => log(message);
}
