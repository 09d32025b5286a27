using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using VideoAffect.Detection.Cascade;

namespace VideoAffect.Detection.Simd;

/// <summary>
/// Runs a cascade over the windows of one row of one level, with OpenCV's results exactly:
/// variance normalisation over the inner rectangle in double, feature values in float (int sums to
/// float, then weight times sum, added in OpenCV's order, then times the norm factor), stage sums
/// in double, and OpenCV's rule that a window failing the first stage makes it skip the next one.
/// <para>
/// Stump cascades (the frontal-face ones) go through vectors of 16 (AVX-512) or 8 (AVX2)
/// neighbouring windows: the first stage for every window of the row (neighbours' corners are
/// consecutive in a level's planes), then OpenCV's skip rule walked along the row, then the later
/// stages for the windows still in, a vector at a time, until its last window is out. Other
/// cascades (trees) take the same steps window by window.
/// </para>
/// </summary>
internal sealed class CascadeRows
{
    readonly HaarCascade _cascade;
    // Stumps, flattened for the vector path: the feature, its weights and the two leaves.
    readonly int[] _stumpFeature;
    readonly float[] _stumpThreshold, _stumpLeft, _stumpRight;
    readonly float[] _w0, _w1, _w2;
    // Per stage: where a float sum of its stumps decides as OpenCV's double sum does.
    readonly StageGuard[] _guards = [];

    readonly int _lanes;

    /// <param name="maxLanes">the widest vector to use (16, 8 or 4 windows; 1: window by window), for comparisons and tests; the machine may allow less</param>
    public CascadeRows(HaarCascade cascade, int maxLanes = 16)
    {
        _cascade = cascade;
        IsStumps = cascade.Trees.All(t => cascade.Nodes[t.FirstNode] is { Left: <= 0, Right: <= 0 });
        int trees = cascade.Trees.Length;
        _stumpFeature = new int[trees];
        _stumpThreshold = new float[trees];
        _stumpLeft = new float[trees];
        _stumpRight = new float[trees];
        if (IsStumps)
            for (int t = 0; t < trees; t++)
            {
                var tree = cascade.Trees[t];
                var node = cascade.Nodes[tree.FirstNode];
                _stumpFeature[t] = node.Feature;
                _stumpThreshold[t] = node.Threshold;
                _stumpLeft[t] = cascade.Leaves[tree.FirstLeaf - node.Left];
                _stumpRight[t] = cascade.Leaves[tree.FirstLeaf - node.Right];
            }
        _lanes = !IsStumps ? 1
            : maxLanes >= 16 && Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? 16
            : maxLanes >= 8 && Vector256.IsHardwareAccelerated ? 8
            : maxLanes >= 4 && Vector128.IsHardwareAccelerated ? 4
            : 1;
        _w0 = cascade.Features.Select(f => f.W0).ToArray();
        _w1 = cascade.Features.Select(f => f.W1).ToArray();
        _w2 = cascade.Features.Select(f => f.W2).ToArray();
        if (IsStumps)
            _guards = cascade.Stages.Select(st => StageGuard.ForStumps(st.Threshold,
                _stumpLeft.AsSpan(st.FirstTree, st.TreeCount), _stumpRight.AsSpan(st.FirstTree, st.TreeCount))).ToArray();
        if (IsStumps)
            StumpTemplate = Enumerable.Range(0, trees).Select(t => new StumpOp
            {
                Feature = _stumpFeature[t], W0 = _w0[_stumpFeature[t]], W1 = _w1[_stumpFeature[t]], W2 = _w2[_stumpFeature[t]],
                Threshold = _stumpThreshold[t], Left = _stumpLeft[t], Right = _stumpRight[t],
            }).ToArray();
    }

    /// <summary>The stumps without their level's corners, for <see cref="LevelCorners"/> to complete.</summary>
    public StumpOp[]? StumpTemplate { get; }

    /// <summary>Windows per vector on this machine: 16 with AVX-512, 8 with AVX2 (or another 256-bit unit), 4 with 128-bit units (SSE4, Arm NEON), 1 without or for cascades that are not stumps.</summary>
    public int Lanes => _lanes;

