using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Haar;

/// <summary>A cascade's arrays on the device, and its window size.</summary>
internal struct HaarCascadeViews
{
    public ArrayView<HaarStage> Stages;
    public ArrayView<HaarTree> Trees;
    public ArrayView<HaarNode> Nodes;
    public ArrayView<float> Leaves;
    public ArrayView<HaarFeature> Features;
    public int WindowWidth;
    public int WindowHeight;
}

/// <summary>Every level's integral images in the atlas.</summary>
internal struct HaarIntegrals
{
    public ArrayView<int> Sum;
    public ArrayView<int> Squares;
    /// <summary>The rotated integral images, for cascades with tilted features (any view otherwise).</summary>
    public ArrayView<int> Tilted;
}

/// <summary>One pyramid level as a cascade thread sees it: where its integrals start, and the window positions to try on it.</summary>
internal struct HaarLevel
{
    /// <summary>The level's first element in each of the atlas's integrals.</summary>
    public int Offset;
    /// <summary>Integral row length: the level's width + 1.</summary>
    public int Stride;
    /// <summary>Positions x &lt; Columns and y &lt; Rows, multiples of Step, are tried (OpenCV's working size).</summary>
    public int Columns;
    public int Rows;
    public int Step;
    /// <summary>Written into each hit so that one buffer collects the hits of every level.</summary>
    public int Index;
}

/// <summary>
/// Evaluates a Haar cascade at every window position of every pyramid level, exactly as OpenCV's
/// CascadeClassifier does on the CPU: variance normalisation over the window's inner rectangle,
/// features in float, stage sums in double, early rejection. OpenCV also skips the next position
/// whenever one fails the first stage; its hits are only those reached that way, so a passing
/// thread looks back along its row: after a run of m consecutive first-stage failures OpenCV tried
/// the 1st, 3rd, 5th... of them and skipped the others, and it reached this position only if m is even.
/// The cascade runs in rounds split at the stage counts of a schedule (<c>packAfter</c>): the first
/// round runs its stages at every position (one thread each) and lists the few that pass; each
/// later round runs its stages on the previous round's list alone, packed into full warps, and
/// lists its own survivors; the last round finishes the cascade and records the hits. (In one
/// launch, a warp ran as long as its deepest window, while most of its threads had stopped at the
/// second stage: the cascade took 5.2 ms of a 1080p frame on the H200, 2026-12-04; later stages
/// are larger, up to 211 trees in the default cascade, so one warp with one window still going
/// there costs as much as a full one.) Each round reads its list's length on the device, so the
/// host does not wait between them. Hits are appended as (level, x, y) triples through an atomic
/// counter; the host learns from the counter whether the buffer was large enough.
/// </summary>
internal sealed class HaarCascadeKernel
{
    /// <summary>Most rounds a schedule may have (the counters' room).</summary>
    public const int MaxRounds = 16;

    readonly Action<AcceleratorStream, Index1D, HaarCascadeViews, ArrayView<AtlasLevel>, HaarIntegrals, HaarRound> _pack;
    readonly Action<AcceleratorStream, Index1D, HaarCascadeViews, ArrayView<AtlasLevel>, HaarIntegrals, HaarRound, ArrayView<int>, ArrayView<int>> _finish;

    public HaarCascadeKernel(Accelerator accelerator)
    {
        _pack = accelerator.LoadAutoGroupedKernel<Index1D, HaarCascadeViews, ArrayView<AtlasLevel>, HaarIntegrals, HaarRound>(Pack);
        _finish = accelerator.LoadAutoGroupedKernel<Index1D, HaarCascadeViews, ArrayView<AtlasLevel>, HaarIntegrals, HaarRound, ArrayView<int>, ArrayView<int>>(Finish);
    }

    /// <summary>
    /// The rounds' boundaries for a cascade of <paramref name="stageCount"/> stages: the stage counts
    /// after which survivors are packed, sorted, without repeats, each at least 1; a count at or past
    /// the cascade's end leaves the last round only the look-back. Empty: one round, the whole cascade at every position.
    /// </summary>
    public static int[] Schedule(IEnumerable<int> packAfter, int stageCount)
    {
        var boundaries = packAfter.Select(s => s < 1 ? throw new ArgumentOutOfRangeException(nameof(packAfter), "stage counts start at 1")
            : Math.Min(s, stageCount)).Distinct().Order().ToArray();
        return boundaries.Length < MaxRounds ? boundaries : throw new ArgumentOutOfRangeException(nameof(packAfter), $"at most {MaxRounds - 1} packing points");
    }

