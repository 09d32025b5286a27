using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Haar;

/// <summary>
/// Integral and squared integral images of 8-bit images, (height + 1) x (width + 1) with a zero
/// first row and column, as OpenCV's integral(img, sum, sqsum, CV_32S, CV_32S). Squares are summed
/// in wrapping 32-bit integers as OpenCV does; window sums taken from them are exact as long as
/// a window's own sum fits, which a 24x24 window's (at most 576 * 255^2) does.
/// Two passes of one kernel over every level of the atlas at once: running sums along each row,
/// then down each column.
/// </summary>
internal sealed class IntegralImageKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<AtlasLevel>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, int> _kernel;

    public IntegralImageKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<AtlasLevel>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, int>(Execute);

    /// <param name="images">The level images (<paramref name="atlas"/>.Pixels bytes).</param>
    /// <param name="sum">The integrals (<paramref name="atlas"/>.Integral elements), as <paramref name="squares"/>.</param>
    public void Launch(AcceleratorStream stream, PyramidAtlas atlas, ArrayView<AtlasLevel> levels, ArrayView<byte> images, ArrayView<int> sum, ArrayView<int> squares)
    {
        if (atlas.Levels.Length == 0) return;
        _kernel(stream, atlas.IntegralRows, levels, images, sum, squares, 0);
        _kernel(stream, atlas.IntegralColumns, levels, images, sum, squares, 1);
    }

    static void Execute(Index1D index, ArrayView<AtlasLevel> levels, ArrayView<byte> images, ArrayView<int> sum, ArrayView<int> squares, int columnPass)
    {
        if (columnPass == 0)
        {
            // Row y of the integral holds the running sums of image row y - 1; row 0 stays zero.
            var level = levels[PyramidAtlas.LevelOf(levels, index, AtlasPass.IntegralRows)];
            int y = index - level.IntegralRows, width = level.Width, row = level.Integral + y * (width + 1);
            int s = 0, q = 0;
            sum[row] = 0;
            squares[row] = 0;
            for (int x = 1; x <= width; x++)
            {
                if (y > 0)
                {
                    int v = images[level.Pixels + (y - 1) * width + x - 1];
                    s += v;
                    q = unchecked(q + v * v);
                }
                sum[row + x] = s;
                squares[row + x] = q;
            }
        }
        else
        {
            var level = levels[PyramidAtlas.LevelOf(levels, index, AtlasPass.IntegralColumns)];
            int x = index - level.IntegralColumns, stride = level.Width + 1;
            int s = 0, q = 0;
            for (int y = 1; y <= level.Height; y++)
            {
                int at = level.Integral + y * stride + x;
                s += sum[at];
                q = unchecked(q + squares[at]);
                sum[at] = s;
                squares[at] = q;
            }
        }
    }
}
