using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using VideoAffect.Inference;
using VideoAffect.Kernels;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Support.ReferenceOps;

namespace VideoAffect.Tests;

/// <summary>
/// The tiled implicit-GEMM convolution kernel, launched directly on ILGPU's CPU accelerator against
/// the float64 reference: 1x1 and larger windows, SAME and VALID padding, stride 1 and 2, partial
/// blocks on every side (rows, channels and the patch depth), batches 1 to 7. Its groups are sized
/// from the accelerator, so it runs on the CPU accelerator in three shapes: the default (4x4
/// groups), NVIDIA's (16x16, as on a GPU) and Intel's (8x8), each in every layout of a thread's
/// outputs (4 x 4 strided and contiguous, 8 x 8 wide). GPU backends use it for every convolution and dense layer.
/// </summary>
[Collection(Support.KernelSimulationCollection.Name)]
public class ConvGemmKernelTests
{
    static readonly (int H, int W, int Cin, int Cout, int K, int Stride, bool Same, bool Relu, int Batch)[] Shapes =
    [
        (5, 7, 37, 19, 1, 1, true, true, 3),
        (9, 9, 21, 11, 1, 2, true, false, 2),
        (3, 4, 4, 4, 1, 1, true, true, 1),
        (6, 5, 64, 128, 1, 1, true, false, 3),    // 90 rows: two row blocks of 16x16 groups, the second partial
        (1, 1, 105, 13, 1, 1, true, true, 7),     // a dense layer: GPU backends run it with this kernel
        (11, 9, 3, 70, 3, 1, true, true, 2),      // 3x3 SAME: the padding gathered as zeros; 70 channels, two partial blocks
        (10, 13, 5, 9, 3, 2, false, false, 3),    // 3x3 VALID, stride 2
        (8, 8, 17, 6, 5, 2, true, true, 1),       // 5x5 SAME, stride 2, odd padding
    ];

