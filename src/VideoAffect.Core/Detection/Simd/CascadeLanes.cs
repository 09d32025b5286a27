using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VideoAffect.Detection.Simd;

/// <summary>
/// The vector operations the cascade needs, for one register width: Count neighbouring windows
/// as ints (rectangle sums), floats (feature values) and, in two halves, doubles (stage sums and
/// the variance normalisation). Written once against this interface, the cascade is compiled by
/// the JIT into straight-line code for each width, like the CNN's <c>ISimd</c>.
/// </summary>
internal interface ICascadeLanes<TInt, TFloat, TDouble> where TInt : struct where TFloat : struct where TDouble : struct
{
    static abstract int Count { get; }
    static abstract TInt Load(ref int source, nuint offset);
    static abstract TFloat Load(ref float source);
    static abstract void Store(TInt value, ref int destination);
    static abstract void Store(TFloat value, ref float destination);
    /// <summary>a - b - c + d, wrapping.</summary>
    static abstract TInt RectSum(TInt a, TInt b, TInt c, TInt d);
    static abstract TFloat ToFloat(TInt value);
    static abstract TFloat Broadcast(float value);
    /// <summary>a * b + c * d, rounded after each multiply and after the add (never fused).</summary>
    static abstract TFloat MultiplyAdd(TFloat a, TFloat b, TFloat c, TFloat d);
    static abstract TFloat Add(TFloat a, TFloat b);
    static abstract TFloat Multiply(TFloat a, TFloat b);
    /// <summary>a &lt; b ? ifLess : otherwise, per lane.</summary>
    static abstract TFloat SelectLess(TFloat a, TFloat b, TFloat ifLess, TFloat otherwise);
    static abstract (TDouble Low, TDouble High) Widen(TFloat value);
    static abstract (TDouble Low, TDouble High) Widen(TInt value, bool unsigned);
    static abstract TDouble Add(TDouble a, TDouble b);
    static abstract TDouble Broadcast(double value);
    /// <summary>All-ones int lanes where !(total &lt; threshold), for both halves.</summary>
    static abstract TInt NotLess(TDouble low, TDouble high, TDouble threshold);
    /// <summary>OpenCV's norm factor (float)(1 / sqrt(nf)), and all-ones where nf &gt; 0 and area * factor &lt; 0.1.</summary>
    static abstract (TFloat Factor, TInt Valid) Norm(TDouble nfLow, TDouble nfHigh, TDouble area);
    static abstract TDouble NormValue(TDouble area, TDouble squares, TDouble sum);
    static abstract TInt And(TInt a, TInt b);
    static abstract TInt Or(TInt a, TInt b);
    /// <summary>a &amp; ~b.</summary>
    static abstract TInt AndNot(TInt a, TInt b);
    static abstract TInt Broadcast(int value);
    /// <summary>All-ones int lanes where a &lt; b.</summary>
    static abstract TInt Less(TFloat a, TFloat b);
    /// <summary>All-ones int lanes where !(a &lt; b).</summary>
    static abstract TInt NotLess(TFloat a, TFloat b);
    /// <summary><see cref="Bits"/> of an all-ones vector.</summary>
    static abstract ulong AllBits { get; }
    static abstract ulong Bits(TInt mask);
    static abstract TInt ValidMask(TFloat norm);
}

