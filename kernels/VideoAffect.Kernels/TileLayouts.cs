using System.Runtime.InteropServices;
using ILGPU;

namespace VideoAffect.Kernels;

/// <summary>Where a thread of <see cref="ConvGemmKernel"/> keeps its 4 x 4 outputs within its group's block.</summary>
internal enum TileLayout
{
    /// <summary><see cref="StridedTiles"/>: a thread's rows (and channels) a group's side apart.</summary>
    Strided,
    /// <summary><see cref="ContiguousTiles"/>: a thread's rows (and channels) side by side, read 16 bytes at a time.</summary>
    Contiguous,
}

/// <summary>Four floats read or kept together: one 16-byte load where the layout allows it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Quad
{
    public float X, Y, Z, W;
}

/// <summary>
/// How a thread's four rows (and, the same way, its four channels) lie among the block's, and how
/// the thread reads its four values of one staged k from shared memory. The tiled GEMM kernel takes
/// it as a type parameter, so each layout is compiled into its own kernel with no branch in the loop.
/// </summary>
internal interface ITileLayout
{
    /// <summary>
    /// The length of each staged k's row of patches for <paramref name="rowThreads"/> row threads:
    /// longer than the block's 4 x rowThreads rows, so that the threads storing one row's k's write
    /// different banks.
    /// </summary>
    int PatchStride(int rowThreads);

    /// <summary>The <paramref name="i"/>-th (0 to 3) of thread <paramref name="thread"/>'s rows or channels, with <paramref name="threads"/> threads along that side.</summary>
    int Of(int thread, int threads, int i);

    /// <summary>The thread's four values from one staged k's row (<paramref name="row"/>: 4 x threads values).</summary>
    Quad Read(ArrayView<float> row, int thread, int threads);
}

/// <summary>
/// Rows (channels) <c>t, t + n, t + 2n, t + 3n</c> for thread t of n: a warp's threads read
/// consecutive words of each row, so four plain loads per side per k without bank conflicts.
/// Measured on the H200 (run 3: 11 % of its fp32 peak in the 1x1 layers).
/// </summary>
internal readonly struct StridedTiles : ITileLayout
{
    public int PatchStride(int rowThreads) => 4 * rowThreads + 1;

    public int Of(int thread, int threads, int i) => thread + i * threads;

    public Quad Read(ArrayView<float> row, int thread, int threads) => new()
    {
        X = row[thread], Y = row[thread + threads], Z = row[thread + 2 * threads], W = row[thread + 3 * threads],
    };
}

/// <summary>
/// Rows (channels) <c>4t to 4t + 3</c>: one 16-byte read per side per k (the four words are
/// adjacent and 16-byte aligned: the rows of the slice are padded by 4), where the strided layout
/// issues four loads with their own address arithmetic (ILGPU's PTX for the strided kernel: about
/// 33 integer instructions per k beside 16 multiply-adds). Threads of one row read the same words
/// (a broadcast), and a warp's channel reads cover consecutive 16-byte words. Not yet measured on a GPU.
/// </summary>
internal readonly struct ContiguousTiles : ITileLayout
{
    // A multiple of 4 written as one (not 4 x rowThreads + 4): ILGPU issues a 16-byte load only
    // where it sees the offset is one, and it does not see it through the sum (its PTX then had four loads).
    public int PatchStride(int rowThreads) => 4 * (rowThreads + 1);

    public int Of(int thread, int threads, int i) => 4 * thread + i;

    public Quad Read(ArrayView<float> row, int thread, int threads) => row.Cast<Quad>()[thread];
}
