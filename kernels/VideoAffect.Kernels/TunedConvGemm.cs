using System.Diagnostics;
using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// One convolution's GEMM launches in the tile layout that runs it fastest on this device, as
/// cuDNN's benchmark mode and TensorRT's tactic selection choose theirs: the first launch of a
/// batch size class (the powers of two: 1, 2, 3-4, 5-8, ...) times every layout on the launch's
/// own buffers and keeps the fastest for the class. Which layout wins depends on the layer's
/// shape, the batch and the GPU (an 8 x 8 tile needs many blocks to fill an H200's 132
/// multiprocessors; a 7-channel layer wastes most of its 8 channels), so no fixed rule fits every
/// device. Every layout sums the same products in the same order, so the choice changes the speed,
/// never the outputs. Timing costs a few launches per layout, once per class: under a
/// millisecond at the batches a live stream sends, some tens of milliseconds at 4,096.
/// </summary>
internal sealed class TunedConvGemm
{
    /// <summary>A layout other than the kernel's default must beat it by this share to be chosen: at small batches launches take about as long as their timing's noise.</summary>
    public const double Margin = 0.03;

    /// <summary>The layout chosen for batches up to <paramref name="MaxBatch"/>, and each layout's time per launch.</summary>
    public sealed record Choice(int MaxBatch, TileLayout Layout, IReadOnlyDictionary<TileLayout, double> Seconds);

    readonly ConvGemmKernel _gemm;
    readonly WindowGeometry _geometry;
    readonly Func<TileLayout, AcceleratorStream, Action, double> _time;
    readonly Dictionary<int, Choice> _choices = new();
    readonly Lock _lock = new();

    /// <param name="time">seconds one launch in a layout takes (the tests give their own clock); by default the best of three, timed on the device</param>
    public TunedConvGemm(ConvGemmKernel gemm, in WindowGeometry geometry, Func<TileLayout, AcceleratorStream, Action, double>? time = null)
    {
        _gemm = gemm;
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
                _choices[maxBatch] = choice = Tune(stream, maxBatch, batch, input, weights, bias, output, relu);
        }
        _gemm.Launch(stream, batch, input, weights, bias, output, _geometry, relu, layout: choice.Layout);
    }

    Choice Tune(AcceleratorStream stream, int maxBatch, int batch, ArrayView<float> input, ArrayView<float> weights,
        ArrayView<float> bias, ArrayView<float> output, bool relu)
    {
        var g = _geometry;
        var seconds = Enum.GetValues<TileLayout>().ToDictionary(layout => layout,
            layout => _time(layout, stream, () => _gemm.Launch(stream, batch, input, weights, bias, output, g, relu, layout: layout)));
        var fastest = seconds.MinBy(s => s.Value).Key;
        var layout = seconds[fastest] < (1 - Margin) * seconds[_gemm.Layout] ? fastest : _gemm.Layout;
        return new Choice(maxBatch, layout, seconds);
    }

    /// <summary>One launch to warm up, then the fastest of three, each waited for (the launch's cost to the stream, overhead included).</summary>
    static double BestOfThree(TileLayout layout, AcceleratorStream stream, Action launch)
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
