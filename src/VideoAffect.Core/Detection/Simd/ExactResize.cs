using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using VideoAffect.Detection.Cascade;
using VideoAffect.Kernels.Haar;

namespace VideoAffect.Detection.Simd;

/// <summary>
/// OpenCV's INTER_LINEAR_EXACT resize of an 8-bit image, bit for bit, on the CPU; the exact 2x
/// reduction is OpenCV's 2x2 average instead, as there.
/// </summary>
/// <remarks>
/// OpenCV blends two source columns with 8-bit weights, then two such rows, and rounds once:
/// (sum of w_row * w_col * pixel + 2^15) >> 16, all in exact integers. The order of the two blends
/// therefore does not change the result, and this one goes vertical first: the two source rows are
/// blended across the whole width in vectors (contiguous loads), leaving one scalar tap per output
/// pixel for the horizontal blend, where horizontal-first needs one per source row used (about
/// twice as many on the large levels, where nearly all the work is).
/// </remarks>
internal sealed class ExactResize
{
    int[] _blended = [];

    /// <summary>Resizes <paramref name="source"/> (sw x sh, packed) into <paramref name="destination"/> (w x h, packed).</summary>
    // Hot from the first frame: compiled optimised at once rather than after tier-0 warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Resize(ReadOnlySpan<byte> source, int sw, int sh, Span<byte> destination, int w, int h, ResizeTap[] columns, ResizeTap[] rows)
    {
        if (LinearExactResizeTaps.IsExactHalving(sw, sh, w, h))
        {
            Halve(source, sw, destination, w, h);
            return;
        }
        // One more int than the row: the last column's tap may name its right neighbour with weight 0.
        if (_blended.Length < sw + 1) _blended = new int[sw + 1];
        _blended[sw] = 0;
        for (int y = 0; y < h; y++)
        {
            var r = rows[y];
            var top = source.Slice(r.Offset * sw, sw);
            if (r.Weight1 == 0) Scale(top, r.Weight0, _blended);
            else Blend(top, source.Slice((r.Offset + 1) * sw, sw), r.Weight0, r.Weight1, _blended);
            Horizontal(_blended, columns, destination.Slice(y * w, w));
        }
    }

    /// <summary>blended[x] = top[x] * w0 + bottom[x] * w1, 16 pixels at a time (8 with AVX2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Blend(ReadOnlySpan<byte> top, ReadOnlySpan<byte> bottom, int w0, int w1, int[] blended)
    {
        int x = 0, n = top.Length;
        ref byte t = ref MemoryMarshal.GetReference(top);
        ref byte b = ref MemoryMarshal.GetReference(bottom);
        ref int o = ref blended[0];
        var weight0 = Vector512.Create(w0);
        var weight1 = Vector512.Create(w1);
        if (Vector512.IsHardwareAccelerated)
            for (; x + 16 <= n; x += 16)
            {
                var above = Vector512.WidenLower(Vector256.WidenLower(Vector128.LoadUnsafe(ref t, (nuint)x).ToVector256Unsafe()).ToVector512Unsafe()).AsInt32();
                var below = Vector512.WidenLower(Vector256.WidenLower(Vector128.LoadUnsafe(ref b, (nuint)x).ToVector256Unsafe()).ToVector512Unsafe()).AsInt32();
                (above * weight0 + below * weight1).StoreUnsafe(ref o, (nuint)x);
            }
        else if (Vector256.IsHardwareAccelerated)
        {
            // AVX2: 8 pixels at a time (the 16-byte load stays inside the row).
            var narrow0 = Vector256.Create(w0);
            var narrow1 = Vector256.Create(w1);
            for (; x + 16 <= n; x += 8)
            {
                var above = Vector256.WidenLower(Vector128.WidenLower(Vector128.LoadUnsafe(ref t, (nuint)x)).ToVector256Unsafe()).AsInt32();
                var below = Vector256.WidenLower(Vector128.WidenLower(Vector128.LoadUnsafe(ref b, (nuint)x)).ToVector256Unsafe()).AsInt32();
                (above * narrow0 + below * narrow1).StoreUnsafe(ref o, (nuint)x);
            }
        }
        for (; x < n; x++) Unsafe.Add(ref o, x) = Unsafe.Add(ref t, x) * w0 + Unsafe.Add(ref b, x) * w1;
    }

    /// <summary>blended[x] = row[x] * w0: an output row that falls on a source row.</summary>
    static void Scale(ReadOnlySpan<byte> row, int w0, int[] blended)
    {
        for (int x = 0; x < row.Length; x++) blended[x] = row[x] * w0;
    }

    /// <summary>Each output pixel from its two blended columns, rounded once: (a * w0 + b * w1 + 2^15) >> 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Horizontal(int[] blended, ResizeTap[] columns, Span<byte> row)
    {
        ref int v = ref blended[0];
        ref ResizeTap tap = ref columns[0];
        ref byte o = ref MemoryMarshal.GetReference(row);
        // The taps come from LinearExactResizeTaps: offsets inside the row, and the right
        // neighbour (weight 0 at the edge) at most one past it, where blended has a zero.
        for (int x = 0; x < row.Length; x++)
        {
            var c = Unsafe.Add(ref tap, x);
            Unsafe.Add(ref o, x) = (byte)((Unsafe.Add(ref v, c.Offset) * c.Weight0 + Unsafe.Add(ref v, c.Offset + 1) * c.Weight1 + (1 << 15)) >> 16);
        }
    }

    /// <summary>OpenCV's exact 2x reduction: the rounded mean of each 2x2 block.</summary>
    static void Halve(ReadOnlySpan<byte> source, int sw, Span<byte> destination, int w, int h)
    {
        for (int y = 0; y < h; y++)
        {
            var top = source.Slice(2 * y * sw, sw);
            var bottom = source.Slice((2 * y + 1) * sw, sw);
            var row = destination.Slice(y * w, w);
            for (int x = 0; x < w; x++)
                row[x] = (byte)((top[2 * x] + top[2 * x + 1] + bottom[2 * x] + bottom[2 * x + 1] + 2) >> 2);
        }
    }
}
