using ILGPU;
using ILGPU.Runtime;
using VideoAffect.Inference;
using VideoAffect.Kernels;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Support.ReferenceOps;

namespace VideoAffect.Tests;

/// <summary>
/// A GPU layer's choice of convolution kernel (<see cref="TunedConvolution"/>: the tiled GEMM in each
/// tile layout, or the direct kernel), on ILGPU's GPU-shaped CPU accelerator with a clock the test
/// sets: the fastest tactic is chosen, once per batch size class, one that wins by less than the
/// margin does not displace the default, and every launch's outputs, the timed ones and the chosen
/// one, are the float64 reference's.
/// </summary>
[Collection(Support.KernelSimulationCollection.Name)]
public class TunedConvolutionTests
{
    sealed class Clock(Dictionary<ConvTactic, double> seconds)
    {
        public List<ConvTactic> Timed { get; } = new();

        public double Time(ConvTactic tactic, AcceleratorStream stream, Action launch)
        {
            launch();
            stream.Synchronize();
            Timed.Add(tactic);
            return seconds[tactic];
        }
    }

    static Dictionary<ConvTactic, double> Fastest(ConvTactic fastest) =>
        Enum.GetValues<ConvTactic>().ToDictionary(t => t, t => t == fastest ? 0.5 : t == TunedConvolution.Default ? 1.0 : 0.9);

    [Theory]
    [InlineData("WideGemm")]
    [InlineData("Direct")]
    [InlineData("ContiguousGemm")]
    public void The_fastest_tactic_is_chosen_once_per_batch_class_and_gives_the_reference_outputs(string fastest)
    {
        const int h = 6, w = 5, cin = 9, cout = 11, k = 3;
        var rnd = new RandomData();
        var weights = rnd.Floats(k * k * cin * cout, 0.5f);
        var bias = rnd.Floats(cout);
        var g = new WindowGeometry(h, w, cin, cout, k, k, 1, 1, Padding.Same);
        using var accelerator = IlgpuRuntime.CreateGpuShapedCpuAccelerator();
        using var wBuffer = accelerator.Allocate1D(weights);
        using var bBuffer = accelerator.Allocate1D(bias);
        var tactic = Enum.Parse<ConvTactic>(fastest);
        var clock = new Clock(Fastest(tactic));
        var tuned = new TunedConvolution(new ConvGemmKernel(accelerator), new Conv2DKernel(accelerator), g, new TacticTimer<ConvTactic>(TunedConvolution.Default, TunedConvolution.All, clock.Time));

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

        int tactics = Enum.GetValues<ConvTactic>().Length;
        Run(4);
        Assert.Equal(Enum.GetValues<ConvTactic>(), clock.Timed);
        Run(3); // the same class (3 to 4): no timing
        Assert.Equal(tactics, clock.Timed.Count);
        Run(5); // the next class (5 to 8): timed again
        Assert.Equal(2 * tactics, clock.Timed.Count);
        Assert.Equal([(4, tactic), (8, tactic)], tuned.Choices.Select(c => (c.MaxBatch, c.Tactic)));
        Assert.Equal(0.5, tuned.Choices[0].Seconds[tactic]);
    }

    [Theory]
    [InlineData(0.98, "StridedGemm")] // 2 % faster: within the margin, the default stays
    [InlineData(0.95, "Direct")]      // 5 % faster: chosen
    [InlineData(1.20, "StridedGemm")]
    public void A_tactic_must_beat_the_default_by_the_margin(double directSeconds, string expected)
    {
        var g = new WindowGeometry(4, 4, 8, 8, 1, 1, 1, 1, Padding.Same);
        using var accelerator = IlgpuRuntime.CreateGpuShapedCpuAccelerator();
        using var weights = accelerator.Allocate1D<float>(64);
        using var bias = accelerator.Allocate1D<float>(8);
        using var input = accelerator.Allocate1D<float>(128);
        using var output = accelerator.Allocate1D<float>(128);
        var seconds = Enum.GetValues<ConvTactic>().ToDictionary(t => t, t => t == TunedConvolution.Default ? 1.0 : 1.5);
        seconds[ConvTactic.Direct] = directSeconds;
        var tuned = new TunedConvolution(new ConvGemmKernel(accelerator), new Conv2DKernel(accelerator), g, new TacticTimer<ConvTactic>(TunedConvolution.Default, TunedConvolution.All, new Clock(seconds).Time));
        tuned.Launch(accelerator.DefaultStream, 1, input.View, weights.View, bias.View, output.View, relu: false);
        Assert.Equal(Enum.Parse<ConvTactic>(expected), Assert.Single(tuned.Choices).Tactic);
    }

    /// <summary>
    /// A tactic the device refuses (on a GPU: a launch asking for more registers or shared memory
    /// than a group may have) is left out and its error kept for the report; the default's own
    /// failure is the layer's, and is not hidden.
    /// </summary>
    [Fact]
    public void A_tactic_that_fails_is_left_out_and_the_defaults_failure_is_not_hidden()
    {
        var timer = new TacticTimer<ConvTactic>(TunedConvolution.Default, TunedConvolution.All, (tactic, _, launch) =>
        {
            launch();
            return tactic == ConvTactic.WideGemm ? 0.1 : 1.0;
        });
        var launched = new List<ConvTactic>();
        using var accelerator = IlgpuRuntime.CreateCpuAccelerator();
        timer.Launch(accelerator.DefaultStream, 8, tactic =>
        {
            if (tactic == ConvTactic.WideGemm) throw new InvalidOperationException("too many resources requested for launch\nmore");
            launched.Add(tactic);
        });
        var choice = Assert.Single(timer.Choices);
        Assert.Equal(TunedConvolution.Default, choice.Tactic);
        Assert.Equal("InvalidOperationException: too many resources requested for launch", choice.Failures[ConvTactic.WideGemm]);
        Assert.Equal(double.PositiveInfinity, choice.Seconds[ConvTactic.WideGemm]);
        Assert.Equal(TunedConvolution.Default, launched[^1]);

        var failing = new TacticTimer<ConvTactic>(TunedConvolution.Default, TunedConvolution.All, (_, _, launch) => { launch(); return 1.0; });
        Assert.Throws<InvalidOperationException>(() => failing.Launch(accelerator.DefaultStream, 1, tactic =>
        {
            if (tactic == TunedConvolution.Default) throw new InvalidOperationException("the default fails");
        }));
    }

    /// <summary>Disabled, a timer launches the default, untimed, and keeps no choice; enabled again, it times as before.</summary>
    [Fact]
    public void A_disabled_timer_takes_the_default_untimed_until_enabled()
    {
        var timed = new List<ConvTactic>();
        var timer = new TacticTimer<ConvTactic>(TunedConvolution.Default, TunedConvolution.All, (tactic, _, launch) =>
        {
            timed.Add(tactic);
            launch();
            return tactic == ConvTactic.Direct ? 0.1 : 1.0;
        }) { Enabled = false };
        var launched = new List<ConvTactic>();
        using var accelerator = IlgpuRuntime.CreateCpuAccelerator();
        timer.Launch(accelerator.DefaultStream, 4, launched.Add);
        Assert.Equal([TunedConvolution.Default], launched);
        Assert.Empty(timed);
        Assert.Empty(timer.Choices);
        timer.Enabled = true;
        launched.Clear();
        timer.Launch(accelerator.DefaultStream, 4, launched.Add);
        Assert.Equal(TunedConvolution.All.Count, timed.Count);
        Assert.Equal(ConvTactic.Direct, launched[^1]);
    }
}
