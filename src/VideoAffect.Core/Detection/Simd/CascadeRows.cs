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
/// Stump cascades (the frontal-face ones) go through vectors of 8 neighbouring windows: the first
/// stage for every window of the row (neighbours' corners are consecutive in a level's planes),
/// then OpenCV's skip rule walked along the row, then the later stages for the windows still in,
/// 8 at a time, until a block's last window is out. Other cascades (trees, tilted features) take
/// the same steps window by window.
/// </para>
/// </summary>
public sealed class CascadeRows
{
    readonly HaarCascade _cascade;
    // Stumps, flattened for the vector path: the feature, its weights and the two leaves.
    readonly int[] _stumpFeature;
    readonly float[] _stumpThreshold, _stumpLeft, _stumpRight;
    readonly float[] _w0, _w1, _w2;

    public CascadeRows(HaarCascade cascade)
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
        _w0 = cascade.Features.Select(f => f.W0).ToArray();
        _w1 = cascade.Features.Select(f => f.W1).ToArray();
        _w2 = cascade.Features.Select(f => f.W2).ToArray();
        if (IsStumps)
            StumpTemplate = Enumerable.Range(0, trees).Select(t => new StumpOp
            {
                Feature = _stumpFeature[t], W0 = _w0[_stumpFeature[t]], W1 = _w1[_stumpFeature[t]], W2 = _w2[_stumpFeature[t]],
                Threshold = _stumpThreshold[t], Left = _stumpLeft[t], Right = _stumpRight[t],
            }).ToArray();
    }

    /// <summary>The stumps without their level's corners, for <see cref="LevelCorners"/> to complete.</summary>
    public StumpOp[]? StumpTemplate { get; }

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
    }

    /// <summary>Appends the x of every window of row <paramref name="y"/> that passes the whole cascade, left to right.</summary>
    public void Evaluate(LevelImages level, LevelCorners corners, int y, RowScratch scratch, List<int> hits)
    {
        int positions = (level.Level.Columns(_cascade.WindowWidth) + level.Step - 1) / level.Step;
        if (positions <= 0) return;
        if (IsStumps && Vector256.IsHardwareAccelerated) EvaluateVector(level, corners, y, positions, scratch, hits);
        else EvaluateScalar(level, corners, y, positions, scratch, hits);
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

    void EvaluateVector(LevelImages level, LevelCorners corners, int y, int positions, RowScratch scratch, List<int> hits)
    {
        int rowBase = y * level.PlaneStride;
        int padded = (positions + 7) & ~7;
        if (scratch.Norm.Length < padded)
        {
            scratch.Norm = new float[padded];
            scratch.Passed = new int[padded];
            scratch.Candidate = new int[padded];
            scratch.Valid = new int[padded];
        }
        var stages = _cascade.Stages;
        // 1. The first stage for every window of the row.
        for (int j = 0; j < positions; j += 8)
        {
            var norm = NormFactors(level, corners, rowBase + j);
            norm.StoreUnsafe(ref scratch.Norm[j]);
            var valid = Vector256.Equals(norm, norm).AsInt32();
            valid.StoreUnsafe(ref scratch.Valid[j]);
            (Stage(level, corners, rowBase + j, norm, 0) & valid).StoreUnsafe(ref scratch.Passed[j]);
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
        // 3. The later stages, 8 neighbours at a time, while any of them is still in.
        for (int j = 0; j < positions; j += 8)
        {
            var alive = Vector256.LoadUnsafe(ref scratch.Candidate[j]);
            if (alive == Vector256<int>.Zero) continue;
            var norm = Vector256.LoadUnsafe(ref scratch.Norm[j]);
            // All the way in vectors: measured, a vector of 8 costs less than even two windows one by one.
            for (int s = 1; s < stages.Length && alive != Vector256<int>.Zero; s++)
            {
                scratch.Stumps += (long)System.Numerics.BitOperations.PopCount(alive.ExtractMostSignificantBits()) * stages[s].TreeCount;
                alive &= Stage(level, corners, rowBase + j, norm, s);
            }
            for (uint bits = alive.ExtractMostSignificantBits(); bits != 0; bits &= bits - 1)
                hits.Add((j + System.Numerics.BitOperations.TrailingZeroCount(bits)) * level.Step);
        }
    }

    /// <summary>The variance normalisation of 8 neighbouring windows, NaN where a window is too flat (as <see cref="NormFactor"/>).</summary>
    static Vector256<float> NormFactors(LevelImages level, LevelCorners corners, int b)
    {
        var n = corners.Norm;
        var sum = RectSums(ref level.Sums[b], n[0], n[1], n[2], n[3]);
        var squares = RectSums(ref level.Squares[b], n[0], n[1], n[2], n[3]);
        var area = Vector256.Create((double)corners.NormArea);
        var (sumLo, sumHi) = (ToDouble(sum.GetLower()), ToDouble(sum.GetUpper()));
        // The squared sum is unsigned in OpenCV: negative ints are 2^32 more.
        var (sqLo, sqHi) = (Unsigned(squares.GetLower()), Unsigned(squares.GetUpper()));
        var nfLo = area * sqLo - sumLo * sumLo;
        var nfHi = area * sqHi - sumHi * sumHi;
        var one = Vector256.Create(1.0);
        var factor = Vector256.Narrow(one / Vector256.Sqrt(nfLo), one / Vector256.Sqrt(nfHi));
        var (fLo, fHi) = Vector256.Widen(factor);
        var limit = Vector256.Create(1e-1);
        var okLo = Vector256.GreaterThan(nfLo, Vector256<double>.Zero) & Vector256.LessThan(area * fLo, limit);
        var okHi = Vector256.GreaterThan(nfHi, Vector256<double>.Zero) & Vector256.LessThan(area * fHi, limit);
        var ok = Vector256.Narrow(okLo.AsInt64(), okHi.AsInt64()).AsSingle();
        return Vector256.ConditionalSelect(ok, factor, Vector256.Create(float.NaN));

        static Vector256<double> Unsigned(Vector128<int> v)
        {
            var d = ToDouble(v);
            return d + Vector256.ConditionalSelect(Vector256.LessThan(d, Vector256<double>.Zero), Vector256.Create(4294967296.0), Vector256<double>.Zero);
        }
    }

    /// <summary>Four floats to four doubles (exact): one instruction with AVX.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<double> ToDouble(Vector128<float> v) =>
        System.Runtime.Intrinsics.X86.Avx.IsSupported ? System.Runtime.Intrinsics.X86.Avx.ConvertToVector256Double(v)
            : Vector256.WidenLower(v.ToVector256());

    /// <summary>Four ints to four doubles (exact): one instruction with AVX.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<double> ToDouble(Vector128<int> v) =>
        System.Runtime.Intrinsics.X86.Avx.IsSupported ? System.Runtime.Intrinsics.X86.Avx.ConvertToVector256Double(v)
            : Vector256.ConvertToDouble(Vector256.WidenLower(v.ToVector256()));

    /// <summary>Stage <paramref name="s"/> for 8 neighbouring windows: all-ones lanes where it passes.</summary>
    Vector256<int> Stage(LevelImages level, LevelCorners corners, int b, Vector256<float> norm, int s)
    {
        var stage = _cascade.Stages[s];
        ref int sums = ref level.Sums[b];
        ref StumpOp op = ref corners.Stumps![stage.FirstTree];
        var totalLo = Vector256<double>.Zero;
        var totalHi = Vector256<double>.Zero;
        for (int t = 0; t < stage.TreeCount; t++, op = ref Unsafe.Add(ref op, 1))
        {
            var r0 = Vector256.ConvertToSingle(RectSums(ref sums, op.A0, op.B0, op.C0, op.D0));
            var r1 = Vector256.ConvertToSingle(RectSums(ref sums, op.A1, op.B1, op.C1, op.D1));
            // Separate multiplies and adds (no fused multiply-add), in OpenCV's order, for OpenCV's rounding.
            var value = Vector256.Create(op.W0) * r0 + Vector256.Create(op.W1) * r1;
            if (op.W2 != 0f)
                value += Vector256.Create(op.W2) * Vector256.ConvertToSingle(RectSums(ref sums, op.A2, op.B2, op.C2, op.D2));
            value *= norm;
            var leaf = Vector256.ConditionalSelect(Vector256.LessThan(value, Vector256.Create(op.Threshold)),
                Vector256.Create(op.Left), Vector256.Create(op.Right));
            totalLo += ToDouble(leaf.GetLower());
            totalHi += ToDouble(leaf.GetUpper());
        }
        var threshold = Vector256.Create((double)stage.Threshold);
        // Passed: not below the threshold.
        var passLo = ~Vector256.LessThan(totalLo, threshold);
        var passHi = ~Vector256.LessThan(totalHi, threshold);
        return Vector256.Narrow(passLo.AsInt64(), passHi.AsInt64());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> RectSums(ref int sums, int a, int b, int c, int d) =>
        Vector256.LoadUnsafe(ref sums, (nuint)a) - Vector256.LoadUnsafe(ref sums, (nuint)b)
            - Vector256.LoadUnsafe(ref sums, (nuint)c) + Vector256.LoadUnsafe(ref sums, (nuint)d);

}
