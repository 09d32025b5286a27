using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// Depthwise convolution (channel multiplier 1) on NHWC input with [kh, kw, C] weights, fused
/// bias and optional ReLU: each channel is filtered by its own window. A thread computes a run of
/// <see cref="Run"/> neighbouring outputs along a row, so each weight is loaded once for the run
/// and a position decoded once (one output per thread ran at ~1 TFLOP/s on the H200, 1.5 % of its
/// fp32 peak, 2026-12-04: as many loads and divisions as multiply-adds), for one channel or for
/// four adjacent ones (<see cref="IChannelLanes{TValue}"/>: one 16-byte load per input, weight and
/// output, where C is a multiple of 4, as in every layer of the emotion network and BlazeFace).
/// Neighbouring threads take neighbouring channels, so every load and store coalesces; each output
/// sums its taps in the same order in both (bias, then the window row by row).
/// </summary>
internal sealed class DepthwiseConv2DKernel
{
    /// <summary>Outputs per thread along a row.</summary>
    public const int Run = 4;

    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int> _one, _four;

    public DepthwiseConv2DKernel(Accelerator accelerator)
    {
        _one = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int>(Execute<OneChannel, float>);
        _four = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowGeometry, int>(Execute<FourChannels, Quad>);
    }

    /// <summary>The tactics a layer may take: four channels a thread where C allows it, and one; one is the default.</summary>
    public static IReadOnlyList<DepthwiseTactic> Tactics(in WindowGeometry g) =>
        TakesFourChannels(g) ? [DepthwiseTactic.OneChannel, DepthwiseTactic.FourChannels] : [DepthwiseTactic.OneChannel];

    /// <summary>
    /// Whether a thread may take four channels: C a multiple of 4. The views must also start on a
    /// 16-byte boundary, as whole buffers do (the engine's activations and parameters are whole
    /// buffers; a misaligned view would fail the launch on a GPU, not give wrong sums).
    /// </summary>
    public static bool TakesFourChannels(in WindowGeometry g) => g.OutChannels % 4 == 0;

    /// <param name="fourChannels">four adjacent channels a thread (<see cref="TakesFourChannels"/> must allow it), or one</param>
    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> weights,
        ArrayView<float> bias, ArrayView<float> output, in WindowGeometry g, bool relu, bool fourChannels = false)
    {
        if (fourChannels && !TakesFourChannels(g))
            throw new ArgumentException($"four channels a thread need C a multiple of 4 (C = {g.OutChannels})", nameof(fourChannels));
        int width = fourChannels ? 4 : 1;
        (fourChannels ? _four : _one)(stream, batch * g.OutHeight * Runs(g) * (g.OutChannels / width), input, weights, bias, output, g, relu ? 1 : 0);
    }

    static int Runs(WindowGeometry g) => (g.OutWidth + Run - 1) / Run;

    static void Execute<TLanes, TValue>(Index1D index, ArrayView<float> input, ArrayView<float> weights, ArrayView<float> bias,
        ArrayView<float> output, WindowGeometry g, int relu)
        where TLanes : struct, IChannelLanes<TValue> where TValue : struct
    {
        var lanes = default(TLanes);
        int channels = g.OutChannels, groups = channels / lanes.Width;
        int c = index % groups * lanes.Width, rest = index / groups, runs = Runs(g);
        int ox = rest % runs * Run;
        rest /= runs;
        int oy = rest % g.OutHeight, n = rest / g.OutHeight;
        var first = lanes.Load(bias, c);
        TValue s0 = first, s1 = first, s2 = first, s3 = first;
        int step = g.StrideX * channels;
        for (int ky = 0; ky < g.KernelHeight; ky++)
        {
            int iy = g.InputY(oy, ky);
            if (iy < 0 || iy >= g.InHeight) continue; // zero padding
            long row = (long)n * g.InputSize + (long)iy * g.InWidth * channels + c;
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                var w = lanes.Load(weights, (ky * g.KernelWidth + kx) * channels + c);
                int ix = g.InputX(ox, kx);
                long at = row + (long)ix * channels;
                // Taps in the padding add nothing (skipped, as the one-output kernel did: the same sums).
                if (Inside(g, ix)) s0 = lanes.MultiplyAdd(s0, lanes.Load(input, at), w);
                if (Inside(g, ix + g.StrideX)) s1 = lanes.MultiplyAdd(s1, lanes.Load(input, at + step), w);
                if (Inside(g, ix + 2 * g.StrideX)) s2 = lanes.MultiplyAdd(s2, lanes.Load(input, at + 2 * step), w);
                if (Inside(g, ix + 3 * g.StrideX)) s3 = lanes.MultiplyAdd(s3, lanes.Load(input, at + 3 * step), w);
            }
        }
        long out0 = ((long)(n * g.OutHeight + oy) * g.OutWidth + ox) * channels + c;
        lanes.Store(output, out0, s0, relu);
        if (ox + 1 < g.OutWidth) lanes.Store(output, out0 + channels, s1, relu);
        if (ox + 2 < g.OutWidth) lanes.Store(output, out0 + 2 * channels, s2, relu);
        if (ox + 3 < g.OutWidth) lanes.Store(output, out0 + 3 * channels, s3, relu);
    }

    static bool Inside(WindowGeometry g, int ix) => ix >= 0 && ix < g.InWidth;
}

