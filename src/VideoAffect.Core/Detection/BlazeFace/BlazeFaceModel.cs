using VideoAffect.Model;

namespace VideoAffect.Detection.BlazeFace;

/// <summary>
/// MediaPipe's BlazeFace "back" model as @vladmandic/human ships it: a TF.js graph taking one
/// 256x256 RGB image scaled to [-1, 1] (x / 127.5 - 1, as human feeds it) and giving, for 896
/// anchors (16x16 cells x 2 at stride 16, then 8x8 x 6 at stride 32), one score logit and 16
/// regressor values (box centre offset, box size, six keypoints). Its four outputs are found by
/// their shapes, so the graph's output names do not matter.
/// </summary>
internal static class BlazeFaceModel
{
    public const string JsonFile = "blazeface.json";

    /// <summary>The verified model from the cache, or the graph at <paramref name="jsonPath"/>.</summary>
    public static Network Load(string? jsonPath = null)
    {
        jsonPath ??= Path.Combine(ModelCache.Verified(ModelCache.BlazeFace), JsonFile);
        var network = TfjsGraphModelLoader.LoadGraph(jsonPath, shape => InputSpec.SignedUnit(shape, PixelOrder.Rgb).Checked(Path.GetFileName(jsonPath)));
        _ = BlazeFaceOutputs.Of(network); // refuses a graph without BlazeFace's outputs now, not on the first frame
        return network;
    }
}

/// <summary>Which network output holds the scores and which the regressors, for each anchor group in anchor order.</summary>
internal sealed record BlazeFaceOutputs(IReadOnlyList<(int Scores, int Regressors, int Anchors)> Groups, int AnchorCount)
{
    public const int Values = 16;

    public static BlazeFaceOutputs Of(Network network)
    {
        var byAnchors = Enumerable.Range(0, network.Outputs.Count)
            .Select(k => (Index: k, Shape: network.OutputShape(k)))
            .Where(o => o.Shape.Rank == 2)
            .GroupBy(o => o.Shape.Dims[0])
            .OrderByDescending(g => g.Key) // the finer grid (more anchors) comes first in MediaPipe's anchor order
            .Select(g => (Scores: g.FirstOrDefault(o => o.Shape.Dims[1] == 1).Index, Regressors: g.FirstOrDefault(o => o.Shape.Dims[1] == Values).Index,
                Anchors: g.Key, Complete: g.Count(o => o.Shape.Dims[1] == 1) == 1 && g.Count(o => o.Shape.Dims[1] == Values) == 1))
            .ToList();
        if (byAnchors.Count == 0 || byAnchors.Any(g => !g.Complete) || byAnchors.Count * 2 != network.Outputs.Count)
            throw new ModelFormatException($"{network.Source} does not have BlazeFace's outputs (per anchor group, scores [anchors, 1] and regressors [anchors, {Values}]); it has {string.Join(", ", Enumerable.Range(0, network.Outputs.Count).Select(network.OutputShape))}");
        return new BlazeFaceOutputs(byAnchors.Select(g => (g.Scores, g.Regressors, g.Anchors)).ToList(), byAnchors.Sum(g => g.Anchors));
    }
}
