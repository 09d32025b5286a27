namespace VideoAffect.Detection.Cascade;

/// <summary>
/// OpenCV's groupRectangles: candidates are joined into classes when they are similar (every edge
/// within eps times their mean smaller side), transitively; a class with more than
/// <c>minNeighbors</c> members becomes its members' average, unless it lies inside a larger class
/// that has clearly more members. Classes come out in the order of their first member.
/// </summary>
internal static class RectangleGrouping
{
    public const double DefaultEps = 0.2;

    public static List<FaceBox> Group(IReadOnlyList<FaceBox> candidates, int minNeighbors, double eps = DefaultEps)
    {
        if (minNeighbors <= 0 || candidates.Count == 0) return candidates.ToList();
        var labels = Partition(candidates, eps, out int classes);
        var sums = new (long X, long Y, long W, long H)[classes];
        var counts = new int[classes];
        for (int i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            ref var s = ref sums[labels[i]];
            s = (s.X + c.X, s.Y + c.Y, s.W + c.Width, s.H + c.Height);
            counts[labels[i]]++;
        }
        // Averages as OpenCV computes them: times a float reciprocal, rounded half to even.
        var averages = new FaceBox[classes];
        for (int k = 0; k < classes; k++)
        {
            float s = 1f / counts[k];
            averages[k] = new FaceBox(Round(sums[k].X * s), Round(sums[k].Y * s), Round(sums[k].W * s), Round(sums[k].H * s));
        }
        var result = new List<FaceBox>();
        for (int i = 0; i < classes; i++)
        {
            int n1 = counts[i];
            if (n1 <= minNeighbors) continue;
            var r1 = averages[i];
            bool inside = false;
            for (int j = 0; j < classes && !inside; j++)
            {
                int n2 = counts[j];
                if (j == i || n2 <= minNeighbors) continue;
                var r2 = averages[j];
                int dx = (int)Math.Round(r2.Width * eps), dy = (int)Math.Round(r2.Height * eps);
                inside = r1.X >= r2.X - dx && r1.Y >= r2.Y - dy && r1.Right <= r2.Right + dx && r1.Bottom <= r2.Bottom + dy
                    && (n2 > Math.Max(3, n1) || n1 < 3);
            }
            if (!inside) result.Add(r1);
        }
        return result;
    }

    static int Round(float value) => (int)MathF.Round(value);

    static bool Similar(FaceBox a, FaceBox b, double eps)
    {
        double delta = eps * (Math.Min(a.Width, b.Width) + Math.Min(a.Height, b.Height)) * 0.5;
        return Math.Abs(a.X - b.X) <= delta && Math.Abs(a.Y - b.Y) <= delta
            && Math.Abs(a.Right - b.Right) <= delta && Math.Abs(a.Bottom - b.Bottom) <= delta;
    }

    /// <summary>Equivalence classes of the similarity's transitive closure (union-find), numbered by first member.</summary>
    static int[] Partition(IReadOnlyList<FaceBox> boxes, double eps, out int classes)
    {
        var parent = Enumerable.Range(0, boxes.Count).ToArray();
        int Find(int i) { while (parent[i] != i) i = parent[i] = parent[parent[i]]; return i; }
        for (int i = 0; i < boxes.Count; i++)
            for (int j = i + 1; j < boxes.Count; j++)
                if (Similar(boxes[i], boxes[j], eps)) parent[Find(j)] = Find(i);
        var labels = new int[boxes.Count];
        var numbers = new Dictionary<int, int>();
        for (int i = 0; i < boxes.Count; i++)
        {
            int root = Find(i);
            if (!numbers.TryGetValue(root, out int label)) numbers[root] = label = numbers.Count;
            labels[i] = label;
        }
        classes = numbers.Count;
        return labels;
    }
}
