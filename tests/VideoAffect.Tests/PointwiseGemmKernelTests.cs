using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using VideoAffect.Inference;
using VideoAffect.Kernels;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Support.ReferenceOps;

namespace VideoAffect.Tests;

/// <summary>
/// The shared-memory tiled GEMM kernel for 1x1 convolutions, launched directly on ILGPU's CPU
/// accelerator against the float64 reference: partial tiles on every side, stride 1 and 2, batches
/// 1 to 7. Its groups are sized from the accelerator, so it runs on the CPU accelerator in three
/// shapes: the default (4x4 groups), NVIDIA's (16x16, as on a GPU) and Intel's (8x8). GPU backends
/// use it for every 1x1 convolution and dense layer.
/// </summary>
public class PointwiseGemmKernelTests
{
    static readonly (int H, int W, int Cin, int Cout, int Stride, bool Relu, int Batch)[] Shapes =
    [
        (5, 7, 37, 19, 1, true, 3),
        (9, 9, 21, 11, 2, false, 2),
        (3, 4, 4, 4, 1, true, 1),
        (6, 5, 64, 128, 1, false, 5),
        (1, 1, 105, 13, 1, true, 7),     // a dense layer: GPU backends run it with this kernel
    ];

    /// <summary>The CPU device's shape, and the tile the kernel must choose on it.</summary>
    public static TheoryData<string, int, int, int, int, int, int, bool, int> Cases()
    {
        var data = new TheoryData<string, int, int, int, int, int, int, bool, int>();
        foreach (var (device, tile) in new[] { ("default", 4), ("nvidia", 16), ("intel", 8) })
            foreach (var c in Shapes)
                data.Add(device, tile, c.H, c.W, c.Cin, c.Cout, c.Stride, c.Relu, c.Batch);
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
    public void Tiled_pointwise_convolution_matches_float64_reference(string device, int tile, int h, int w, int cin, int cout, int stride, bool relu, int batch)
    {
        var rnd = new RandomData();
        var weights = rnd.Floats(cin * cout, 0.5f);
        var bias = rnd.Floats(cout);
        var input = rnd.Floats(batch * h * w * cin);
        var g = new WindowGeometry(h, w, cin, cout, 1, 1, stride, stride, Padding.Same);
        Assert.True(PointwiseConvGemmKernel.Handles(g));

        using var accelerator = Create(device);
        using var inBuffer = accelerator.Allocate1D(input);
        using var wBuffer = accelerator.Allocate1D(weights);
        using var bBuffer = accelerator.Allocate1D(bias);
        using var outBuffer = accelerator.Allocate1D<float>(batch * g.OutputSize);
        var kernel = new PointwiseConvGemmKernel(accelerator);
        Assert.Equal(tile, kernel.Tile);
        kernel.Launch(accelerator.DefaultStream, batch, inBuffer.View, wBuffer.View, bBuffer.View, outBuffer.View, g, relu);
        accelerator.Synchronize();

        var expected = Conv2D(new Tensor(input.Select(v => (double)v).ToArray(), batch, h, w, cin), weights, bias, 1, 1, cout, stride, true, relu);
        double error = RelativeError(outBuffer.GetAsArray1D(), expected.Data);
        Assert.True(error <= 1e-4, $"{device} ({tile}x{tile} groups): tiled 1x1 conv {h}x{w}x{cin}->{cout} s{stride}: relative error {error:E2} (seed {rnd.Seed})");
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
        const int tile = 16; // the GPU tile
        var config = PointwiseConvGemmKernel.Configure(tile, rows, outChannels);
        Assert.InRange(config.GridDim.X, 1, int.MaxValue);
        Assert.InRange(config.GridDim.Y, 1, 65_535);
        Assert.InRange(config.GridDim.Z, 1, 65_535);
        Assert.True((long)config.GridDim.X * tile >= rows && (long)config.GridDim.Y * tile >= outChannels, "the grid must cover every row and channel");
    }
}
