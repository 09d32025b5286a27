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
/// One convolution's launches by the tactic that runs it fastest on this device (<see cref="TacticTimer{TTactic}"/>).
/// Which wins depends on the layer, the batch and the GPU: an 8 x 8 tile needs many blocks to fill
/// an H200's 132 multiprocessors; a 7-channel 3x3 layer has too few blocks for any tile to hide its
/// loads' latency (on the H200 the direct kernel ran it in 0.9 ms at batch 1,024, the first tiled
/// GEMM in 2.7), and at batch 1 the network ran twice as fast before the tiled GEMM (2,175 against
/// 1,039 faces/s). The GEMM's layouts sum the same products in the same order; the direct kernel
/// sums them window row by row, within float32 rounding of the others.
/// </summary>
/// <param name="timer">the layer's choices: a timer over <see cref="All"/> with <see cref="Default"/></param>
internal sealed class TunedConvolution(ConvGemmKernel gemm, Conv2DKernel direct, WindowGeometry geometry, TacticTimer<ConvTactic> timer)
{
    /// <summary>The tactic the kernels' default is: the GEMM in the layout measured on a GPU.</summary>
    public const ConvTactic Default = ConvTactic.StridedGemm;

    /// <summary>Every tactic, for every convolution.</summary>
    public static IReadOnlyList<ConvTactic> All { get; } = Enum.GetValues<ConvTactic>();

    /// <summary>The choices made so far, smallest batch class first.</summary>
    public IReadOnlyList<TacticTimer<ConvTactic>.Choice> Choices => timer.Choices;

    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> weights,
        ArrayView<float> bias, ArrayView<float> output, bool relu) =>
        timer.Launch(stream, batch, tactic =>
        {
            if (tactic == ConvTactic.Direct)
                direct.Launch(stream, batch, input, weights, bias, output, geometry, relu);
            else
                gemm.Launch(stream, batch, input, weights, bias, output, geometry, relu, layout: LayoutOf(tactic));
        });

    static TileLayout LayoutOf(ConvTactic tactic) => tactic switch
    {
        ConvTactic.ContiguousGemm => TileLayout.Contiguous,
        ConvTactic.WideGemm => TileLayout.Wide,
        _ => TileLayout.Strided,
    };
}
