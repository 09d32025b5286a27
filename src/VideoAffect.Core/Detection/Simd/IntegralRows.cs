using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VideoAffect.Detection.Simd;

/// <summary>
/// The per-row pieces of the integral images: running sums of a row's pixels and of their squares
/// (wrapping, as OpenCV's CV_32S squared integral), and the split of such a row into the even- and
/// odd-column planes a level scanned with step 2 reads. Vectorised with AVX-512, where a running
/// sum of 16 lanes is four shift-and-add steps; the scalar loops are the reference and the fallback.
/// </summary>
internal static class IntegralRows
{
    /// <summary>sums[i] = pixels[0] + ... + pixels[i]; squares[i] the same of the squares, wrapping.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunningSums(ReadOnlySpan<byte> pixels, Span<int> sums, Span<int> squares, bool vector = true)
    {
        int n = pixels.Length, x = 0;
        if (sums.Length < n || squares.Length < n) throw new ArgumentException("the outputs are shorter than the row");
        int sum = 0, square = 0;
        if (vector && Avx512F.IsSupported && n >= 16)
        {
            ref byte p = ref MemoryMarshal.GetReference(pixels);
            ref int s = ref MemoryMarshal.GetReference(sums);
            ref int q = ref MemoryMarshal.GetReference(squares);
            var carrySum = Vector512<int>.Zero;
            var carrySquare = Vector512<int>.Zero;
            var last = Vector512.Create(15);
            for (; x + 16 <= n; x += 16)
            {
                var v = Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref p, (nuint)x));
                var runningSum = Running(v) + carrySum;
                var runningSquare = Running(v * v) + carrySquare;
                runningSum.StoreUnsafe(ref s, (nuint)x);
                runningSquare.StoreUnsafe(ref q, (nuint)x);
                carrySum = Avx512F.PermuteVar16x32(runningSum, last);
                carrySquare = Avx512F.PermuteVar16x32(runningSquare, last);
            }
            sum = carrySum.ToScalar();
            square = carrySquare.ToScalar();
        }
        for (; x < n; x++)
        {
            int v = pixels[x];
            sum += v;
            square = unchecked(square + v * v);
            sums[x] = sum;
            squares[x] = square;
        }
    }

    /// <summary>The running sum of 16 lanes: add the vector shifted up by 1, 2, 4 and 8 lanes (zeros shifted in).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<int> Running(Vector512<int> v)
    {
        var zero = Vector512<int>.Zero;
        v += Avx512F.AlignRight32(v, zero, 15);
        v += Avx512F.AlignRight32(v, zero, 14);
        v += Avx512F.AlignRight32(v, zero, 12);
        v += Avx512F.AlignRight32(v, zero, 8);
        return v;
    }

    /// <summary>
    /// A row of n values split by column parity: values[i] goes to plane (i + 1) % 2 at (i + 1) / 2,
    /// i.e. evens[k] = values[2k - 1] (evens[0] untouched) and odds[k] = values[2k]. This is the
    /// integral row's column c = i + 1 landing in plane c % 2, index c / 2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SplitByParity(ReadOnlySpan<int> values, Span<int> evens, Span<int> odds, bool vector = true)
    {
        int n = values.Length, i = 0;
        if (vector && Avx512F.IsSupported)
        {
            ref int v = ref MemoryMarshal.GetReference(values);
            ref int e = ref MemoryMarshal.GetReference(evens);
            ref int o = ref MemoryMarshal.GetReference(odds);
            var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var odd = even + Vector512<int>.One;
            // 32 values at a time: values[i + 2k] to odds[i/2 + k], values[i + 2k + 1] to evens[i/2 + k + 1].
            for (; i + 32 <= n; i += 32)
            {
                var low = Vector512.LoadUnsafe(ref v, (nuint)i);
                var high = Vector512.LoadUnsafe(ref v, (nuint)(i + 16));
                Avx512F.PermuteVar16x32x2(low, even, high).StoreUnsafe(ref o, (nuint)(i / 2));
                Avx512F.PermuteVar16x32x2(low, odd, high).StoreUnsafe(ref e, (nuint)(i / 2 + 1));
            }
        }
        for (; i < n; i++)
        {
            int column = i + 1;
            if ((column & 1) == 0) evens[column >> 1] = values[i];
            else odds[column >> 1] = values[i];
        }
    }
}
