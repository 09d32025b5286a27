using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// Convolution of any window, stride and padding as an implicit GEMM: output [pixels, Cout] =
/// patches [pixels, kh*kw*Cin] x weights [kh*kw*Cin, Cout] (HWIO is exactly that matrix; a patch
/// row is gathered from the NHWC input on the fly, zero in the padding), plus bias and optional
/// ReLU. A group of Tx x Ty threads computes a block of 4Ty pixels x 4Tx channels, staging
/// 16-deep slices of the patches and the weights in shared memory; each thread keeps a 4 x 4 tile
/// of outputs in registers, so every value it reads from shared memory feeds four multiply-adds
/// (one output per thread, the first version's, fed one: its 1x1 layers ran at 7 % of the H200's
/// fp32 peak, 11 % with the tiles, 2026-12-04). A thread's rows are Ty apart and its channels Tx
/// apart, so a warp reads shared memory without bank conflicts and writes adjacent channels.
/// The group's shape is chosen per launch (<see cref="Shape"/>): its channels fit Cout (a
/// 7-channel layer in 64-wide blocks wasted 57 of every 64 products), and it has fewer threads
/// when there are too few blocks to fill the multiprocessors (batch 1 ran at half the speed of
/// the untiled kernel in 256-thread groups). Where a thread's four rows and four channels lie is
/// the kernel's type parameter (<see cref="ITileLayout"/>): strided, as measured on the H200, or
/// contiguous, read as one 16-byte load per side per k (<see cref="Layout"/>).
/// </summary>
internal sealed class ConvGemmKernel
{
    /// <summary>Each thread's outputs along each side of its tile.</summary>
    public const int PerThread = 4;
    /// <summary>The patch depth staged in shared memory at a time.</summary>
    public const int DepthSlice = 16;

    readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int, int> _strided, _contiguous;
    readonly int _tile, _warp, _multiprocessors;

    public ConvGemmKernel(Accelerator accelerator)
    {
        _tile = 1;
        while (_tile < 16 && (2 * _tile) * (2 * _tile) <= accelerator.MaxNumThreadsPerGroup) _tile *= 2;
        _warp = accelerator.WarpSize;
        _multiprocessors = accelerator.NumMultiprocessors;
        _strided = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int, int>(Execute<StridedTiles>);
        _contiguous = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int, int>(Execute<ContiguousTiles>);
    }

    /// <summary>The layout launches use unless told otherwise: strided, the one measured on a GPU (the GPU kit times both).</summary>
    public TileLayout Layout { get; init; } = TileLayout.Strided;

    /// <summary>The side of the largest square group this accelerator gets: groups have up to Tile² threads.</summary>
    internal int Tile => _tile;

