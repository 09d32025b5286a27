using VideoAffect.Engine.Cpu;

namespace VideoAffect.Engine;

/// <summary>
/// Which layers the managed path runs as one step. A depthwise convolution whose output only the
/// next layer reads, a pointwise convolution, runs inside that layer's step
/// (<see cref="DepthwisePointwise"/>), so its activation is never written out: the backend keeps
/// no buffer for it, and <c>ReadActivation</c> has nothing for that layer.
/// </summary>
internal static class ManagedFusion
{
    /// <summary>For each layer index that runs a fused pair, the pair; the depthwise layer's own step is then skipped.</summary>
    public static Dictionary<int, DepthwisePointwise> DepthwiseIntoPointwise(Network network, ManagedPlan plan)
    {
        var layers = network.Layers;
        var readers = new int[layers.Count];
        foreach (var layer in layers)
            foreach (int input in layer.Inputs) readers[input]++;
        foreach (var output in network.Outputs) readers[output.Layer]++;
        var pairs = new Dictionary<int, DepthwisePointwise>();
        for (int i = 1; i + 1 < layers.Count; i++)
        {
            if (layers[i] is not DepthwiseConv2DLayer depthwise || layers[i + 1] is not Conv2DLayer pointwise) continue;
            if (readers[i] != 1 || pointwise.Inputs[0] != i || pointwise.Residual == i) continue;
            if (DepthwisePointwise.TryCreate(depthwise, pointwise, plan) is { } pair) pairs[i + 1] = pair;
        }
        return pairs;
    }
}
