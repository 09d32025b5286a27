using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ILGPU;

namespace VideoAffect.Kernels;

/// <summary>How many outputs a thread of <see cref="ConvGemmKernel"/> keeps, and where they lie within its group's block.</summary>
internal enum TileLayout
{
    /// <summary><see cref="StridedTiles"/>: 4 x 4 outputs, a thread's rows (and channels) a group's side apart.</summary>
    Strided,
    /// <summary><see cref="ContiguousTiles"/>: 4 x 4 outputs, a thread's rows (and channels) side by side, read 16 bytes at a time.</summary>
    Contiguous,
    /// <summary><see cref="WideTiles"/>: 8 x 8 outputs, two runs of four side by side per side, half a block apart.</summary>
    Wide,
}

/// <summary>Four floats read or kept together: one 16-byte load where the layout allows it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Quad
{
    public float X, Y, Z, W;

    /// <summary><paramref name="sums"/> + <paramref name="a"/> x <paramref name="b"/>, lane by lane: one row's products with four channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Quad MultiplyAdd(Quad sums, float a, Quad b) => new()
    {
        X = sums.X + a * b.X, Y = sums.Y + a * b.Y, Z = sums.Z + a * b.Z, W = sums.W + a * b.W,
    };
}

/// <summary>A 4 x 4 thread's sums: row i's four channels in <c>Ri</c>.</summary>
internal struct Sums4x4
{
    public Quad R0, R1, R2, R3;
}

/// <summary>An 8 x 8 thread's sums: row i's first four channels in <c>Ri</c>, its last four in <c>Si</c>.</summary>
internal struct Sums8x8
{
    public Quad R0, R1, R2, R3, R4, R5, R6, R7;
    public Quad S0, S1, S2, S3, S4, S5, S6, S7;
}

/// <summary>Where a block's sums go: with the bias added, ReLU'd if asked, those inside the output.</summary>
internal struct TileOutput
{
    public ArrayView<float> Output, Bias;
    public int Rows, OutChannels, Relu;

    /// <summary>Row <paramref name="row"/>'s four sums for channels <paramref name="channel"/> + j x <paramref name="step"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Put(TileOutput o, int row, int channel, int step, Quad sums)
    {
        if (row >= o.Rows) return;
        long at = (long)row * o.OutChannels;
        One(o, at, channel, sums.X);
        One(o, at, channel + step, sums.Y);
        One(o, at, channel + 2 * step, sums.Z);
        One(o, at, channel + 3 * step, sums.W);
    }

    static void One(TileOutput o, long at, int channel, float sum)
    {
        if (channel >= o.OutChannels) return;
        sum += o.Bias[channel];
        o.Output[at + channel] = o.Relu != 0 && sum < 0f ? 0f : sum;
    }
}

/// <summary>
/// A thread's tile of outputs: how many (<see cref="Side"/> x <see cref="Side"/>), where its rows
/// (and, the same way, its channels) lie among the block's, how it reads its values of one staged k
/// from shared memory and multiplies them, and how it writes its sums. The tiled GEMM kernel takes
/// it as a type parameter (with its sums' type), so each layout is compiled into its own kernel
/// with no branch in the loop.
/// </summary>
internal interface ITileLayout<TSums> where TSums : struct
{
    /// <summary>A thread's outputs along each side of its tile.</summary>
    int Side { get; }

    /// <summary>
    /// The length of each staged k's row of patches for <paramref name="rowThreads"/> row threads:
    /// longer than the block's Side x rowThreads rows, so that the threads storing one row's k's
    /// write different banks; a multiple of 4 where the layout reads 16 bytes at a time.
    /// </summary>
    int PatchStride(int rowThreads);

    /// <summary>
    /// The sums after one staged k: the thread's rows of <paramref name="patches"/> (Side x ry values)
    /// times its channels of <paramref name="filters"/> (Side x cx values).
    /// </summary>
    TSums MultiplyAdd(TSums sums, ArrayView<float> patches, ArrayView<float> filters, int ty, int ry, int tx, int cx);

