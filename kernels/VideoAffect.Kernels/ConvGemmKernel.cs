using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// Convolution of any window, stride and padding as an implicit GEMM: output [pixels, Cout] =
/// patches [pixels, kh*kw*Cin] x weights [kh*kw*Cin, Cout] (HWIO is exactly that matrix; a patch
/// row is gathered from the NHWC input on the fly, zero in the padding), plus bias and optional
/// ReLU. A group of Tx x Ty threads computes a block of S*Ty pixels x S*Tx channels, staging
/// 16-deep slices of the patches and the weights in shared memory; each thread keeps an S x S
/// tile of outputs in registers (S = 4, or 8 in the wide layout), so every value it reads from
/// shared memory feeds S multiply-adds (one output per thread, the first version's, fed one: its
/// 1x1 layers ran at 7 % of the H200's fp32 peak, 11 % with 4 x 4 tiles, 2026-12-04).
/// The group's shape is chosen per launch (<see cref="Shape"/>): its channels fit Cout (a
/// 7-channel layer in 64-wide blocks wasted 57 of every 64 products), and it has fewer threads
/// when there are too few blocks to fill the multiprocessors (batch 1 ran at half the speed of
/// the untiled kernel in 256-thread groups). How many outputs a thread keeps and where they lie is
/// the kernel's type parameter (<see cref="ITileLayout{TSums}"/>): 4 x 4 strided, as measured on
/// the H200; 4 x 4 contiguous, read as one 16-byte load per side per k; 8 x 8 wide
/// (<see cref="Layout"/>; the GPU kit times all three).
/// </summary>
internal sealed class ConvGemmKernel
{
    /// <summary>The patch depth staged in shared memory at a time.</summary>
    public const int DepthSlice = 16;

    readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int, int> _strided, _contiguous, _wide;
    readonly int _tile, _warp, _multiprocessors;

    public ConvGemmKernel(Accelerator accelerator)
    {
        _tile = 1;
        while (_tile < 16 && (2 * _tile) * (2 * _tile) <= accelerator.MaxNumThreadsPerGroup) _tile *= 2;
        _warp = accelerator.WarpSize;
        _multiprocessors = accelerator.NumMultiprocessors;
        _strided = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int, int>(Execute<StridedTiles, Sums4x4>);
        _contiguous = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int, int>(Execute<ContiguousTiles, Sums4x4>);
        _wide = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int, int>(Execute<WideTiles, Sums8x8>);
    }

    /// <summary>The layout launches use unless told otherwise: strided, the one measured on a GPU (the GPU kit times all three).</summary>
    public TileLayout Layout { get; init; } = TileLayout.Strided;

    /// <summary>The side of the largest square group this accelerator gets: groups have up to Tile² threads.</summary>
    internal int Tile => _tile;

    /// <summary>A thread's outputs along each side of its tile in <paramref name="layout"/>.</summary>
    public static int Side(TileLayout layout) => layout == TileLayout.Wide ? default(WideTiles).Side : default(StridedTiles).Side;

