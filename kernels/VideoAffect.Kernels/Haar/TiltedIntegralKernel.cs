using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Haar;

/// <summary>
/// The rotated (45-degree) integral image of an 8-bit image, as OpenCV's integral(..., tilted):
/// T(X, Y) = sum of image(x, y) over y &lt; Y and |x - X + 1| &lt;= Y - y - 1, a triangle with its apex
/// at (X - 1, Y - 1), for X in [0, W] and Y in [0, H], in wrapping 32-bit integers.
/// Each triangle is a sum over rows of row-prefix differences, P(y, X - 1 + d) - P(y, X - 2 - d)
/// with d = Y - 1 - y; the two halves accumulate along anti-diagonals and diagonals respectively,
/// so every diagonal is an independent running sum: one thread each, no row-by-row launches.
/// Passes of one kernel: row prefixes, the two diagonal sums, then their difference.
/// </summary>
internal sealed class TiltedIntegralKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, int, int, int> _kernel;

    public TiltedIntegralKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, int, int, int>(Execute);

    /// <summary>Scratch sizes: <paramref name="prefix"/> W * H, <paramref name="rising"/> and <paramref name="falling"/> (W + 2) * (H + 1); <paramref name="tilted"/> (W + 1) * (H + 1).</summary>
    public void Launch(AcceleratorStream stream, ArrayView<byte> image, int width, int height,
        ArrayView<int> prefix, ArrayView<int> rising, ArrayView<int> falling, ArrayView<int> tilted)
    {
        _kernel(stream, height, image, prefix, rising, falling, tilted, width, height, 0);
        _kernel(stream, width + height + 2, image, prefix, rising, falling, tilted, width, height, 1);
        _kernel(stream, width + height + 2, image, prefix, rising, falling, tilted, width, height, 2);
        _kernel(stream, (width + 1) * (height + 1), image, prefix, rising, falling, tilted, width, height, 3);
    }

    /// <summary>Row prefix P(y, x) = image(0..x, y), 0 left of the row, the row total right of it.</summary>
    static int Prefix(ArrayView<int> prefix, int width, int y, int x) =>
        x < 0 ? 0 : prefix[y * width + (x < width ? x : width - 1)];

    static void Execute(Index1D index, ArrayView<byte> image, ArrayView<int> prefix, ArrayView<int> rising, ArrayView<int> falling,
        ArrayView<int> tilted, int width, int height, int pass)
    {
        // rising(n, Y) = sum over y < Y of P(y, n + Y - 1 - y), n in [-1, W]: column n + 1.
        // falling(n, Y) = sum over y < Y of P(y, n - (Y - 1 - y)), n in [-2, W - 1]: column n + 2.
        int columns = width + 2;
        if (pass == 0)
        {
            int y = index, s = 0;
            for (int x = 0; x < width; x++)
            {
                s += image[y * width + x];
                prefix[y * width + x] = s;
            }
        }
        else if (pass == 1)
        {
            // Anti-diagonal n + Y = k - 1: rising(n, Y) = rising(n + 1, Y - 1) + P(Y - 1, n).
            int k = index - 1, sum = 0;
            for (int y = 0; y <= height; y++)
            {
                int n = k - y;
                if (y > 0) sum = unchecked(sum + Prefix(prefix, width, y - 1, n));
                if (n >= -1 && n <= width) rising[y * columns + n + 1] = sum;
            }
        }
        else if (pass == 2)
        {
            // Diagonal n - Y = k - height - 2: falling(n, Y) = falling(n - 1, Y - 1) + P(Y - 1, n).
            int k = index - height - 2, sum = 0;
            for (int y = 0; y <= height; y++)
            {
                int n = k + y;
                if (y > 0) sum = unchecked(sum + Prefix(prefix, width, y - 1, n));
                if (n >= -2 && n <= width - 1) falling[y * columns + n + 2] = sum;
            }
        }
        else
        {
            int y = index / (width + 1), x = index % (width + 1);
            // T(X, Y) = rising(X - 1, Y) - falling(X - 2, Y).
            tilted[index] = unchecked(rising[y * columns + x] - falling[y * columns + x]);
        }
    }
}