/// <summary>How many adjacent channels a depthwise thread takes (<see cref="TacticTimer{TTactic}"/> chooses by timing).</summary>
internal enum DepthwiseTactic
{
    /// <summary>One channel a thread: the default, any C.</summary>
    OneChannel,
    /// <summary>Four adjacent channels a thread, each load and store 16 bytes: C a multiple of 4.</summary>
    FourChannels,
}

/// <summary>
/// The channels a depthwise thread takes, and the arithmetic on them: the kernel's type parameter,
/// so each width is compiled into its own kernel with no branch on it.
/// </summary>
internal interface IChannelLanes<TValue> where TValue : struct
{
    /// <summary>Adjacent channels a thread takes.</summary>
    int Width { get; }

    /// <summary>The values at <paramref name="at"/> (a multiple of <see cref="Width"/>) and after.</summary>
    TValue Load(ArrayView<float> view, long at);

    /// <summary><paramref name="sum"/> + <paramref name="input"/> x <paramref name="weight"/>, lane by lane.</summary>
    TValue MultiplyAdd(TValue sum, TValue input, TValue weight);

    /// <summary>The sums at <paramref name="at"/>, clamped at zero where <paramref name="relu"/> is set.</summary>
    void Store(ArrayView<float> view, long at, TValue sums, int relu);
}

/// <summary>One channel a thread.</summary>
internal readonly struct OneChannel : IChannelLanes<float>
{
    public int Width => 1;
    public float Load(ArrayView<float> view, long at) => view[at];
    public float MultiplyAdd(float sum, float input, float weight) => sum + input * weight;
    public void Store(ArrayView<float> view, long at, float sum, int relu) => view[at] = relu != 0 && sum < 0f ? 0f : sum;
}

/// <summary>Four adjacent channels a thread, each load and store one 16-byte word.</summary>
internal readonly struct FourChannels : IChannelLanes<Quad>
{
    public int Width => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Quad Load(ArrayView<float> view, long at) => view.Cast<Quad>()[at / 4];

    public Quad MultiplyAdd(Quad sum, Quad input, Quad weight) => new()
    {
        X = sum.X + input.X * weight.X, Y = sum.Y + input.Y * weight.Y, Z = sum.Z + input.Z * weight.Z, W = sum.W + input.W * weight.W,
    };

    public void Store(ArrayView<float> view, long at, Quad sums, int relu) => view.Cast<Quad>()[at / 4] = relu == 0 ? sums : new Quad
    {
        X = sums.X < 0f ? 0f : sums.X, Y = sums.Y < 0f ? 0f : sums.Y, Z = sums.Z < 0f ? 0f : sums.Z, W = sums.W < 0f ? 0f : sums.W,
    };
}
