using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// Where an NHWC item sits inside its zero-padded copy: the input's extent and the zeros added
/// before it on each axis (after it follows from the output's extent).
/// </summary>
internal readonly record struct PadGeometry(int InHeight, int InWidth, int InChannels, int Top, int Left, int Front, int OutHeight, int OutWidth, int OutChannels)
{
    public int OutputSize => OutHeight * OutWidth * OutChannels;
}

/// <summary>TF's Pad with zeros on NHWC items (BlazeFace widens its shortcut channels with it), one thread per output value.</summary>
internal sealed class PadKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, PadGeometry> _kernel;

    public PadKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, PadGeometry>(Execute);

    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> output, in PadGeometry g) =>
        _kernel(stream, batch * g.OutputSize, input, output, g);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> output, PadGeometry g)
    {
        int c = index % g.OutChannels, pixel = index / g.OutChannels;
        int x = pixel % g.OutWidth, y = pixel / g.OutWidth % g.OutHeight, n = pixel / (g.OutWidth * g.OutHeight);
        int sy = y - g.Top, sx = x - g.Left, sc = c - g.Front;
        bool inside = sy >= 0 && sy < g.InHeight && sx >= 0 && sx < g.InWidth && sc >= 0 && sc < g.InChannels;
        output[index] = inside ? input[((long)(n * g.InHeight + sy) * g.InWidth + sx) * g.InChannels + sc] : 0f;
    }
}