    /// <summary>The thread's sums written to the block that starts at <paramref name="firstRow"/>, <paramref name="firstChannel"/>.</summary>
    void Store(TileOutput output, TSums sums, int firstRow, int firstChannel, int ty, int ry, int tx, int cx);
}

/// <summary>
/// 4 x 4 outputs, rows (channels) <c>t, t + n, t + 2n, t + 3n</c> for thread t of n: a warp's
/// threads read consecutive words of each row, so four plain loads per side per k without bank
/// conflicts. Measured on the H200 (run 3: 11 % of its fp32 peak in the 1x1 layers).
/// </summary>
internal readonly struct StridedTiles : ITileLayout<Sums4x4>
{
    public int Side => 4;

    public int PatchStride(int rowThreads) => 4 * rowThreads + 1;

    public Sums4x4 MultiplyAdd(Sums4x4 s, ArrayView<float> patches, ArrayView<float> filters, int ty, int ry, int tx, int cx)
    {
        var b = new Quad { X = filters[tx], Y = filters[tx + cx], Z = filters[tx + 2 * cx], W = filters[tx + 3 * cx] };
        return new Sums4x4
        {
            R0 = Quad.MultiplyAdd(s.R0, patches[ty], b),
            R1 = Quad.MultiplyAdd(s.R1, patches[ty + ry], b),
            R2 = Quad.MultiplyAdd(s.R2, patches[ty + 2 * ry], b),
            R3 = Quad.MultiplyAdd(s.R3, patches[ty + 3 * ry], b),
        };
    }

    public void Store(TileOutput o, Sums4x4 s, int firstRow, int firstChannel, int ty, int ry, int tx, int cx)
    {
        int row = firstRow + ty, channel = firstChannel + tx;
        TileOutput.Put(o, row, channel, cx, s.R0);
        TileOutput.Put(o, row + ry, channel, cx, s.R1);
        TileOutput.Put(o, row + 2 * ry, channel, cx, s.R2);
        TileOutput.Put(o, row + 3 * ry, channel, cx, s.R3);
    }
}

/// <summary>
/// 4 x 4 outputs, rows (channels) <c>4t to 4t + 3</c>: one 16-byte read per side per k (the four
/// words are adjacent and 16-byte aligned: the rows of the slice are padded by 4), where the
/// strided layout issues four loads with their own address arithmetic (ILGPU's PTX for the strided
/// kernel: about 33 integer instructions per k beside 16 multiply-adds). Threads of one row read
/// the same words (a broadcast), and a warp's channel reads cover consecutive 16-byte words. Not
/// yet measured on a GPU.
/// </summary>
internal readonly struct ContiguousTiles : ITileLayout<Sums4x4>
{
    public int Side => 4;

    // A multiple of 4 written as one (not 4 x rowThreads + 4): ILGPU issues a 16-byte load only
    // where it sees the offset is one, and it does not see it through the sum (its PTX then had four loads).
    public int PatchStride(int rowThreads) => 4 * (rowThreads + 1);

    public Sums4x4 MultiplyAdd(Sums4x4 s, ArrayView<float> patches, ArrayView<float> filters, int ty, int ry, int tx, int cx)
    {
        var a = patches.Cast<Quad>()[ty];
        var b = filters.Cast<Quad>()[tx];
        return new Sums4x4
        {
            R0 = Quad.MultiplyAdd(s.R0, a.X, b),
            R1 = Quad.MultiplyAdd(s.R1, a.Y, b),
            R2 = Quad.MultiplyAdd(s.R2, a.Z, b),
            R3 = Quad.MultiplyAdd(s.R3, a.W, b),
        };
    }

    public void Store(TileOutput o, Sums4x4 s, int firstRow, int firstChannel, int ty, int ry, int tx, int cx)
    {
        int row = firstRow + 4 * ty, channel = firstChannel + 4 * tx;
        TileOutput.Put(o, row, channel, 1, s.R0);
        TileOutput.Put(o, row + 1, channel, 1, s.R1);
        TileOutput.Put(o, row + 2, channel, 1, s.R2);
        TileOutput.Put(o, row + 3, channel, 1, s.R3);
    }
}