    /// <param name="shape">threads along channels and rows; by default <see cref="Shape"/>'s choice (the tests choose others)</param>
    /// <param name="layout">how many outputs a thread keeps and where; by default <see cref="Layout"/></param>
    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> weights,
        ArrayView<float> bias, ArrayView<float> output, in WindowGeometry g, bool relu, (int Tx, int Ty)? shape = null, TileLayout? layout = null)
    {
        int rows = batch * g.OutHeight * g.OutWidth;
        var chosen = layout ?? Layout;
        var (tx, ty) = shape ?? Shape(rows, g.OutChannels, _tile * _tile, _multiprocessors, _warp, chosen);
        var kernel = chosen switch { TileLayout.Contiguous => _contiguous, TileLayout.Wide => _wide, _ => _strided };
        kernel(stream, Configure(tx, ty, rows, g.OutChannels, chosen), input, weights, bias, output, g, rows, relu ? 1 : 0);
    }

    /// <summary>
    /// The group for a launch: channel threads Tx, the fewest (a power of two up to 16) whose S*Tx
    /// channels cover Cout; row threads Ty filling <paramref name="maxThreads"/>, up to
    /// <see cref="MaxRowThreads"/>; then half the rows at a time, down to a warp, while the blocks
    /// would not give each multiprocessor two groups.
    /// </summary>
    internal static (int Tx, int Ty) Shape(int rows, int outChannels, int maxThreads, int multiprocessors, int warp, TileLayout layout = TileLayout.Strided)
    {
        int side = Side(layout);
        int tx = 1;
        while (tx < 16 && side * tx < outChannels && 2 * tx <= maxThreads) tx *= 2;
        int ty = Math.Clamp(maxThreads / tx, 1, MaxRowThreads);
        while (ty > 1 && tx * ty / 2 >= warp && Blocks(rows, outChannels, tx, ty, side) < 2L * multiprocessors) ty /= 2;
        return (tx, ty);
    }

    /// <summary>
    /// Row threads at most: blocks of 256 rows (512 wide), whose slices and row table take at most
    /// 40 KB of shared memory (a 4-channel layer's 1 x 256 groups would take 78 KB: CUDA launches
    /// with more than 48 KB only after an opt-in, and ILGPU's CPU accelerator, which the tests run
    /// on, has no such limit).
    /// </summary>
    public const int MaxRowThreads = 64;

    /// <summary>The dynamic shared memory a group of <paramref name="tx"/> x <paramref name="ty"/> threads takes.</summary>
    internal static int SharedBytes(int tx, int ty, TileLayout layout = TileLayout.Strided) =>
        sizeof(float) * (DepthSlice * (PatchStride(layout, ty) + Side(layout) * tx) + 3 * Side(layout) * ty);

    static int PatchStride(TileLayout layout, int ty) => layout switch
    {
        TileLayout.Contiguous => default(ContiguousTiles).PatchStride(ty),
        TileLayout.Wide => default(WideTiles).PatchStride(ty),
        _ => default(StridedTiles).PatchStride(ty),
    };

    static long Blocks(int rows, int outChannels, int tx, int ty, int side) =>
        (long)((rows + side * ty - 1) / (side * ty)) * ((outChannels + side * tx - 1) / (side * tx));

    /// <summary>
    /// Row blocks along the grid's x, channel blocks along y: CUDA allows 2^31-1 groups in x but
    /// only 65,535 in y, and rows reach millions (BlazeFace's 128x128 maps at batch 256). ILGPU's
    /// CPU accelerator has the same limits, but no test launched that many rows.
    /// </summary>
    internal static KernelConfig Configure(int tx, int ty, int rows, int outChannels, TileLayout layout = TileLayout.Strided)
    {
        int side = Side(layout), rowBlock = side * ty, channelBlock = side * tx;
        return new KernelConfig(
            new Index2D((rows + rowBlock - 1) / rowBlock, (outChannels + channelBlock - 1) / channelBlock),
            new Index2D(tx, ty),
            // The two slices, then each row's input offset and window corner (ints, in float slots): SharedBytes.
            SharedMemoryConfig.RequestDynamic<float>(SharedBytes(tx, ty, layout) / sizeof(float)));
    }

    static void Execute<TLayout, TSums>(ArrayView<float> input, ArrayView<float> weights, ArrayView<float> bias, ArrayView<float> output, WindowGeometry g, int rows, int relu)
        where TLayout : struct, ITileLayout<TSums> where TSums : struct
    {
        var layout = default(TLayout);
        int tx = Group.IdxX, ty = Group.IdxY, cx = Group.DimX, ry = Group.DimY;
        int threads = cx * ry, me = ty * cx + tx;
        int rowBlock = layout.Side * ry, channelBlock = layout.Side * cx;
        // [k][row] and [k][channel]: a slice of the block's patches and of its weights. The patches'
        // rows are longer than the block (the layout's stride): the 16 threads that store one row's k's
        // then write different banks, not one.
        int patchStride = layout.PatchStride(ry);
        var shared = SharedMemory.GetDynamic<float>();
        var patches = shared.SubView(0, DepthSlice * patchStride);
        var filters = shared.SubView(DepthSlice * patchStride, DepthSlice * channelBlock);
        var rowTable = shared.SubView(DepthSlice * (patchStride + channelBlock), 3 * rowBlock).Cast<int>();
        int firstRow = Grid.IdxX * rowBlock, firstChannel = Grid.IdxY * channelBlock;
        int depth = g.KernelHeight * g.KernelWidth * g.InChannels, cout = g.OutChannels;
        bool pointwise = g.KernelHeight == 1 && g.KernelWidth == 1;
        // A 1x1 window at stride 1 without padding reads the input as the patch matrix itself
        // (row r, element k at r * Cin + k): no row table, no bounds but the last row.
        bool contiguous = pointwise && g.StrideX == 1 && g.StrideY == 1 && g.PadTop == 0 && g.PadLeft == 0
            && g.OutHeight == g.InHeight && g.OutWidth == g.InWidth;

        // Each row's output pixel decoded once (divisions are dear on a GPU): its image's first
        // input element and its window's top-left corner (a row past the end: a corner that no tap reaches).
        int pixels = g.OutHeight * g.OutWidth;
        for (int r = me; r < rowBlock; r += threads)
        {
            int row = firstRow + r, n = row / pixels, p = row % pixels;
            rowTable[3 * r] = n * g.InHeight * g.InWidth * g.InChannels;
            rowTable[3 * r + 1] = row < rows ? p / g.OutWidth * g.StrideY - g.PadTop : int.MinValue / 2;
            rowTable[3 * r + 2] = p % g.OutWidth * g.StrideX - g.PadLeft;
        }
        Group.Barrier();

        var sums = default(TSums);
        for (int k0 = 0; k0 < depth; k0 += DepthSlice)
        {
            // Consecutive threads take consecutive k (one input pixel's channels are adjacent in NHWC)
            // and consecutive channels of the weights, so both loads coalesce.
            // A thread's k is the same at every step when the group's threads are a multiple of the
            // slice depth (every GPU shape): its window tap is decoded once per slice, not per element.
            int decodedK = -1, channel = 0, dy = 0, dx = 0;
            for (int e = me; e < DepthSlice * rowBlock; e += threads)
            {
                int k = k0 + e % DepthSlice, r = e / DepthSlice;
                float value = 0f;
                if (k < depth)
                {
                    if (contiguous)
                    {
                        int row = firstRow + r;
                        if (row < rows) value = input[(long)row * depth + k];
                    }
                    else
                    {
                        if (k != decodedK)
                        {
                            decodedK = k;
                            int tap = k / g.InChannels;
                            channel = k - tap * g.InChannels;
                            dy = tap / g.KernelWidth;
                            dx = tap - dy * g.KernelWidth;
                        }
                        int iy = rowTable[3 * r + 1] + dy, ix = rowTable[3 * r + 2] + dx;
                        if (iy >= 0 && iy < g.InHeight && ix >= 0 && ix < g.InWidth)
                            value = input[rowTable[3 * r] + ((long)iy * g.InWidth + ix) * g.InChannels + channel];
                    }
                }
                patches[e % DepthSlice * patchStride + r] = value;
            }
            for (int e = me; e < DepthSlice * channelBlock; e += threads)
            {
                int c = e % channelBlock, k = k0 + e / channelBlock;
                filters[e] = k < depth && firstChannel + c < cout ? weights[(long)k * cout + firstChannel + c] : 0f;
            }
            Group.Barrier();
            for (int k = 0; k < DepthSlice; k++)
                sums = layout.MultiplyAdd(sums, patches.SubView(k * patchStride, rowBlock), filters.SubView(k * channelBlock, channelBlock), ty, ry, tx, cx);
            Group.Barrier();
        }
        layout.Store(new TileOutput { Output = output, Bias = bias, Rows = rows, OutChannels = cout, Relu = relu }, sums, firstRow, firstChannel, ty, ry, tx, cx);
    }
}