/// <summary>
/// Four windows per vector: the later stages use it when the windows still in lie within four
/// neighbours (the most common case), where a wider vector would carry mostly dead lanes; and it
/// is the whole vector path on machines with 128-bit units only (SSE4, Arm NEON).
/// </summary>
internal readonly struct Lanes128 : ICascadeLanes<Vector128<int>, Vector128<float>, Vector128<double>>
{
    public static int Count => 4;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Load(ref int source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(ref float source) => Vector128.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<int> value, ref int destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> RectSum(Vector128<int> a, Vector128<int> b, Vector128<int> c, Vector128<int> d) => a - b - c + d;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> ToFloat(Vector128<int> value) => Vector128.ConvertToSingle(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d) => a * b + c * d;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> SelectLess(Vector128<float> a, Vector128<float> b, Vector128<float> ifLess, Vector128<float> otherwise) =>
        Vector128.ConditionalSelect(Vector128.LessThan(a, b), ifLess, otherwise);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<double> Low, Vector128<double> High) Widen(Vector128<float> value) => Vector128.Widen(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<double> Low, Vector128<double> High) Widen(Vector128<int> value, bool unsigned) => unsigned
        ? (Vector128.ConvertToDouble(Vector128.WidenLower(value.AsUInt32())), Vector128.ConvertToDouble(Vector128.WidenUpper(value.AsUInt32())))
        : (Vector128.ConvertToDouble(Vector128.WidenLower(value)), Vector128.ConvertToDouble(Vector128.WidenUpper(value)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Add(Vector128<double> a, Vector128<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Broadcast(double value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> NotLess(Vector128<double> low, Vector128<double> high, Vector128<double> threshold) =>
        Vector128.Narrow((~Vector128.LessThan(low, threshold)).AsInt64(), (~Vector128.LessThan(high, threshold)).AsInt64());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> NormValue(Vector128<double> area, Vector128<double> squares, Vector128<double> sum) => area * squares - sum * sum;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<float> Factor, Vector128<int> Valid) Norm(Vector128<double> nfLow, Vector128<double> nfHigh, Vector128<double> area)
    {
        var one = Vector128.Create(1.0);
        var factor = Vector128.Narrow(one / Vector128.Sqrt(nfLow), one / Vector128.Sqrt(nfHigh));
        var (fLow, fHigh) = Widen(factor);
        var limit = Vector128.Create(1e-1);
        var okLow = Vector128.GreaterThan(nfLow, Vector128<double>.Zero) & Vector128.LessThan(area * fLow, limit);
        var okHigh = Vector128.GreaterThan(nfHigh, Vector128<double>.Zero) & Vector128.LessThan(area * fHigh, limit);
        return (factor, Vector128.Narrow(okLow.AsInt64(), okHigh.AsInt64()));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> And(Vector128<int> a, Vector128<int> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Or(Vector128<int> a, Vector128<int> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> AndNot(Vector128<int> a, Vector128<int> b) => Vector128.AndNot(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Broadcast(int value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Less(Vector128<float> a, Vector128<float> b) => Vector128.LessThan(a, b).AsInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> NotLess(Vector128<float> a, Vector128<float> b) => (~Vector128.LessThan(a, b)).AsInt32();
    public static ulong AllBits => 0xFUL;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Bits(Vector128<int> mask) => mask.ExtractMostSignificantBits();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> ValidMask(Vector128<float> norm) => Vector128.Equals(norm, norm).AsInt32();
}

internal readonly struct Lanes256 : ICascadeLanes<Vector256<int>, Vector256<float>, Vector256<double>>
{
    public static int Count => 8;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Load(ref int source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float source) => Vector256.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<int> value, ref int destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> RectSum(Vector256<int> a, Vector256<int> b, Vector256<int> c, Vector256<int> d) => a - b - c + d;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> ToFloat(Vector256<int> value) => Vector256.ConvertToSingle(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d) => a * b + c * d;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> SelectLess(Vector256<float> a, Vector256<float> b, Vector256<float> ifLess, Vector256<float> otherwise) =>
        Vector256.ConditionalSelect(Vector256.LessThan(a, b), ifLess, otherwise);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<double> Low, Vector256<double> High) Widen(Vector256<float> value) =>
        Avx.IsSupported ? (Avx.ConvertToVector256Double(value.GetLower()), Avx.ConvertToVector256Double(value.GetUpper())) : Vector256.Widen(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<double> Low, Vector256<double> High) Widen(Vector256<int> value, bool unsigned)
    {
        var (low, high) = Avx.IsSupported
            ? (Avx.ConvertToVector256Double(value.GetLower()), Avx.ConvertToVector256Double(value.GetUpper()))
            : (Vector256.ConvertToDouble(Vector256.WidenLower(value)), Vector256.ConvertToDouble(Vector256.WidenUpper(value)));
        if (!unsigned) return (low, high);
        var wrap = Vector256.Create(4294967296.0);
        return (low + Vector256.ConditionalSelect(Vector256.LessThan(low, Vector256<double>.Zero), wrap, Vector256<double>.Zero),
            high + Vector256.ConditionalSelect(Vector256.LessThan(high, Vector256<double>.Zero), wrap, Vector256<double>.Zero));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Add(Vector256<double> a, Vector256<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Broadcast(double value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> NotLess(Vector256<double> low, Vector256<double> high, Vector256<double> threshold) =>
        Vector256.Narrow((~Vector256.LessThan(low, threshold)).AsInt64(), (~Vector256.LessThan(high, threshold)).AsInt64());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> NormValue(Vector256<double> area, Vector256<double> squares, Vector256<double> sum) => area * squares - sum * sum;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> Factor, Vector256<int> Valid) Norm(Vector256<double> nfLow, Vector256<double> nfHigh, Vector256<double> area)
    {
        var one = Vector256.Create(1.0);
        var factor = Vector256.Narrow(one / Vector256.Sqrt(nfLow), one / Vector256.Sqrt(nfHigh));
        var (fLow, fHigh) = Widen(factor);
        var limit = Vector256.Create(1e-1);
        var okLow = Vector256.GreaterThan(nfLow, Vector256<double>.Zero) & Vector256.LessThan(area * fLow, limit);
        var okHigh = Vector256.GreaterThan(nfHigh, Vector256<double>.Zero) & Vector256.LessThan(area * fHigh, limit);
        return (factor, Vector256.Narrow(okLow.AsInt64(), okHigh.AsInt64()));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> And(Vector256<int> a, Vector256<int> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Or(Vector256<int> a, Vector256<int> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> AndNot(Vector256<int> a, Vector256<int> b) => Vector256.AndNot(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Broadcast(int value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Less(Vector256<float> a, Vector256<float> b) => Vector256.LessThan(a, b).AsInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> NotLess(Vector256<float> a, Vector256<float> b) => (~Vector256.LessThan(a, b)).AsInt32();
    public static ulong AllBits => 0xFFUL;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Bits(Vector256<int> mask) => mask.ExtractMostSignificantBits();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> ValidMask(Vector256<float> norm) => Vector256.Equals(norm, norm).AsInt32();
}

internal readonly struct Lanes512 : ICascadeLanes<Vector512<int>, Vector512<float>, Vector512<double>>
{
    public static int Count => 16;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Load(ref int source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float source) => Vector512.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<int> value, ref int destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> RectSum(Vector512<int> a, Vector512<int> b, Vector512<int> c, Vector512<int> d) => a - b - c + d;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> ToFloat(Vector512<int> value) => Vector512.ConvertToSingle(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d) => a * b + c * d;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> SelectLess(Vector512<float> a, Vector512<float> b, Vector512<float> ifLess, Vector512<float> otherwise) =>
        Vector512.ConditionalSelect(Vector512.LessThan(a, b), ifLess, otherwise);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<double> Low, Vector512<double> High) Widen(Vector512<float> value) =>
        (Avx512F.ConvertToVector512Double(value.GetLower()), Avx512F.ConvertToVector512Double(value.GetUpper()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<double> Low, Vector512<double> High) Widen(Vector512<int> value, bool unsigned)
    {
        if (unsigned)
            return (Avx512F.ConvertToVector512Double(value.GetLower().AsUInt32()), Avx512F.ConvertToVector512Double(value.GetUpper().AsUInt32()));
        return (Avx512F.ConvertToVector512Double(value.GetLower()), Avx512F.ConvertToVector512Double(value.GetUpper()));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Add(Vector512<double> a, Vector512<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Broadcast(double value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> NotLess(Vector512<double> low, Vector512<double> high, Vector512<double> threshold) =>
        Vector512.Narrow((~Vector512.LessThan(low, threshold)).AsInt64(), (~Vector512.LessThan(high, threshold)).AsInt64());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> NormValue(Vector512<double> area, Vector512<double> squares, Vector512<double> sum) => area * squares - sum * sum;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<float> Factor, Vector512<int> Valid) Norm(Vector512<double> nfLow, Vector512<double> nfHigh, Vector512<double> area)
    {
        var one = Vector512.Create(1.0);
        var factor = Vector512.Narrow(one / Vector512.Sqrt(nfLow), one / Vector512.Sqrt(nfHigh));
        var (fLow, fHigh) = Widen(factor);
        var limit = Vector512.Create(1e-1);
        var okLow = Vector512.GreaterThan(nfLow, Vector512<double>.Zero) & Vector512.LessThan(area * fLow, limit);
        var okHigh = Vector512.GreaterThan(nfHigh, Vector512<double>.Zero) & Vector512.LessThan(area * fHigh, limit);
        return (factor, Vector512.Narrow(okLow.AsInt64(), okHigh.AsInt64()));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> And(Vector512<int> a, Vector512<int> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Or(Vector512<int> a, Vector512<int> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> AndNot(Vector512<int> a, Vector512<int> b) => Vector512.AndNot(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Broadcast(int value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Less(Vector512<float> a, Vector512<float> b) => Vector512.LessThan(a, b).AsInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> NotLess(Vector512<float> a, Vector512<float> b) => (~Vector512.LessThan(a, b)).AsInt32();
    public static ulong AllBits => 0xFFFFUL;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Bits(Vector512<int> mask) => mask.ExtractMostSignificantBits();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> ValidMask(Vector512<float> norm) => Vector512.Equals(norm, norm).AsInt32();
}