    /// <summary>Every tree is a single split: the vector path applies.</summary>
    public bool IsStumps { get; }

    /// <summary>Scratch for one row; one per thread.</summary>
    public sealed class RowScratch
    {
        public float[] Norm = [];
        /// <summary>Per window after the first stage: all ones if it passed (and is valid), else 0.</summary>
        public int[] Passed = [];
        /// <summary>Per window: all ones where OpenCV's walk reaches it and it passed the first stage.</summary>
        public int[] Candidate = [];
        /// <summary>Per window: all ones where the norm is valid (the window is not too flat).</summary>
        public int[] Valid = [];
        /// <summary>Windows tried and features evaluated for them (counted per window, as OpenCV works), summed over rows.</summary>
        public long Windows, Stumps;
        /// <summary>Vectors whose stage sum was too near the threshold to decide in float, summed again in double.</summary>
        public long Resummed;
    }

    /// <summary>Appends the x of every window of row <paramref name="y"/> that passes the whole cascade, left to right.</summary>
    public void Evaluate(LevelImages level, LevelCorners corners, int y, RowScratch scratch, List<int> hits)
    {
        int positions = (level.Level.Columns(_cascade.WindowWidth) + level.Step - 1) / level.Step;
        if (positions <= 0) return;
        switch (_lanes)
        {
            case 16: EvaluateVector<Lanes512, Vector512<int>, Vector512<float>, Vector512<double>>(level, corners, y, positions, scratch, hits); break;
            case 8: EvaluateVector<Lanes256, Vector256<int>, Vector256<float>, Vector256<double>>(level, corners, y, positions, scratch, hits); break;
            case 4: EvaluateVector<Lanes128, Vector128<int>, Vector128<float>, Vector128<double>>(level, corners, y, positions, scratch, hits); break;
            default: EvaluateScalar(level, corners, y, positions, scratch, hits); break;
        }
    }

    void EvaluateScalar(LevelImages level, LevelCorners corners, int y, int positions, RowScratch scratch, List<int> hits)
    {
        int rowBase = y * level.PlaneStride;
        for (int j = 0; j < positions; j++)
        {
            scratch.Windows++;
            int result = EvaluateWindow(level, corners, rowBase + j, 0, _cascade.Stages.Length, NormFactor(level, corners, rowBase + j), ref scratch.Stumps);
            if (result == 1) hits.Add(j * level.Step);
            else if (result == 0) j++; // OpenCV skips the next window after a first-stage rejection
        }
    }

    /// <summary>OpenCV's variance normalisation; NaN for a window too flat to judge (OpenCV's setWindow returning false).</summary>
    static float NormFactor(LevelImages level, LevelCorners corners, int b)
    {
        var n = corners.Norm;
        int sum = unchecked(level.Sums[b + n[0]] - level.Sums[b + n[1]] - level.Sums[b + n[2]] + level.Sums[b + n[3]]);
        uint squares = unchecked((uint)(level.Squares[b + n[0]] - level.Squares[b + n[1]] - level.Squares[b + n[2]] + level.Squares[b + n[3]]));
        double area = corners.NormArea;
        double nf = area * squares - (double)sum * sum;
        if (!(nf > 0)) return float.NaN;
        float factor = (float)(1.0 / Math.Sqrt(nf));
        return area * factor < 1e-1 ? factor : float.NaN;
    }

    /// <summary>1 when the window passes stages [from, to); -s when it fails stage s (0: the first); -1 when too flat.</summary>
    int EvaluateWindow(LevelImages level, LevelCorners corners, int b, int from, int to, float norm, ref long features)
    {
        if (float.IsNaN(norm)) return -1;
        var c = _cascade;
        for (int s = from; s < to; s++)
        {
            var stage = c.Stages[s];
            double total = 0.0;
            for (int t = stage.FirstTree; t < stage.FirstTree + stage.TreeCount; t++)
            {
                var tree = c.Trees[t];
                int node = 0;
                do
                {
                    var n = c.Nodes[tree.FirstNode + node];
                    features++;
                    float value = FeatureValue(level, corners, n.Feature, b) * norm;
                    node = value < n.Threshold ? n.Left : n.Right;
                }
                while (node > 0);
                total += c.Leaves[tree.FirstLeaf - node];
            }
            if (total < stage.Threshold) return -s;
        }
        return 1;
    }

