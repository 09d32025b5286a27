using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// 1x1 convolution (any stride) as a tiled GEMM: output [pixels, Cout] = input rows [pixels, Cin]
/// x weights [Cin, Cout] (HWIO with kh = kw = 1 is exactly that matrix), plus bias and optional ReLU.
/// Each T x T group stages a tile of input rows and a tile of weights in shared memory, then every
/// thread accumulates its output from the tiles, so each global value is read once per tile
/// instead of once per output. T is the largest power of two with T*T threads that the
/// accelerator runs in one group (4 on ILGPU's CPU accelerator, 16 on a GPU).
/// </summary>
internal sealed class PointwiseConvGemmKernel
{
    readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int, int> _kernel;
    readonly int _tile;

    public PointwiseConvGemmKernel(Accelerator accelerator)
    {
        _tile = 1;
        while (_tile < 16 && (2 * _tile) * (2 * _tile) <= accelerator.MaxNumThreadsPerGroup) _tile *= 2;
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int, int>(Execute);
    }

    /// <summary>The side of the square groups this accelerator gets.</summary>
    internal int Tile => _tile;

    public static bool Handles(in WindowGeometry g) => g.KernelHeight == 1 && g.KernelWidth == 1 && g.PadTop == 0 && g.PadLeft == 0;

    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> weights,
        ArrayView<float> bias, ArrayView<float> output, in WindowGeometry g, bool relu)
    {
        int rows = batch * g.OutHeight * g.OutWidth;
        _kernel(stream, Configure(_tile, rows, g.OutChannels), input, weights, bias, output, g, rows, relu ? 1 : 0);
    }

    /// <summary>
    /// Row tiles along the grid's x, channel tiles along y: CUDA allows 2^31-1 groups in x but only
    /// 65,535 in y, and rows reach millions (BlazeFace's 128x128 maps at batch 64 are 65,536 tiles of
    /// 16 rows). ILGPU's CPU accelerator has the same limits, but no test launched that many rows.
    /// </summary>
    internal static KernelConfig Configure(int tile, int rows, int outChannels) => new(
        new Index2D((rows + tile - 1) / tile, (outChannels + tile - 1) / tile),
        new Index2D(tile, tile),
        SharedMemoryConfig.RequestDynamic<float>(2 * tile * tile));

    static void Execute(ArrayView<float> input, ArrayView<float> weights, ArrayView<float> bias, ArrayView<float> output, WindowGeometry g, int rows, int relu)
    {
        int tile = Group.DimX;
        var shared = SharedMemory.GetDynamic<float>();
        var inputTile = shared.SubView(0, tile * tile);
        var weightTile = shared.SubView(tile * tile, tile * tile);
        int tx = Group.IdxX, ty = Group.IdxY;
        int column = Grid.IdxY * tile + tx;            // output channel
        int row = Grid.IdxX * tile + ty;               // output pixel (batch-major)
        int pixels = g.OutHeight * g.OutWidth;
        int inputRow = 0;
        if (row < rows)
        {
            // Strided 1x1: output pixel (oy, ox) reads input pixel (oy*sy, ox*sx).
            int n = row / pixels, p = row % pixels;
            inputRow = n * g.InHeight * g.InWidth + (p / g.OutWidth) * g.StrideY * g.InWidth + (p % g.OutWidth) * g.StrideX;
        }
        float sum = 0f;
        for (int k0 = 0; k0 < g.InChannels; k0 += tile)
        {
            inputTile[ty * tile + tx] = row < rows && k0 + tx < g.InChannels ? input[inputRow * g.InChannels + k0 + tx] : 0f;
            weightTile[ty * tile + tx] = k0 + ty < g.InChannels && column < g.OutChannels ? weights[(k0 + ty) * g.OutChannels + column] : 0f;
            Group.Barrier();
            for (int k = 0; k < tile; k++)
                sum += inputTile[ty * tile + k] * weightTile[k * tile + tx];
            Group.Barrier();
        }
        if (row < rows && column < g.OutChannels)
        {
            sum += bias[column];
            output[row * g.OutChannels + column] = relu != 0 && sum < 0f ? 0f : sum;
        }
    }
}
