using ILGPU;

// A deliberate warp-level operation for WarpOperationsTests' own check: its scan must find this.
namespace VideoAffect.Tests.Architecture.Fixture.Warps
{
    static class ShuffledKernel
    {
        public static void Kernel(Index1D index, ArrayView<int> data) => data[index] = Warp.Shuffle(data[index], 0);
    }
}