/// <summary>
/// 8 x 8 outputs: rows (channels) <c>4t to 4t + 3</c> and the same four half a block further,
/// <c>4(t + n) to 4(t + n) + 3</c>, each run read as one 16-byte word. Four 16-byte reads feed 64
/// multiply-adds per k (the 4 x 4 layouts: two or eight reads for 16), and a group stages twice
/// the rows and channels for the same threads, so each global load feeds twice the products: the
/// register tile of the SGEMMs that reach half a GPU's fp32 peak. The two runs half a block apart
/// (not eight side by side) keep a quarter warp's 16-byte reads of a row on distinct banks. Takes
/// more registers a thread than the 4 x 4 layouts (64 sums and 16 operands; ptxas's count is in
/// the GPU kit's ptxas.txt); not yet measured on a GPU.
/// </summary>
internal readonly struct WideTiles : ITileLayout<Sums8x8>
{
    public int Side => 8;

    // 8 x rowThreads rows padded by 4, written as a multiple of 4 (see ContiguousTiles).
    public int PatchStride(int rowThreads) => 4 * (2 * rowThreads + 1);

    public Sums8x8 MultiplyAdd(Sums8x8 s, ArrayView<float> patches, ArrayView<float> filters, int ty, int ry, int tx, int cx)
    {
        var rows = patches.Cast<Quad>();
        var channels = filters.Cast<Quad>();
        Quad a = rows[ty], a2 = rows[ty + ry], b = channels[tx], b2 = channels[tx + cx];
        return new Sums8x8
        {
            R0 = Quad.MultiplyAdd(s.R0, a.X, b), S0 = Quad.MultiplyAdd(s.S0, a.X, b2),
            R1 = Quad.MultiplyAdd(s.R1, a.Y, b), S1 = Quad.MultiplyAdd(s.S1, a.Y, b2),
            R2 = Quad.MultiplyAdd(s.R2, a.Z, b), S2 = Quad.MultiplyAdd(s.S2, a.Z, b2),
            R3 = Quad.MultiplyAdd(s.R3, a.W, b), S3 = Quad.MultiplyAdd(s.S3, a.W, b2),
            R4 = Quad.MultiplyAdd(s.R4, a2.X, b), S4 = Quad.MultiplyAdd(s.S4, a2.X, b2),
            R5 = Quad.MultiplyAdd(s.R5, a2.Y, b), S5 = Quad.MultiplyAdd(s.S5, a2.Y, b2),
            R6 = Quad.MultiplyAdd(s.R6, a2.Z, b), S6 = Quad.MultiplyAdd(s.S6, a2.Z, b2),
            R7 = Quad.MultiplyAdd(s.R7, a2.W, b), S7 = Quad.MultiplyAdd(s.S7, a2.W, b2),
        };
    }

    public void Store(TileOutput o, Sums8x8 s, int firstRow, int firstChannel, int ty, int ry, int tx, int cx)
    {
        int row = firstRow + 4 * ty, row2 = firstRow + 4 * (ty + ry);
        int channel = firstChannel + 4 * tx, channel2 = firstChannel + 4 * (tx + cx);
        TileOutput.Put(o, row, channel, 1, s.R0); TileOutput.Put(o, row, channel2, 1, s.S0);
        TileOutput.Put(o, row + 1, channel, 1, s.R1); TileOutput.Put(o, row + 1, channel2, 1, s.S1);
        TileOutput.Put(o, row + 2, channel, 1, s.R2); TileOutput.Put(o, row + 2, channel2, 1, s.S2);
        TileOutput.Put(o, row + 3, channel, 1, s.R3); TileOutput.Put(o, row + 3, channel2, 1, s.S3);
        TileOutput.Put(o, row2, channel, 1, s.R4); TileOutput.Put(o, row2, channel2, 1, s.S4);
        TileOutput.Put(o, row2 + 1, channel, 1, s.R5); TileOutput.Put(o, row2 + 1, channel2, 1, s.S5);
        TileOutput.Put(o, row2 + 2, channel, 1, s.R6); TileOutput.Put(o, row2 + 2, channel2, 1, s.S6);
        TileOutput.Put(o, row2 + 3, channel, 1, s.R7); TileOutput.Put(o, row2 + 3, channel2, 1, s.S7);
    }
}
