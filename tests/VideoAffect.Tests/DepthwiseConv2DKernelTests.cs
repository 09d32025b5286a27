using ILGPU;
using ILGPU.Runtime;
using VideoAffect.Inference;
using VideoAffect.Kernels;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Support.ReferenceOps;

namespace VideoAffect.Tests;

/// <summary>
/// The depthwise kernel, launched directly on ILGPU's CPU accelerator (default and GPU-shaped)
/// against the float64 reference, by each tactic a layer may take: one channel a thread, and four
/// (16-byte loads and stores) where C is a multiple of 4; 3x3 and 5x5 windows, SAME and VALID,
/// strides 1 and 2, widths that end a thread's run of four early, ReLU, batches 1 to 3.
/// </summary>
[Collection(Support.KernelSimulationCollection.Name)]
public class DepthwiseConv2DKernelTests
{
    static readonly (int H, int W, int C, int K, int Stride, bool Same, bool Relu, int Batch)[] Shapes =
    [
        (7, 9, 8, 3, 1, true, true, 2),     // width 9: the last run has one output
        (8, 6, 12, 3, 2, true, false, 3),   // stride 2: a run's inputs two columns apart
        (5, 11, 4, 5, 1, false, true, 1),   // 5x5 VALID
        (6, 7, 6, 3, 1, true, true, 2),     // C = 6: one channel a thread only
        (9, 5, 24, 5, 2, true, false, 1),   // BlazeFace's channel count, 5x5 stride 2
    ];

    public static TheoryData<bool, int> Cases()
    {
        var data = new TheoryData<bool, int>();
        foreach (bool gpuShaped in new[] { false, true })
            for (int shape = 0; shape < Shapes.Length; shape++)
                data.Add(gpuShaped, shape);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_tactic_matches_the_float64_reference(bool gpuShaped, int shape)
    {
        var (h, w, c, k, stride, same, relu, batch) = Shapes[shape];
        var rnd = new RandomData();
        var weights = rnd.Floats(k * k * c, 0.5f);
        var bias = rnd.Floats(c);
        var input = rnd.Floats(batch * h * w * c);
        var g = new WindowGeometry(h, w, c, c, k, k, stride, stride, same ? Padding.Same : Padding.Valid);
        var expected = Depthwise(new Tensor(input.Select(v => (double)v).ToArray(), batch, h, w, c), weights, bias, k, k, stride, same, relu);

        using var accelerator = gpuShaped ? IlgpuRuntime.CreateGpuShapedCpuAccelerator() : IlgpuRuntime.CreateCpuAccelerator();
        using var inBuffer = accelerator.Allocate1D(input);
        using var wBuffer = accelerator.Allocate1D(weights);
        using var bBuffer = accelerator.Allocate1D(bias);
        using var outBuffer = accelerator.Allocate1D<float>(batch * g.OutputSize);
        var kernel = new DepthwiseConv2DKernel(accelerator);
        var tactics = DepthwiseConv2DKernel.Tactics(g);
        Assert.Equal(c % 4 == 0 ? 2 : 1, tactics.Count);
        foreach (var tactic in tactics)
        {
            outBuffer.MemSetToZero();
            kernel.Launch(accelerator.DefaultStream, batch, inBuffer.View, wBuffer.View, bBuffer.View, outBuffer.View, g, relu, tactic == DepthwiseTactic.FourChannels);
            accelerator.Synchronize();
            double error = RelativeError(outBuffer.GetAsArray1D(), expected.Data);
            Assert.True(error <= 1e-5, $"{tactic}: {k}x{k} depthwise {h}x{w}x{c} s{stride} {(same ? "SAME" : "VALID")}: relative error {error:E2} (seed {rnd.Seed})");
        }
        if (c % 4 != 0)
            Assert.Throws<ArgumentException>(() => kernel.Launch(accelerator.DefaultStream, batch, inBuffer.View, wBuffer.View, bBuffer.View, outBuffer.View, g, relu, fourChannels: true));
    }
}
