using VideoAffect.Detection.Cascade;
using VideoAffect.Kernels.Haar;

namespace VideoAffect.Detection.Simd;

/// <summary>
/// Where a cascade's rectangle corners are in one level's planes (<see cref="LevelImages"/>),
/// relative to a window's base index y * PlaneStride + x / Step: four corners per rectangle, three
/// rectangles per feature (an unused third has weight 0), and the four corners of the variance
/// normalisation's inner rectangle. Computed once per level size, not per window.
/// </summary>
internal sealed class LevelCorners
{
    /// <summary>Ints per feature: 3 rectangles x 4 corners (a - b - c + d).</summary>
    public const int PerFeature = 12;

    public LevelCorners(HaarCascade cascade, LevelImages level, StumpOp[]? stumpsTemplate = null)
    {
        Features = new int[cascade.Features.Length * PerFeature];
        for (int f = 0; f < cascade.Features.Length; f++)
        {
            var feature = cascade.Features[f];
            Span<HaarRect> rects = [feature.R0, feature.R1, feature.R2];
            for (int r = 0; r < 3; r++)
            {
                var q = rects[r];
                var corners = feature.Tilted == 0
                    ? ((q.X, q.Y), (q.X + q.Width, q.Y), (q.X, q.Y + q.Height), (q.X + q.Width, q.Y + q.Height))
                    // 45 degrees (OpenCV's CV_TILTED_OFS): top, left, right and bottom corners.
                    : ((q.X, q.Y), (q.X - q.Height, q.Y + q.Height), (q.X + q.Width, q.Y + q.Width), (q.X + q.Width - q.Height, q.Y + q.Width + q.Height));
                int tiltedPlanes = feature.Tilted == 0 ? 0 : level.Step * level.PlaneSize;
                int at = f * PerFeature + 4 * r;
                Features[at] = tiltedPlanes + Offset(level, corners.Item1.Item1, corners.Item1.Item2);
                Features[at + 1] = tiltedPlanes + Offset(level, corners.Item2.Item1, corners.Item2.Item2);
                Features[at + 2] = tiltedPlanes + Offset(level, corners.Item3.Item1, corners.Item3.Item2);
                Features[at + 3] = tiltedPlanes + Offset(level, corners.Item4.Item1, corners.Item4.Item2);
            }
        }
        // OpenCV normalises by the window shrunk by one pixel on each side.
        int w = cascade.WindowWidth - 2, h = cascade.WindowHeight - 2;
        Norm = [Offset(level, 1, 1), Offset(level, 1 + w, 1), Offset(level, 1, 1 + h), Offset(level, 1 + w, 1 + h)];
        NormArea = w * h;
        if (stumpsTemplate is not null)
        {
            // One record per stump with its feature's corners for this level: the hot loop reads one struct.
            Stumps = new StumpOp[stumpsTemplate.Length];
            for (int t = 0; t < Stumps.Length; t++)
            {
                var op = stumpsTemplate[t];
                var k = Features.AsSpan(op.Feature * PerFeature, PerFeature);
                op.A0 = k[0]; op.B0 = k[1]; op.C0 = k[2]; op.D0 = k[3];
                op.A1 = k[4]; op.B1 = k[5]; op.C1 = k[6]; op.D1 = k[7];
                op.A2 = k[8]; op.B2 = k[9]; op.C2 = k[10]; op.D2 = k[11];
                Stumps[t] = op;
            }
        }
    }

    /// <summary>For stump cascades: every stump with its corners on this level, in cascade order.</summary>
    public StumpOp[]? Stumps { get; }

    public int[] Features { get; }
    public int[] Norm { get; }
    public int NormArea { get; }

    /// <summary>Corner (dx, dy) of a window: plane dx % Step, dy rows down, dx / Step along.</summary>
    static int Offset(LevelImages level, int dx, int dy)
    {
        if (dx < 0) throw new CascadeFormatException($"a feature reaches left of its window ({dx})");
        return dx % level.Step * level.PlaneSize + dy * level.PlaneStride + dx / level.Step;
    }
}

/// <summary>
/// One stump of a cascade with everything its evaluation reads: the corners of its feature's
/// rectangles on a level (a - b - c + d each), the weights (W2 = 0: two rectangles), the split
/// threshold and the two leaf values.
/// </summary>
internal struct StumpOp
{
    public int A0, B0, C0, D0, A1, B1, C1, D1, A2, B2, C2, D2;
    public float W0, W1, W2, Threshold, Left, Right;
    public int Feature;
}
