using System.Diagnostics;
using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>The ways a GPU convolution can be launched: the tiled GEMM in each of its tile layouts, or the direct kernel.</summary>
internal enum ConvTactic
{
    /// <summary><see cref="ConvGemmKernel"/> with <see cref="TileLayout.Strided"/> 4 x 4 tiles: the default, the one measured on the H200.</summary>
    StridedGemm,
    /// <summary><see cref="ConvGemmKernel"/> with <see cref="TileLayout.Contiguous"/> 4 x 4 tiles.</summary>
    ContiguousGemm,
    /// <summary><see cref="ConvGemmKernel"/> with <see cref="TileLayout.Wide"/> 8 x 8 tiles.</summary>
    WideGemm,
    /// <summary><see cref="Conv2DKernel"/>: one output per thread, no shared memory; the most threads for a layer of few outputs.</summary>
    Direct,
}

/// <summary>
/// One convolution's launches by the tactic that runs it fastest on this device, as cuDNN's
/// benchmark mode and TensorRT's tactic selection choose theirs: the first launch of a batch size
/// class (the powers of two: 1, 2, 3-4, 5-8, ...) times every tactic on the launch's own buffers
/// and keeps the fastest for the class. Which wins depends on the layer, the batch and the GPU: an
/// 8 x 8 tile needs many blocks to fill an H200's 132 multiprocessors; a 7-channel 3x3 layer has
/// too few blocks for any tile to hide its loads' latency (on the H200 the direct kernel ran it in
/// 0.9 ms at batch 1,024, the first tiled GEMM in 2.7), and at batch 1 the network ran twice as
/// fast before the tiled GEMM (2,175 against 1,039 faces/s). So no fixed rule fits every device.
/// The GEMM's layouts sum the same products in the same order; the direct kernel sums them in
/// another order (window row by row), within float32 rounding of the others. Timing costs a few
/// launches per tactic, once per class: under a millisecond at a live stream's batches.
/// </summary>
internal sealed class TunedConvolution
{
    /// <summary>A tactic other than the default must beat it by this share to be chosen: at small batches a launch takes about as long as its timing's noise.</summary>
    public const double Margin = 0.03;

    /// <summary>The tactic the kernels' default is: the GEMM in the layout measured on a GPU.</summary>
    public const ConvTactic Default = ConvTactic.StridedGemm;

    /// <summary>The tactic chosen for batches up to <paramref name="MaxBatch"/>, and each tactic's time per launch.</summary>
    public sealed record Choice(int MaxBatch, ConvTactic Tactic, IReadOnlyDictionary<ConvTactic, double> Seconds);

    readonly ConvGemmKernel _gemm;
    readonly Conv2DKernel _direct;
    readonly WindowGeometry _geometry;
    readonly Func<ConvTactic, AcceleratorStream, Action, double> _time;
    readonly Dictionary<int, Choice> _choices = new();
    readonly Lock _lock = new();

    /// <param name="time">seconds one launch by a tactic takes (the tests give their own clock); by default the best of three, timed on the device</param>
    public TunedConvolution(ConvGemmKernel gemm, Conv2DKernel direct, in WindowGeometry geometry, Func<ConvTactic, AcceleratorStream, Action, double>? time = null)
    {
        _gemm = gemm;
        _direct = direct;
        _geometry = geometry;
        _time = time ?? BestOfThree;
    }

    /// <summary>The choices made so far, smallest batch class first.</summary>
    public IReadOnlyList<Choice> Choices
    {
        get { lock (_lock) return _choices.Values.OrderBy(c => c.MaxBatch).ToList(); }
    }

    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> weights,
        ArrayView<float> bias, ArrayView<float> output, bool relu)
    {
        int maxBatch = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, batch));
        Choice? choice;
        lock (_lock)
        {
            if (!_choices.TryGetValue(maxBatch, out choice))
            {
                var seconds = Enum.GetValues<ConvTactic>().ToDictionary(tactic => tactic,
                    tactic => _time(tactic, stream, () => Launch(tactic, stream, batch, input, weights, bias, output, relu)));
                var fastest = seconds.MinBy(s => s.Value).Key;
                _choices[maxBatch] = choice = new Choice(maxBatch, seconds[fastest] < (1 - Margin) * seconds[Default] ? fastest : Default, seconds);
            }
        }
        Launch(choice.Tactic, stream, batch, input, weights, bias, output, relu);
    }

    void Launch(ConvTactic tactic, AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> weights,
        ArrayView<float> bias, ArrayView<float> output, bool relu)
    {
        if (tactic == ConvTactic.Direct)
            _direct.Launch(stream, batch, input, weights, bias, output, _geometry, relu);
        else
            _gemm.Launch(stream, batch, input, weights, bias, output, _geometry, relu, layout: LayoutOf(tactic));
    }

    static TileLayout LayoutOf(ConvTactic tactic) => tactic switch
    {
        ConvTactic.ContiguousGemm => TileLayout.Contiguous,
        ConvTactic.WideGemm => TileLayout.Wide,
        _ => TileLayout.Strided,
    };

    /// <summary>
    /// No timing, the default chosen: for ILGPU's CPU accelerator, where the tests run a GPU's path
    /// and a simulated GPU's times say nothing of a real one's (every tactic is tested on its own,
    /// against float64, and the choice with a clock the tests set).
    /// </summary>
    public static double DefaultOnly(ConvTactic tactic, AcceleratorStream stream, Action launch) =>
        tactic == Default ? 0 : double.PositiveInfinity;

    /// <summary>One launch to warm up, then the fastest of three, each waited for (the launch's cost to the stream, overhead included).</summary>
    static double BestOfThree(ConvTactic tactic, AcceleratorStream stream, Action launch)
    {
        launch();
        stream.Synchronize();
        double best = double.MaxValue;
        for (int r = 0; r < 3; r++)
        {
            long started = Stopwatch.GetTimestamp();
            launch();
            stream.Synchronize();
            best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        return best;
    }
}