    float FeatureValue(LevelImages level, LevelCorners corners, int feature, int b)
    {
        var k = corners.Features.AsSpan(feature * LevelCorners.PerFeature, LevelCorners.PerFeature);
        var s = level.Sums;
        int r0 = unchecked(s[b + k[0]] - s[b + k[1]] - s[b + k[2]] + s[b + k[3]]);
        int r1 = unchecked(s[b + k[4]] - s[b + k[5]] - s[b + k[6]] + s[b + k[7]]);
        float value = _w0[feature] * r0 + _w1[feature] * r1;
        if (_w2[feature] != 0f)
            value += _w2[feature] * unchecked(s[b + k[8]] - s[b + k[9]] - s[b + k[10]] + s[b + k[11]]);
        return value;
    }

    // Hot from the first frame: compiled optimised at once rather than after tier-0 warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void EvaluateVector<L, TI, TF, TD>(LevelImages level, LevelCorners corners, int y, int positions, RowScratch scratch, List<int> hits)
        where L : struct, ICascadeLanes<TI, TF, TD> where TI : struct where TF : struct where TD : struct
    {
        int lanes = L.Count;
        int rowBase = y * level.PlaneStride;
        int padded = (positions + lanes - 1) / lanes * lanes;
        if (scratch.Norm.Length < padded)
        {
            scratch.Norm = new float[padded];
            scratch.Passed = new int[padded];
            scratch.Candidate = new int[padded];
            scratch.Valid = new int[padded];
        }
        var stages = _cascade.Stages;
        ref int sums = ref level.Sums[0], squares = ref level.Squares[0];
        // 1. The first stage for every window of the row.
        for (int j = 0; j < positions; j += lanes)
        {
            var (norm, valid) = NormFactors<L, TI, TF, TD>(ref sums, ref squares, corners, rowBase + j);
            L.Store(norm, ref scratch.Norm[j]);
            L.Store(valid, ref scratch.Valid[j]);
            L.Store(L.And(Stage<L, TI, TF, TD>(corners, ref Unsafe.Add(ref sums, rowBase + j), norm, 0, scratch), valid), ref scratch.Passed[j]);
        }
        int firstStage = stages[0].TreeCount;
        // 2. OpenCV's walk along the row: a valid window that fails the first stage makes it skip the
        // next one (a flat window does not); the windows reached that passed go on.
        bool any = false;
        for (int j = 0; j < positions; j++)
        {
            int passed = scratch.Passed[j];
            scratch.Candidate[j] = passed;
            any |= passed != 0;
            scratch.Windows++;
            if (scratch.Valid[j] != 0) scratch.Stumps += firstStage;
            if (passed == 0 && scratch.Valid[j] != 0 && j + 1 < positions) scratch.Candidate[++j] = 0;
        }
        Array.Clear(scratch.Candidate, positions, padded - positions);
        if (!any) return;
        // 3. The later stages, a vector of neighbours at a time, while any of them is still in
        // (measured: a vector costs less than even two windows one by one). Most vectors soon have
        // one to three windows left, so each stage runs on the narrowest vector that holds them.
        for (int j = 0; j < positions; j += lanes)
        {
            ulong bits = L.Bits(L.Load(ref scratch.Candidate[j], 0));
            if (bits == 0) continue;
            ref int windowSums = ref Unsafe.Add(ref sums, rowBase + j);
            ref float norms = ref scratch.Norm[j];
            for (int s = 1; s < stages.Length && bits != 0; s++)
            {
                scratch.Stumps += (long)System.Numerics.BitOperations.PopCount(bits) * stages[s].TreeCount;
                bits = NarrowestStage<L, TI, TF, TD>(corners, ref windowSums, ref norms, s, bits, scratch);
            }
            for (; bits != 0; bits &= bits - 1)
                hits.Add((j + System.Numerics.BitOperations.TrailingZeroCount(bits)) * level.Step);
        }
    }

