using System.Diagnostics.Metrics;
using VideoAffect.Live;

namespace VideoAffect.Cluster;

/// <summary>
/// The placement as this node last saw it, beside the monitor's instruments on its /metrics (same
/// meter name): which node watches each camera, the living nodes, and the cameras waiting for room.
/// </summary>
public sealed class ClusterMetrics : IDisposable
{
    readonly Meter _meter = new(LiveMetrics.MeterName);
    volatile ClusterView _view = new();

    public ClusterMetrics()
    {
        _meter.CreateObservableGauge("videoaffect_cluster_placement", () => _view.Nodes
            .SelectMany(n => n.Cameras.Where(_view.Sources.ContainsKey).Select(c => new Measurement<int>(1, new("camera", c), new("node", n.Name)))),
            description: "1 for each camera and the node watching it");
        _meter.CreateObservableGauge("videoaffect_cluster_nodes", () => _view.Nodes.Count, description: "living nodes in the cluster");
        _meter.CreateObservableGauge("videoaffect_cluster_cameras_waiting", () =>
        {
            var view = _view;
            return view.Sources.Keys.Count(c => !view.Nodes.Any(n => n.Cameras.Contains(c)));
        }, description: "registered cameras no node watches (new, moving, or no room under --max-streams)");
    }

    public void Update(ClusterView view) => _view = view;

    public void Dispose() => _meter.Dispose();
}
