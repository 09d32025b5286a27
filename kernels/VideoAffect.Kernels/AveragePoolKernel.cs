using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// How many positions an average divides by: those inside the input (ONNX's count_include_pad = 0,
/// TF's AvgPool), or also those in the declared padding (count_include_pad = 1), never the
/// extension that ceil_mode adds past it.
/// </summary>
internal readonly struct AveragePoolDivisor(bool includePad, int padBottom, int padRight)
{
    public readonly int IncludePad = includePad ? 1 : 0;
    public readonly int PadBottom = padBottom, PadRight = padRight;

    public int Count(in WindowGeometry g, int oy, int ox)
    {
        int low = IncludePad != 0 ? -g.PadTop : 0, high = IncludePad != 0 ? g.InHeight + PadBottom : g.InHeight;
        int left = IncludePad != 0 ? -g.PadLeft : 0, right = IncludePad != 0 ? g.InWidth + PadRight : g.InWidth;
        int y0 = oy * g.StrideY - g.PadTop, x0 = ox * g.StrideX - g.PadLeft;
        int rows = Clamp(y0 + g.KernelHeight, low, high) - Clamp(y0, low, high);
        int cols = Clamp(x0 + g.KernelWidth, left, right) - Clamp(x0, left, right);
        return rows * cols;
    }

    static int Clamp(int v, int low, int high) => v < low ? low : v > high ? high : v;
}

/// <summary>Average pooling on NHWC input, one thread per output value.</summary>
internal sealed class AveragePoolKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, WindowGeometry, AveragePoolDivisor> _kernel;

    public AveragePoolKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, WindowGeometry, AveragePoolDivisor>(Execute);

    public void Launch(AcceleratorStream stream, int batch, ArrayView<float> input, ArrayView<float> output, in WindowGeometry g, AveragePoolDivisor divisor) =>
        _kernel(stream, batch * g.OutputSize, input, output, g, divisor);

    static void Execute(Index1D index, ArrayView<float> input, ArrayView<float> output, WindowGeometry g, AveragePoolDivisor divisor)
    {
        var o = g.Locate(index);
        float sum = 0f;
        for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int iy = g.InputY(o.Y, ky), ix = g.InputX(o.X, kx);
                if (g.InsideInput(iy, ix)) sum += input[g.InputOffset(o.N, iy, ix) + o.Channel];
            }
        output[index] = sum / divisor.Count(g, o.Y, o.X);
    }
}