    /// <summary>
    /// Stage <paramref name="s"/> for the windows in <paramref name="alive"/> (bits of a vector of L.Count
    /// neighbours), on 4 or 8 of them when the live ones fit; returns the ones that pass. The lanes
    /// are the same IEEE operations at any width, so the results do not depend on the choice.
    /// </summary>
    // Hot from the first frame: compiled optimised at once rather than after tier-0 warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    ulong NarrowestStage<L, TI, TF, TD>(LevelCorners corners, ref int sums, ref float norms, int s, ulong alive, RowScratch scratch)
        where L : struct, ICascadeLanes<TI, TF, TD> where TI : struct where TF : struct where TD : struct
    {
        int first = System.Numerics.BitOperations.TrailingZeroCount(alive);
        int span = 64 - System.Numerics.BitOperations.LeadingZeroCount(alive) - first;
        if (L.Count > 4 && span <= 4)
        {
            // Start early enough that the 4 lanes stay inside this vector (and its scratch).
            int at = Math.Min(first, L.Count - 4);
            var passed = Stage<Lanes128, Vector128<int>, Vector128<float>, Vector128<double>>(corners, ref Unsafe.Add(ref sums, at), Lanes128.Load(ref Unsafe.Add(ref norms, at)), s, scratch);
            return alive & (Lanes128.Bits(passed) << at);
        }
        if (L.Count > 8 && span <= 8)
        {
            int at = Math.Min(first, L.Count - 8);
            var passed = Stage<Lanes256, Vector256<int>, Vector256<float>, Vector256<double>>(corners, ref Unsafe.Add(ref sums, at), Lanes256.Load(ref Unsafe.Add(ref norms, at)), s, scratch);
            return alive & (Lanes256.Bits(passed) << at);
        }
        return alive & L.Bits(Stage<L, TI, TF, TD>(corners, ref sums, L.Load(ref norms), s, scratch));
    }

    /// <summary>The variance normalisation of a vector of neighbouring windows, and which are valid (not too flat), as <see cref="NormFactor"/>.</summary>
    // Hot from the first frame: compiled optimised at once rather than after tier-0 warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static (TF Norm, TI Valid) NormFactors<L, TI, TF, TD>(ref int sums, ref int squares, LevelCorners corners, int b)
        where L : struct, ICascadeLanes<TI, TF, TD> where TI : struct where TF : struct where TD : struct
    {
        var n = corners.Norm;
        ref int s = ref Unsafe.Add(ref sums, b), q = ref Unsafe.Add(ref squares, b);
        var sum = L.RectSum(L.Load(ref s, (nuint)n[0]), L.Load(ref s, (nuint)n[1]), L.Load(ref s, (nuint)n[2]), L.Load(ref s, (nuint)n[3]));
        var sq = L.RectSum(L.Load(ref q, (nuint)n[0]), L.Load(ref q, (nuint)n[1]), L.Load(ref q, (nuint)n[2]), L.Load(ref q, (nuint)n[3]));
        var area = L.Broadcast((double)corners.NormArea);
        var (sumLow, sumHigh) = L.Widen(sum, unsigned: false);
        // The squared sum is unsigned in OpenCV.
        var (sqLow, sqHigh) = L.Widen(sq, unsigned: true);
        var (factor, valid) = L.Norm(L.NormValue(area, sqLow, sumLow), L.NormValue(area, sqHigh, sumHigh), area);
        return (factor, valid);
    }