    /// <param name="packAfter">the stage counts after which survivors are packed (<see cref="Schedule"/>'s form)</param>
    /// <param name="lists">two lists with room for a position per window (<paramref name="atlas"/>.Windows); the rounds alternate between them (with one packing point or none, only the first is used)</param>
    /// <param name="counts">room for <see cref="MaxRounds"/> counters: each round's list length (zeroed here)</param>
    /// <param name="hits">Room for hits.Length / 3 hits.</param>
    /// <param name="hitCount">One counter, zeroed by the caller.</param>
    public void Launch(AcceleratorStream stream, in HaarCascadeViews cascade, PyramidAtlas atlas, ArrayView<AtlasLevel> levels,
        in HaarIntegrals integrals, IReadOnlyList<int> packAfter, (ArrayView<int> A, ArrayView<int> B) lists, ArrayView<int> counts,
        ArrayView<int> hits, ArrayView<int> hitCount)
    {
        if (atlas.Windows == 0) return;
        counts.MemSetToZero(stream);
        // Every round but the first is launched for every window too: the list's length is only on the
        // device, and threads past it return at once.
        // Every view is a real buffer's, also where a round does not use it: a default view has no
        // device address to hand a GPU.
        var round = new HaarRound { First = 0, Listed = 0, Input = lists.B, InputCount = counts.SubView(0, 1), Output = lists.A, OutputCount = counts.SubView(0, 1) };
        for (int r = 0; r < packAfter.Count; r++)
        {
            round.End = packAfter[r];
            round.Output = r % 2 == 0 ? lists.A : lists.B;
            round.OutputCount = counts.SubView(r, 1);
            _pack(stream, atlas.Windows, cascade, levels, integrals, round);
            round = round with { First = round.End, Listed = 1, Input = round.Output, InputCount = round.OutputCount };
        }
        round.End = (int)cascade.Stages.Length;
        _finish(stream, atlas.Windows, cascade, levels, integrals, round, hits, hitCount);
    }

    /// <summary>A round: stages First to End - 1 on every position, or on a list of them; where a packing round lists its survivors.</summary>
    internal struct HaarRound
    {
        public int First;
        public int End;
        /// <summary>1: the positions are <see cref="Input"/>'s first InputCount[0]; 0: every window, by thread index.</summary>
        public int Listed;
        public ArrayView<int> Input;
        public ArrayView<int> InputCount;
        public ArrayView<int> Output;
        public ArrayView<int> OutputCount;
    }

    /// <summary>This thread's window in <paramref name="round"/>, or -1 when the thread is past its list.</summary>
    static int WindowOf(Index1D index, HaarRound round) =>
        round.Listed == 0 ? index : index < round.InputCount[0] ? round.Input[index] : -1;

    static void Pack(Index1D index, HaarCascadeViews cascade, ArrayView<AtlasLevel> levels, HaarIntegrals integrals, HaarRound round)
    {
        int window = WindowOf(index, round);
        if (window < 0) return;
        var (level, x, y) = Position(levels, window);
        if (Evaluate(cascade, integrals, level, x, y, round.First, round.End) == 1)
            round.Output[Atomic.Add(ref round.OutputCount[0], 1)] = window;
    }

    static void Finish(Index1D index, HaarCascadeViews cascade, ArrayView<AtlasLevel> levels, HaarIntegrals integrals, HaarRound round,
        ArrayView<int> hits, ArrayView<int> hitCount)
    {
        int window = WindowOf(index, round);
        if (window < 0) return;
        var (level, x, y) = Position(levels, window);
        if (Evaluate(cascade, integrals, level, x, y, round.First, round.End) != 1) return;
        int failures = 0;
        for (int previous = x - level.Step; previous >= 0; previous -= level.Step)
        {
            if (Evaluate(cascade, integrals, level, previous, y, 0, 1) != 0) break;
            failures++;
        }
        if ((failures & 1) != 0) return; // OpenCV stepped over this position
        int slot = Atomic.Add(ref hitCount[0], 1);
        if (3 * slot + 2 < hits.Length)
        {
            hits[3 * slot] = level.Index;
            hits[3 * slot + 1] = x;
            hits[3 * slot + 2] = y;
        }
    }

