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
/// Passes of one kernel over every level of the atlas at once: row prefixes, the two diagonal sums,
/// then their difference.
/// </summary>
internal sealed class TiltedIntegralKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<AtlasLevel>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, int> _kernel;

    public TiltedIntegralKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<AtlasLevel>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, int>(Execute);

    /// <summary>
    /// Sizes: <paramref name="images"/> and the scratch <paramref name="prefix"/> <paramref name="atlas"/>.Pixels,
    /// the scratch <paramref name="rising"/> and <paramref name="falling"/> .Scratch, <paramref name="tilted"/> .Integral.
    /// </summary>
    public void Launch(AcceleratorStream stream, PyramidAtlas atlas, ArrayView<AtlasLevel> levels, ArrayView<byte> images,
        ArrayView<int> prefix, ArrayView<int> rising, ArrayView<int> falling, ArrayView<int> tilted)
    {
        if (atlas.Levels.Length == 0) return;
        if (atlas.ImageRows > 0) _kernel(stream, atlas.ImageRows, levels, images, prefix, rising, falling, tilted, 0);
        _kernel(stream, atlas.Diagonals, levels, images, prefix, rising, falling, tilted, 1);
        _kernel(stream, atlas.Diagonals, levels, images, prefix, rising, falling, tilted, 2);
        _kernel(stream, atlas.Integral, levels, images, prefix, rising, falling, tilted, 3);
    }

    /// <summary>Row prefix P(y, x) = image(0..x, y), 0 left of the row, the row total right of it.</summary>
    static int Prefix(ArrayView<int> prefix, AtlasLevel level, int y, int x) =>
        x < 0 ? 0 : prefix[level.Pixels + y * level.Width + (x < level.Width ? x : level.Width - 1)];

    static void Execute(Index1D index, ArrayView<AtlasLevel> levels, ArrayView<byte> images, ArrayView<int> prefix, ArrayView<int> rising,
        ArrayView<int> falling, ArrayView<int> tilted, int pass)
    {
        // rising(n, Y) = sum over y < Y of P(y, n + Y - 1 - y), n in [-1, W]: column n + 1.
        // falling(n, Y) = sum over y < Y of P(y, n - (Y - 1 - y)), n in [-2, W - 1]: column n + 2.
        if (pass == 0)
        {
            var level = levels[PyramidAtlas.LevelOf(levels, index, AtlasPass.ImageRows)];
            int row = level.Pixels + (index - level.ImageRows) * level.Width, s = 0;
            for (int x = 0; x < level.Width; x++)
            {
                s += images[row + x];
                prefix[row + x] = s;
            }
        }
        else if (pass == 1)
        {
            // Anti-diagonal n + Y = k - 1: rising(n, Y) = rising(n + 1, Y - 1) + P(Y - 1, n).
            var level = levels[PyramidAtlas.LevelOf(levels, index, AtlasPass.Diagonals)];
            int width = level.Width, columns = width + 2;
            int k = index - level.Diagonals - 1, sum = 0;
            for (int y = 0; y <= level.Height; y++)
            {
                int n = k - y;
                if (y > 0) sum = unchecked(sum + Prefix(prefix, level, y - 1, n));
                if (n >= -1 && n <= width) rising[level.Scratch + y * columns + n + 1] = sum;
            }
        }
        else if (pass == 2)
        {
            // Diagonal n - Y = k - height - 2: falling(n, Y) = falling(n - 1, Y - 1) + P(Y - 1, n).
            var level = levels[PyramidAtlas.LevelOf(levels, index, AtlasPass.Diagonals)];
            int width = level.Width, columns = width + 2;
            int k = index - level.Diagonals - level.Height - 2, sum = 0;
            for (int y = 0; y <= level.Height; y++)
            {
                int n = k + y;
                if (y > 0) sum = unchecked(sum + Prefix(prefix, level, y - 1, n));
                if (n >= -2 && n <= width - 1) falling[level.Scratch + y * columns + n + 2] = sum;
            }
        }
        else
        {
            var level = levels[PyramidAtlas.LevelOf(levels, index, AtlasPass.Integral)];
            int element = index - level.Integral;
            int y = element / (level.Width + 1), x = element % (level.Width + 1);
            // T(X, Y) = rising(X - 1, Y) - falling(X - 2, Y).
            int at = level.Scratch + y * (level.Width + 2) + x;
            tilted[index] = unchecked(rising[at] - falling[at]);
        }
    }
}