    /// <summary>
    /// Stage <paramref name="s"/> for a vector of neighbouring windows: all-ones lanes where it passes.
    /// The leaves are summed in float (a quarter of the work of OpenCV's double sum in wide lanes);
    /// lanes whose float total is too near the threshold for that to be sure (<see cref="StageGuard"/>)
    /// are decided by summing again in double, as OpenCV does.
    /// </summary>
    // Hot from the first frame: compiled optimised at once rather than after tier-0 warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    TI Stage<L, TI, TF, TD>(LevelCorners corners, ref int sums, TF norm, int s, RowScratch scratch)
        where L : struct, ICascadeLanes<TI, TF, TD> where TI : struct where TF : struct where TD : struct
    {
        var stage = _cascade.Stages[s];
        ref StumpOp op = ref corners.Stumps![stage.FirstTree];
        var total = L.Broadcast(0f);
        for (int t = 0; t < stage.TreeCount; t++, op = ref Unsafe.Add(ref op, 1))
            total = L.Add(total, Leaf<L, TI, TF, TD>(ref op, ref sums, norm));
        var guard = _guards[s];
        var passed = L.NotLess(total, L.Broadcast(guard.PassFrom));
        var failed = L.Less(total, L.Broadcast(guard.FailBelow));
        if (L.Bits(L.Or(passed, failed)) == L.AllBits) return passed;
        var unsure = L.AndNot(L.AndNot(L.Broadcast(-1), passed), failed);
        scratch.Resummed++;
        return L.Or(passed, L.And(unsure, StageInDouble<L, TI, TF, TD>(corners, ref sums, norm, s)));
    }

    /// <summary>Stage <paramref name="s"/> exactly as OpenCV sums it: leaves added in double.</summary>
    TI StageInDouble<L, TI, TF, TD>(LevelCorners corners, ref int sums, TF norm, int s)
        where L : struct, ICascadeLanes<TI, TF, TD> where TI : struct where TF : struct where TD : struct
    {
        var stage = _cascade.Stages[s];
        ref StumpOp op = ref corners.Stumps![stage.FirstTree];
        var totalLow = L.Broadcast(0.0);
        var totalHigh = totalLow;
        for (int t = 0; t < stage.TreeCount; t++, op = ref Unsafe.Add(ref op, 1))
        {
            var (low, high) = L.Widen(Leaf<L, TI, TF, TD>(ref op, ref sums, norm));
            totalLow = L.Add(totalLow, low);
            totalHigh = L.Add(totalHigh, high);
        }
        return L.NotLess(totalLow, totalHigh, L.Broadcast((double)stage.Threshold));
    }

    /// <summary>The leaf one stump gives each window: OpenCV's feature value (float, its order and rounding) against the split.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TF Leaf<L, TI, TF, TD>(ref StumpOp op, ref int sums, TF norm)
        where L : struct, ICascadeLanes<TI, TF, TD> where TI : struct where TF : struct where TD : struct
    {
        var r0 = L.ToFloat(L.RectSum(L.Load(ref sums, (nuint)op.A0), L.Load(ref sums, (nuint)op.B0), L.Load(ref sums, (nuint)op.C0), L.Load(ref sums, (nuint)op.D0)));
        var r1 = L.ToFloat(L.RectSum(L.Load(ref sums, (nuint)op.A1), L.Load(ref sums, (nuint)op.B1), L.Load(ref sums, (nuint)op.C1), L.Load(ref sums, (nuint)op.D1)));
        // OpenCV's order and rounding: w0 * s0 + w1 * s1 (+ w2 * s2), then times the norm factor.
        var value = L.MultiplyAdd(L.Broadcast(op.W0), r0, L.Broadcast(op.W1), r1);
        if (op.W2 != 0f)
        {
            var r2 = L.ToFloat(L.RectSum(L.Load(ref sums, (nuint)op.A2), L.Load(ref sums, (nuint)op.B2), L.Load(ref sums, (nuint)op.C2), L.Load(ref sums, (nuint)op.D2)));
            value = L.Add(value, L.Multiply(L.Broadcast(op.W2), r2));
        }
        return L.SelectLess(L.Multiply(value, norm), L.Broadcast(op.Threshold), L.Broadcast(op.Left), L.Broadcast(op.Right));
    }
}