    /// <summary>The CPU device's shape, and the tile the kernel must choose on it.</summary>
    /// <summary>(device, its tile, the shape's index in <see cref="Shapes"/>).</summary>
    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var (device, tile) in new[] { ("default", 4), ("nvidia", 16), ("intel", 8) })
            for (int shape = 0; shape < Shapes.Length; shape++)
                data.Add(device, tile, shape);
        return data;
    }

    static Accelerator Create(string device) => device switch
    {
        "default" => IlgpuRuntime.CreateCpuAccelerator(),
        "nvidia" => IlgpuRuntime.CreateGpuShapedCpuAccelerator(),
        _ => IlgpuRuntime.CreateCpuAccelerator(maxGroupSize: 128), // as ILGPU's Intel-shaped CPU device
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tiled_convolution_matches_float64_reference(string device, int tile, int shape)
    {
        var (h, w, cin, cout, k, stride, same, relu, batch) = Shapes[shape];
        var rnd = new RandomData();
        var weights = rnd.Floats(k * k * cin * cout, 0.5f);
        var bias = rnd.Floats(cout);
        var input = rnd.Floats(batch * h * w * cin);
        var g = new WindowGeometry(h, w, cin, cout, k, k, stride, stride, same ? Padding.Same : Padding.Valid);

        using var accelerator = Create(device);
        using var inBuffer = accelerator.Allocate1D(input);
        using var wBuffer = accelerator.Allocate1D(weights);
        using var bBuffer = accelerator.Allocate1D(bias);
        using var outBuffer = accelerator.Allocate1D<float>(batch * g.OutputSize);
        var kernel = new ConvGemmKernel(accelerator);
        Assert.Equal(tile, kernel.Tile);
        var expected = Conv2D(new Tensor(input.Select(v => (double)v).ToArray(), batch, h, w, cin), weights, bias, k, k, cout, stride, same, relu);
        // The launch's own choice of group, the largest square one, and narrow ones of as many threads
        // (2 and 1 channel threads: blocks of 8 and 4 channels, many rows), and one of 6 threads, not a
        // multiple of the slice depth: a thread's k then changes from one staged element to the next.
        // Every layout of a thread's outputs (4 x 4 strided, 4 x 4 contiguous read 16 bytes at a time, 8 x 8 wide).
        foreach (var layout in Enum.GetValues<TileLayout>())
            foreach (var group in new (int Tx, int Ty)?[] { null, (tile, tile), (2, tile * tile / 2), (1, tile * tile), (1, 6) })
            {
                outBuffer.MemSetToZero();
                kernel.Launch(accelerator.DefaultStream, batch, inBuffer.View, wBuffer.View, bBuffer.View, outBuffer.View, g, relu, group, layout);
                accelerator.Synchronize();
                double error = RelativeError(outBuffer.GetAsArray1D(), expected.Data);
                Assert.True(error <= 1e-4, $"{device} ({group?.ToString() ?? "its own"} groups, {layout}): tiled {k}x{k} conv {h}x{w}x{cin}->{cout} s{stride} {(same ? "SAME" : "VALID")}: relative error {error:E2} (seed {rnd.Seed})");
            }
    }

    /// <summary>
    /// The group shapes a GPU (256 threads, warps of 32, 132 multiprocessors as the H200's) gets for the
    /// emotion network's layers: channels fitted to Cout, and fewer rows per group where blocks are few.
    /// </summary>
    [Theory]
    [InlineData(1024 * 29 * 29, 64, 16, 16)]   // batch 1,024, 64 channels: square, full groups
    [InlineData(1024 * 8 * 8, 7, 2, 32)]       // 7 channels: blocks of 8 channels; 128 rows, so 512 blocks
    [InlineData(4096 * 29 * 29, 3, 1, 64)]     // 3 channels: blocks of 4 channels and 256 rows (not 1,024: shared memory)
    [InlineData(29 * 29, 64, 16, 2)]           // batch 1: one warp per group, 106 blocks
    [InlineData(1, 7, 2, 16)]                  // a single face's dense layer: the smallest group, a warp
    public void Groups_fit_the_layer_and_fill_the_GPU(int rows, int outChannels, int tx, int ty) =>
        Assert.Equal((tx, ty), ConvGemmKernel.Shape(rows, outChannels, 256, 132, 32));

    /// <summary>
    /// Every group the rule can choose on a GPU fits CUDA's 48 KB of shared memory per group without
    /// an opt-in (ILGPU's CPU accelerator, where the kernel is tested, has no such limit), and is whole
    /// warps: any channel count, from one row to millions.
    /// </summary>
    [Fact]
    public void Every_group_fits_a_GPUs_shared_memory()
    {
        foreach (var layout in Enum.GetValues<TileLayout>())
            foreach (int rows in new[] { 1, 100, 841, 65_536, 861_184, 4_194_304 })
                for (int cout = 1; cout <= 300; cout++)
                {
                    var (tx, ty) = ConvGemmKernel.Shape(rows, cout, 256, 132, 32, layout);
                    Assert.True(ConvGemmKernel.SharedBytes(tx, ty, layout) <= 48 * 1024, $"{rows} rows, {cout} channels: {tx}x{ty} groups take {ConvGemmKernel.SharedBytes(tx, ty, layout)} bytes ({layout})");
                    Assert.True(tx * ty % 32 == 0, $"{rows} rows, {cout} channels: {tx}x{ty} groups are not whole warps ({layout})");
                }
    }

    /// <summary>
    /// CUDA's limits on a launch's groups (the programming guide's table of compute capabilities):
    /// 2^31-1 along x, 65,535 along y and z. ILGPU's CPU accelerator has the same, but launching
    /// these sizes there would take hours; these are the sizes the GPU kit and BlazeFace batches reach.
    /// </summary>
    [Theory]
    [InlineData(4096 * 48 * 48, 64)]   // the emotion network's first 1x1 layers at the kit's largest batch
    [InlineData(256 * 128 * 128, 96)]  // BlazeFace's 128x128 maps, batch 256
    [InlineData(1, 100_000)]           // a wide dense layer
    public void Launch_stays_within_CUDA_grid_limits(int rows, int outChannels)
    {
        foreach (var layout in Enum.GetValues<TileLayout>())
        {
            var (tx, ty) = ConvGemmKernel.Shape(rows, outChannels, 256, 132, 32, layout); // a GPU's groups
            var config = ConvGemmKernel.Configure(tx, ty, rows, outChannels, layout);
            Assert.InRange(config.GridDim.X, 1, int.MaxValue);
            Assert.InRange(config.GridDim.Y, 1, 65_535);
            Assert.InRange(config.GridDim.Z, 1, 65_535);
            int side = ConvGemmKernel.Side(layout);
            Assert.True((long)config.GridDim.X * ty * side >= rows && (long)config.GridDim.Y * tx * side >= outChannels,
                $"the grid must cover every row and channel ({layout})");
        }
    }
}
