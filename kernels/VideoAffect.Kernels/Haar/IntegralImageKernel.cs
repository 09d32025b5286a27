using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Haar;

/// <summary>
/// Integral and squared integral images of 8-bit images, (height + 1) x (width + 1) with a zero
/// first row and column, as OpenCV's integral(img, sum, sqsum, CV_32S, CV_32S). Squares are summed
/// in wrapping 32-bit integers as OpenCV does; window sums taken from them are exact as long as
/// a window's own sum fits, which a 24x24 window's (at most 576 * 255^2) does.
/// Two passes over every level of the atlas at once: running sums along each row, then down each
/// column, one thread per column (adjacent threads, adjacent columns: those loads coalesce).
/// On a GPU the row pass runs one warp per row: the lanes read 32 adjacent pixels at a time and
/// scan them with shuffles, carrying the total on (one thread per row, the first version's, read
/// a byte from 32 rows apart at each step and took 3.8 ms of a 1080p frame's 10 on the H200,
/// 2026-12-04). ILGPU's CPU accelerator simulates each shuffle with a barrier (2.5 s a frame), so
/// there a thread walks each row, which is what its threads do well.
/// </summary>
internal sealed class IntegralImageKernel
{
    readonly Action<AcceleratorStream, KernelConfig, ArrayView<AtlasLevel>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, int>? _rows;
    readonly Action<AcceleratorStream, Index1D, ArrayView<AtlasLevel>, ArrayView<int>, ArrayView<int>> _columns;
    readonly Action<AcceleratorStream, Index1D, ArrayView<AtlasLevel>, ArrayView<byte>, ArrayView<int>, ArrayView<int>>? _threadRows;
    readonly int _warpSize, _warpsPerGroup;

    /// <param name="warpRows">the warp-per-row pass; by default on every accelerator but ILGPU's CPU one (the tests choose both)</param>
    public IntegralImageKernel(Accelerator accelerator, bool? warpRows = null)
    {
        if (warpRows ?? accelerator.AcceleratorType != AcceleratorType.CPU)
            _rows = accelerator.LoadKernel<ArrayView<AtlasLevel>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, int>(Rows);
        else
            _threadRows = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<AtlasLevel>, ArrayView<byte>, ArrayView<int>, ArrayView<int>>(ThreadRows);
        _columns = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<AtlasLevel>, ArrayView<int>, ArrayView<int>>(Columns);
        _warpSize = accelerator.WarpSize;
        _warpsPerGroup = Math.Max(1, Math.Min(8, accelerator.MaxNumThreadsPerGroup / _warpSize));
    }

    /// <param name="images">The level images (<paramref name="atlas"/>.Pixels bytes).</param>
    /// <param name="sum">The integrals (<paramref name="atlas"/>.Integral elements), as <paramref name="squares"/>.</param>
    public void Launch(AcceleratorStream stream, PyramidAtlas atlas, ArrayView<AtlasLevel> levels, ArrayView<byte> images, ArrayView<int> sum, ArrayView<int> squares)
    {
        if (atlas.Levels.Length == 0) return;
        int rows = atlas.IntegralRows;
        if (_rows is not null)
            _rows(stream, new KernelConfig((rows + _warpsPerGroup - 1) / _warpsPerGroup, _warpsPerGroup * _warpSize), levels, images, sum, squares, rows);
        else
            _threadRows!(stream, rows, levels, images, sum, squares);
        _columns(stream, atlas.IntegralColumns, levels, sum, squares);
    }

    /// <summary>Row y of a level's integral holds the running sums of its image row y - 1; row 0 stays zero. One warp per row.</summary>
    static void Rows(ArrayView<AtlasLevel> levels, ArrayView<byte> images, ArrayView<int> sum, ArrayView<int> squares, int rows)
    {
        int lanes = Warp.WarpSize, lane = Warp.LaneIdx;
        int index = (Grid.IdxX * Group.DimX + Group.IdxX) / lanes;
        if (index >= rows) return; // a whole warp: its lanes share the index
        var level = levels[PyramidAtlas.LevelOf(levels, index, AtlasPass.IntegralRows)];
        int y = index - level.IntegralRows, width = level.Width, row = level.Integral + y * (width + 1);
        if (lane == 0)
        {
            sum[row] = 0;
            squares[row] = 0;
        }
        int carriedSum = 0, carriedSquares = 0;
        for (int x0 = 0; x0 < width; x0 += lanes)
        {
            int x = x0 + lane;
            int v = y > 0 && x < width ? images[level.Pixels + (y - 1) * width + x] : 0;
            int s = WarpExtensions.InclusiveScan<int, AddInt32>(v);
            // Squares wrap as OpenCV's 32-bit sums do; wrapping addition is associative, so the scan's order does not matter.
            int q = WarpExtensions.InclusiveScan<int, AddInt32>(unchecked(v * v));
            if (x < width)
            {
                sum[row + 1 + x] = carriedSum + s;
                squares[row + 1 + x] = unchecked(carriedSquares + q);
            }
            carriedSum += Warp.Shuffle(s, lanes - 1);
            carriedSquares = unchecked(carriedSquares + Warp.Shuffle(q, lanes - 1));
        }
    }

    /// <summary>The same, one thread per row.</summary>
    static void ThreadRows(Index1D index, ArrayView<AtlasLevel> levels, ArrayView<byte> images, ArrayView<int> sum, ArrayView<int> squares)
    {
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

    /// <summary>Running sums down each column of the row sums, in place.</summary>
    static void Columns(Index1D index, ArrayView<AtlasLevel> levels, ArrayView<int> sum, ArrayView<int> squares)
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
