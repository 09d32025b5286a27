using ILGPU;
using ILGPU.Runtime;
using VideoAffect.Inference;
using VideoAffect.Kernels;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Support.ReferenceOps;

namespace VideoAffect.Tests;

/// <summary>
/// A GPU layer's choice of GEMM tile layout (<see cref="TunedConvGemm"/>), on ILGPU's GPU-shaped CPU
/// accelerator with a clock the test sets: the fastest layout is chosen, once per batch size class,
/// a layout that wins by less than the margin does not displace the default, and every launch's
/// outputs, the timed ones and the chosen one, are the float64 reference's.
/// </summary>
public class TunedConvGemmTests
{
    sealed class Clock(Dictionary<TileLayout, double> seconds)
    {
        public List<TileLayout> Timed { get; } = new();

        public double Time(TileLayout layout, AcceleratorStream stream, Action launch)
        {
            launch();
            stream.Synchronize();
            Timed.Add(layout);
            return seconds[layout];
        }
    }

    [Fact]
    public void The_fastest_layout_is_chosen_once_per_batch_class_and_gives_the_reference_outputs()
    {
        const int h = 6, w = 5, cin = 9, cout = 11, k = 3;
        var rnd = new RandomData();
        var weights = rnd.Floats(k * k * cin * cout, 0.5f);
        var bias = rnd.Floats(cout);
        var g = new WindowGeometry(h, w, cin, cout, k, k, 1, 1, Padding.Same);
        using var accelerator = IlgpuRuntime.CreateGpuShapedCpuAccelerator();
        using var wBuffer = accelerator.Allocate1D(weights);
        using var bBuffer = accelerator.Allocate1D(bias);
        var clock = new Clock(new() { [TileLayout.Strided] = 1.0, [TileLayout.Contiguous] = 0.9, [TileLayout.Wide] = 0.5 });
        var tuned = new TunedConvGemm(new ConvGemmKernel(accelerator), g, clock.Time);

        void Run(int batch)
        {
            var input = rnd.Floats(batch * h * w * cin);
            using var inBuffer = accelerator.Allocate1D(input);
            using var outBuffer = accelerator.Allocate1D<float>(batch * g.OutputSize);
            tuned.Launch(accelerator.DefaultStream, batch, inBuffer.View, wBuffer.View, bBuffer.View, outBuffer.View, relu: true);
            accelerator.Synchronize();
            var expected = Conv2D(new Tensor(input.Select(v => (double)v).ToArray(), batch, h, w, cin), weights, bias, k, k, cout, 1, true, true);
            double error = RelativeError(outBuffer.GetAsArray1D(), expected.Data);
            Assert.True(error <= 1e-4, $"batch {batch}: relative error {error:E2} (seed {rnd.Seed})");
        }

        Run(4);
        Assert.Equal(Enum.GetValues<TileLayout>(), clock.Timed);
        Run(3); // the same class (3 to 4): no timing
        Assert.Equal(3, clock.Timed.Count);
        Run(5); // the next class (5 to 8): timed again
        Assert.Equal(6, clock.Timed.Count);
        Assert.Equal([(4, TileLayout.Wide), (8, TileLayout.Wide)], tuned.Choices.Select(c => (c.MaxBatch, c.Layout)));
        Assert.Equal(0.9, tuned.Choices[0].Seconds[TileLayout.Contiguous]);
    }

    [Theory]
    [InlineData(0.98, "Strided")] // 2 % faster: within the margin, the default stays
    [InlineData(0.95, "Contiguous")] // 5 % faster: chosen
    [InlineData(1.20, "Strided")]
    public void A_layout_must_beat_the_default_by_the_margin(double contiguousSeconds, string expected)
    {
        var g = new WindowGeometry(4, 4, 8, 8, 1, 1, 1, 1, Padding.Same);
        using var accelerator = IlgpuRuntime.CreateGpuShapedCpuAccelerator();
        using var weights = accelerator.Allocate1D<float>(64);
        using var bias = accelerator.Allocate1D<float>(8);
        using var input = accelerator.Allocate1D<float>(128);
        using var output = accelerator.Allocate1D<float>(128);
        var clock = new Clock(new() { [TileLayout.Strided] = 1.0, [TileLayout.Contiguous] = contiguousSeconds, [TileLayout.Wide] = 1.5 });
        var tuned = new TunedConvGemm(new ConvGemmKernel(accelerator), g, clock.Time);
        tuned.Launch(accelerator.DefaultStream, 1, input.View, weights.View, bias.View, output.View, relu: false);
        Assert.Equal(Enum.Parse<TileLayout>(expected), Assert.Single(tuned.Choices).Layout);
    }
}
