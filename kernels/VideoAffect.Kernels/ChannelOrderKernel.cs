using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// Moves an item between our NHWC order and ONNX's NCHW order: value (p, c) of an item with
/// <c>Pixels</c> positions and <c>Channels</c> channels is at <c>p * Channels + c</c> channels-last
/// and at <c>c * Pixels + p</c> channels-first.
/// </summary>
internal readonly struct ChannelOrder(int pixels, int channels, bool toChannelsFirst)
{
    public readonly int Pixels = pixels, Channels = channels;
    public readonly int ToChannelsFirst = toChannelsFirst ? 1 : 0;

    /// <summary>The source index of output index <paramref name="i"/>.</summary>
    public int Source(int i)
    {
        int size = Pixels * Channels, item = i / size * size, j = i % size;
        return ToChannelsFirst != 0
            ? item + j % Pixels * Channels + j / Pixels   // output (c, p) reads (p, c)
            : item + j % Channels * Pixels + j / Channels; // output (p, c) reads (c, p)
    }
}

/// <summary>A <see cref="ChannelOrder"/> change, one thread per value.</summary>
internal sealed class ChannelOrderKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ChannelOrder> _kernel;

    public ChannelOrderKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ChannelOrder>(Execute);

    public void Launch(AcceleratorStream stream, int length, ArrayView<float> input, ArrayView<float> output, ChannelOrder order) =>
        _kernel(stream, length, input, output, order);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> output, ChannelOrder order) =>
        output[index] = input[order.Source(index)];
}
