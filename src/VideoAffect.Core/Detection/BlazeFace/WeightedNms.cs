namespace VideoAffect.Detection.BlazeFace;

/// <summary>A candidate in input pixels: box corners, score and keypoints (x, y pairs).</summary>
internal sealed record Candidate(float Score, float XMin, float YMin, float XMax, float YMax, float[] Keypoints)
{
    public float Area => Math.Max(0f, XMax - XMin) * Math.Max(0f, YMax - YMin);

    public float IntersectionOverUnion(Candidate other)
    {
        float w = Math.Min(XMax, other.XMax) - Math.Max(XMin, other.XMin);
        float h = Math.Min(YMax, other.YMax) - Math.Max(YMin, other.YMin);
        if (w <= 0f || h <= 0f) return 0f;
        float intersection = w * h;
        return intersection / (Area + other.Area - intersection);
    }
}

/// <summary>
/// MediaPipe's weighted non-maximum suppression (NonMaxSuppressionCalculator, algorithm WEIGHTED):
/// take the best remaining candidate and every remaining one overlapping it by more than the IoU
/// threshold; the face is their score-weighted mean box and keypoints, with the best one's score.
/// Neighbouring anchors that fire on one face so become one steadier box rather than the single
/// noisiest one.
/// </summary>
internal static class WeightedNms
{
    public static List<Candidate> Merge(List<Candidate> candidates, float iouThreshold)
    {
        var remaining = candidates.OrderByDescending(c => c.Score).ToList();
        var faces = new List<Candidate>();
        while (remaining.Count > 0)
        {
            var best = remaining[0];
            var cluster = remaining.Where(c => best.IntersectionOverUnion(c) > iouThreshold || ReferenceEquals(c, best)).ToList();
            remaining.RemoveAll(cluster.Contains);
            float total = cluster.Sum(c => c.Score);
            float Mean(Func<Candidate, float> value) => cluster.Sum(c => value(c) * c.Score) / total;
            var keypoints = new float[best.Keypoints.Length];
            for (int k = 0; k < keypoints.Length; k++) keypoints[k] = Mean(c => c.Keypoints[k]);
            faces.Add(new Candidate(best.Score, Mean(c => c.XMin), Mean(c => c.YMin), Mean(c => c.XMax), Mean(c => c.YMax), keypoints));
        }
        return faces;
    }
}