    /// <param name="shape">threads along channels and rows; by default <see cref="Shape"/>'s choice (the tests choose others)</param>
    /// <param name="layout">where a thread's outputs lie; by default <see cref="Layout"/></param>
    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> weights,
        ArrayView<float> bias, ArrayView<float> output, in WindowGeometry g, bool relu, (int Tx, int Ty)? shape = null, TileLayout? layout = null)
    {
        int rows = batch * g.OutHeight * g.OutWidth;
        var (tx, ty) = shape ?? Shape(rows, g.OutChannels, _tile * _tile, _multiprocessors, _warp);
        var chosen = layout ?? Layout;
        var kernel = chosen == TileLayout.Contiguous ? _contiguous : _strided;
        kernel(stream, Configure(tx, ty, rows, g.OutChannels, chosen), input, weights, bias, output, g, rows, relu ? 1 : 0);
    }

    /// <summary>
    /// The group for a launch: channel threads Tx, the fewest (a power of two up to 16) whose 4Tx
    /// channels cover Cout; row threads Ty filling <paramref name="maxThreads"/>, up to
    /// <see cref="MaxRowThreads"/>; then half the rows at a time, down to a warp, while the blocks
    /// would not give each multiprocessor two groups.
    /// </summary>
    internal static (int Tx, int Ty) Shape(int rows, int outChannels, int maxThreads, int multiprocessors, int warp)
    {
        int tx = 1;
        while (tx < 16 && PerThread * tx < outChannels && 2 * tx <= maxThreads) tx *= 2;
        int ty = Math.Clamp(maxThreads / tx, 1, MaxRowThreads);
        while (ty > 1 && tx * ty / 2 >= warp && Blocks(rows, outChannels, tx, ty) < 2L * multiprocessors) ty /= 2;
        return (tx, ty);
    }

    /// <summary>
    /// Row threads at most: blocks of 256 rows, whose slices and row table take at most 20 KB of
    /// shared memory (a 4-channel layer's 1 x 256 groups would take 78 KB: CUDA launches with more
    /// than 48 KB only after an opt-in, and ILGPU's CPU accelerator, which the tests run on, has no such limit).
    /// </summary>
    public const int MaxRowThreads = 64;

    /// <summary>The dynamic shared memory a group of <paramref name="tx"/> x <paramref name="ty"/> threads takes.</summary>
    internal static int SharedBytes(int tx, int ty, TileLayout layout = TileLayout.Strided) =>
        sizeof(float) * (DepthSlice * (PatchStride(layout, ty) + PerThread * tx) + 3 * PerThread * ty);

    static int PatchStride(TileLayout layout, int ty) =>
        layout == TileLayout.Contiguous ? default(ContiguousTiles).PatchStride(ty) : default(StridedTiles).PatchStride(ty);

    static long Blocks(int rows, int outChannels, int tx, int ty) =>
        (long)((rows + PerThread * ty - 1) / (PerThread * ty)) * ((outChannels + PerThread * tx - 1) / (PerThread * tx));

    /// <summary>
    /// Row blocks along the grid's x, channel blocks along y: CUDA allows 2^31-1 groups in x but
    /// only 65,535 in y, and rows reach millions (BlazeFace's 128x128 maps at batch 256). ILGPU's
    /// CPU accelerator has the same limits, but no test launched that many rows.
    /// </summary>
    internal static KernelConfig Configure(int tx, int ty, int rows, int outChannels, TileLayout layout = TileLayout.Strided)
    {
        int rowBlock = PerThread * ty, channelBlock = PerThread * tx;
        return new KernelConfig(
            new Index2D((rows + rowBlock - 1) / rowBlock, (outChannels + channelBlock - 1) / channelBlock),
            new Index2D(tx, ty),
            // The two slices, then each row's input offset and window corner (ints, in float slots): SharedBytes.
            SharedMemoryConfig.RequestDynamic<float>(SharedBytes(tx, ty, layout) / sizeof(float)));
    }

    static void Execute<TLayout>(ArrayView<float> input, ArrayView<float> weights, ArrayView<float> bias, ArrayView<float> output, WindowGeometry g, int rows, int relu)
        where TLayout : struct, ITileLayout
    {
        var layout = default(TLayout);
        int tx = Group.IdxX, ty = Group.IdxY, cx = Group.DimX, ry = Group.DimY;
        int threads = cx * ry, me = ty * cx + tx;
        int rowBlock = PerThread * ry, channelBlock = PerThread * cx;
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

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
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
            {
                var a = layout.Read(patches.SubView(k * patchStride, rowBlock), ty, ry);
                var b = layout.Read(filters.SubView(k * channelBlock, channelBlock), tx, cx);
                c00 += a.X * b.X; c01 += a.X * b.Y; c02 += a.X * b.Z; c03 += a.X * b.W;
                c10 += a.Y * b.X; c11 += a.Y * b.Y; c12 += a.Y * b.Z; c13 += a.Y * b.W;
                c20 += a.Z * b.X; c21 += a.Z * b.Y; c22 += a.Z * b.Z; c23 += a.Z * b.W;
                c30 += a.W * b.X; c31 += a.W * b.Y; c32 += a.W * b.Z; c33 += a.W * b.W;
            }
            Group.Barrier();
        }
        Store<TLayout>(output, bias, rows, cout, relu, firstRow + layout.Of(ty, ry, 0), firstChannel, tx, cx, c00, c01, c02, c03);
        Store<TLayout>(output, bias, rows, cout, relu, firstRow + layout.Of(ty, ry, 1), firstChannel, tx, cx, c10, c11, c12, c13);
        Store<TLayout>(output, bias, rows, cout, relu, firstRow + layout.Of(ty, ry, 2), firstChannel, tx, cx, c20, c21, c22, c23);
        Store<TLayout>(output, bias, rows, cout, relu, firstRow + layout.Of(ty, ry, 3), firstChannel, tx, cx, c30, c31, c32, c33);
    }

    /// <summary>One row's four outputs (the thread's four channels of the block) with bias and ReLU, those inside the output.</summary>
    static void Store<TLayout>(ArrayView<float> output, ArrayView<float> bias, int rows, int cout, int relu, int row, int firstChannel, int tx, int cx,
        float v0, float v1, float v2, float v3) where TLayout : struct, ITileLayout
    {
        if (row >= rows) return;
        var layout = default(TLayout);
        long at = (long)row * cout;
        Put(output, bias, cout, relu, at, firstChannel + layout.Of(tx, cx, 0), v0);
        Put(output, bias, cout, relu, at, firstChannel + layout.Of(tx, cx, 1), v1);
        Put(output, bias, cout, relu, at, firstChannel + layout.Of(tx, cx, 2), v2);
        Put(output, bias, cout, relu, at, firstChannel + layout.Of(tx, cx, 3), v3);
    }

    static void Put(ArrayView<float> output, ArrayView<float> bias, int cout, int relu, long at, int channel, float sum)
    {
        if (channel >= cout) return;
        sum += bias[channel];
        output[at + channel] = relu != 0 && sum < 0f ? 0f : sum;
    }
}