    /// <summary>Window <paramref name="window"/> of the atlas: its level and its position there.</summary>
    static (HaarLevel Level, int X, int Y) Position(ArrayView<AtlasLevel> levels, int window)
    {
        int levelIndex = PyramidAtlas.LevelOf(levels, window, AtlasPass.Windows);
        var atlasLevel = levels[levelIndex];
        var level = new HaarLevel
        {
            Offset = atlasLevel.Integral, Stride = atlasLevel.Width + 1,
            Columns = atlasLevel.Columns, Rows = atlasLevel.Rows, Step = atlasLevel.Step, Index = levelIndex,
        };
        int onLevel = window - atlasLevel.Windows;
        int columns = (level.Columns + level.Step - 1) / level.Step;
        return (level, onLevel % columns * level.Step, onLevel / columns * level.Step);
    }

    /// <summary>
    /// OpenCV's result for the window at (x, y) over stages <paramref name="first"/> to <paramref name="end"/> - 1:
    /// 1 passed them all, -s failed stage s (0 for the first), -1 also for a window too flat to judge.
    /// </summary>
    static int Evaluate(HaarCascadeViews cascade, HaarIntegrals integrals, HaarLevel level, int x, int y, int first, int end)
    {
        // Variance normalisation over the window shrunk by one pixel on each side.
        int nx = x + 1, ny = y + 1, nw = cascade.WindowWidth - 2, nh = cascade.WindowHeight - 2;
        int sum = RectSum(integrals.Sum, level, nx, ny, nw, nh);
        uint squares = (uint)RectSum(integrals.Squares, level, nx, ny, nw, nh);
        double area = nw * nh;
        double nf = area * squares - (double)sum * sum;
        if (nf <= 0.0) return -1;
        float normFactor = (float)(1.0 / XMath.Sqrt(nf));
        if (!(area * normFactor < 1e-1)) return -1;

        for (int s = first; s < end; s++)
        {
            var stage = cascade.Stages[s];
            double total = 0.0;
            for (int t = stage.FirstTree; t < stage.FirstTree + stage.TreeCount; t++)
            {
                var tree = cascade.Trees[t];
                int node = 0;
                do
                {
                    var n = cascade.Nodes[tree.FirstNode + node];
                    float value = FeatureValue(cascade.Features[n.Feature], integrals, level, x, y) * normFactor;
                    node = value < n.Threshold ? n.Left : n.Right;
                }
                while (node > 0);
                total += cascade.Leaves[tree.FirstLeaf - node];
            }
            if (total < stage.Threshold) return -s;
        }
        return 1;
    }

    static float FeatureValue(HaarFeature f, HaarIntegrals integrals, HaarLevel level, int x, int y)
    {
        // float arithmetic in OpenCV's order: w0*s0 + w1*s1, then + w2*s2 when there is a third rectangle.
        float value = f.W0 * Sum(f.R0, f.Tilted, integrals, level, x, y) + f.W1 * Sum(f.R1, f.Tilted, integrals, level, x, y);
        if (f.W2 != 0f)
            value += f.W2 * Sum(f.R2, f.Tilted, integrals, level, x, y);
        return value;
    }

    static int Sum(HaarRect r, int tilted, HaarIntegrals integrals, HaarLevel level, int x, int y) =>
        tilted == 0
            ? RectSum(integrals.Sum, level, x + r.X, y + r.Y, r.Width, r.Height)
            : TiltedRectSum(integrals.Tilted, level, x + r.X, y + r.Y, r.Width, r.Height);

    /// <summary>
    /// Sum over a 45-degree rectangle from the rotated integral image: its top, right, left and
    /// bottom corners, as OpenCV's CV_TILTED_OFS.
    /// </summary>
    static int TiltedRectSum(ArrayView<int> tilted, HaarLevel level, int x, int y, int width, int height)
    {
        int o = level.Offset, stride = level.Stride;
        return unchecked(tilted[o + y * stride + x]
            - tilted[o + (y + height) * stride + x - height]
            - tilted[o + (y + width) * stride + x + width]
            + tilted[o + (y + width + height) * stride + x + width - height]);
    }

    /// <summary>Sum over a rectangle from an integral image, in wrapping 32-bit arithmetic as OpenCV's CALC_SUM.</summary>
    static int RectSum(ArrayView<int> integral, HaarLevel level, int x, int y, int width, int height)
    {
        int top = level.Offset + y * level.Stride + x, bottom = top + height * level.Stride;
        return unchecked(integral[top] - integral[top + width] - integral[bottom] + integral[bottom + width]);
    }
}
